package dev.laborchestrator.sim;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Triggers a rebuild and reboot of a simulated host, or a rollback to its previous NixOS
 * generation, as a real host's rebuild command would:
 *
 * <pre>
 * java -cp &lt;classpath&gt; dev.laborchestrator.sim.SimCtl \
 *     reboot &lt;nomadBaseUrl&gt; &lt;hostname&gt; [revision]
 * java -cp &lt;classpath&gt; dev.laborchestrator.sim.SimCtl \
 *     rollback &lt;nomadBaseUrl&gt; &lt;hostname&gt;
 * </pre>
 *
 * <p>It posts to the lab's control endpoint, prints one line and exits 0 when the lab accepted the
 * reboot or rollback (2xx), 1 otherwise.
 */
public final class SimCtl {

  private static final String USAGE =
      "usage: SimCtl reboot <nomadBaseUrl> <hostname> [revision]\n"
          + "       SimCtl rollback <nomadBaseUrl> <hostname>";

  private SimCtl() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  /** The command without {@link System#exit}: returns the exit code. */
  static int run(String[] args, PrintStream out) {
    boolean reboot = args.length >= 3 && args.length <= 4 && "reboot".equals(args[0]);
    boolean rollback = args.length == 3 && "rollback".equals(args[0]);
    if (!reboot && !rollback) {
      out.println(USAGE);
      return 1;
    }
    String verb = args[0];
    String base = args[1].endsWith("/") ? args[1].substring(0, args[1].length() - 1) : args[1];
    String host = args[2];
    String revision = args.length == 4 ? args[3] : null;
    URI uri;
    try {
      uri =
          URI.create(
              base
                  + "/sim/v1/"
                  + verb
                  + "/"
                  + encode(host)
                  + (revision == null ? "" : "?revision=" + encode(revision)));
    } catch (IllegalArgumentException e) {
      out.println(verb + " of " + host + " failed: bad URL: " + e.getMessage());
      return 1;
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      String body = response.body().replaceAll("\\s+", " ").trim();
      boolean accepted = response.statusCode() / 100 == 2;
      out.println(
          verb
              + " of "
              + host
              + (accepted ? " accepted: " : " refused: HTTP " + response.statusCode() + " ")
              + body);
      return accepted ? 0 : 1;
    } catch (IOException e) {
      out.println(verb + " of " + host + " failed: " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.println(verb + " of " + host + " interrupted");
      return 1;
    }
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
