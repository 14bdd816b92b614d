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
 * java -cp &lt;classpath&gt; dev.laborchestrator.sim.SimCtl \
 *     build &lt;nomadBaseUrl&gt; &lt;hostname&gt; [revision]
 * java -cp &lt;classpath&gt; dev.laborchestrator.sim.SimCtl \
 *     switch &lt;nomadBaseUrl&gt; &lt;hostname&gt; [storePath]
 * java -cp &lt;classpath&gt; dev.laborchestrator.sim.SimCtl \
 *     boot &lt;nomadBaseUrl&gt; &lt;hostname&gt; &lt;storePath&gt;
 * </pre>
 *
 * <p>{@code boot} reboots the host into its staged build, refused unless that build is {@code
 * storePath} ({@code switch-to-configuration boot} of exactly what was built, then a reboot).
 *
 * <p>It posts to the lab's control endpoint ({@link BuildControl} for build and switch). {@code
 * reboot}, {@code rollback} and {@code switch} print one line and exit 0 when the lab accepted
 * (2xx), 1 otherwise. {@code build} waits for the build and, when it succeeded, prints two lines,
 * {@code reboot-needed: yes|no} and then the store path (the last line), and exits 0; when the
 * build failed it prints one line and exits 1; anything else (bad usage, an unknown host, a host
 * that is down or already building, the lab unreachable) prints one line and exits 2.
 */
public final class SimCtl {

  private static final String USAGE =
      "usage: SimCtl reboot <nomadBaseUrl> <hostname> [revision]\n"
          + "       SimCtl rollback <nomadBaseUrl> <hostname>\n"
          + "       SimCtl build <nomadBaseUrl> <hostname> [revision]\n"
          + "       SimCtl switch <nomadBaseUrl> <hostname> [storePath]\n"
          + "       SimCtl boot <nomadBaseUrl> <hostname> <storePath>";

  private SimCtl() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out));
  }

  /** The command without {@link System#exit}: returns the exit code. */
  static int run(String[] args, PrintStream out) {
    boolean build = args.length > 0 && "build".equals(args[0]);
    boolean reboot = args.length >= 3 && args.length <= 4 && "reboot".equals(args[0]);
    boolean rollback = args.length == 3 && "rollback".equals(args[0]);
    boolean switching = args.length >= 3 && args.length <= 4 && "switch".equals(args[0]);
    boolean boot = args.length == 4 && "boot".equals(args[0]);
    boolean usable =
        build ? args.length >= 3 && args.length <= 4 : reboot || rollback || switching || boot;
    if (!usable) {
      out.println(USAGE);
      return build ? 2 : 1;
    }
    String verb = boot ? "reboot" : args[0];
    String base = args[1].endsWith("/") ? args[1].substring(0, args[1].length() - 1) : args[1];
    String host = args[2];
    String revision = args.length == 4 ? args[3] : null;
    String parameter = switching || boot ? "path" : "revision";
    int notDone = build ? 2 : 1;
    URI uri;
    try {
      uri =
          URI.create(
              base
                  + "/sim/v1/"
                  + verb
                  + "/"
                  + encode(host)
                  + (revision == null ? "" : "?" + parameter + "=" + encode(revision)));
    } catch (IllegalArgumentException e) {
      out.println(verb + " of " + host + " failed: bad URL: " + e.getMessage());
      return notDone;
    }
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(build ? Duration.ofMinutes(30) : Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      String body = response.body().replaceAll("\\s+", " ").trim();
      boolean accepted = response.statusCode() / 100 == 2;
      if (build) {
        return printBuild(host, response.statusCode(), body, out);
      }
      out.println(
          verb
              + " of "
              + host
              + (accepted ? " accepted: " : " refused: HTTP " + response.statusCode() + " ")
              + body);
      return accepted ? 0 : 1;
    } catch (IOException e) {
      out.println(verb + " of " + host + " failed: " + e);
      return notDone;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      out.println(verb + " of " + host + " interrupted");
      return notDone;
    }
  }

  /** The build's answer as the build command's contract wants it printed; its exit code. */
  private static int printBuild(String host, int status, String body, PrintStream out) {
    if (status == 200) {
      try {
        com.fasterxml.jackson.databind.JsonNode json =
            new com.fasterxml.jackson.databind.ObjectMapper().readTree(body);
        out.println("reboot-needed: " + (json.path("RebootNeeded").asBoolean() ? "yes" : "no"));
        out.println(json.path("StorePath").asText());
        return 0;
      } catch (IOException e) {
        out.println("build of " + host + " failed: unexpected answer: " + body);
        return 2;
      }
    }
    out.println(
        "build of "
            + host
            + (status == 422 ? " failed: " : " refused: HTTP " + status + " ")
            + body);
    return status == 422 ? 1 : 2;
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
