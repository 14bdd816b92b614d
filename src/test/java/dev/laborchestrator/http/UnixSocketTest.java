package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import dev.laborchestrator.port.NomadNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code NOMAD_ADDR=unix:///.../api.sock}: Nomad's Task API socket, served here from a tempdir. */
class UnixSocketTest {
  private static final String TOKEN = "workload-identity-2f8e61aa-visible-if-leaked";
  private static final String NODE_ID = "1ac61e33-a465-2ace-f63f-cffa1285e7eb";

  @TempDir Path dir;

  private final List<String> requests = new CopyOnWriteArrayList<>();
  private ServerSocketChannel server;
  private Thread serving;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
      serving.join(5_000);
    }
  }

  @Test
  void theNomadClientReadsANodeThroughTheTaskApiSocket() throws IOException {
    Path socket = serve(2, Fixtures.read("nomad/node.json"));
    NomadHttpClient nomad =
        new NomadHttpClient(
            new ApiSettings("unix://" + socket, TOKEN),
            HttpOptions.defaults().withRetry(RetryPolicy.none()));

    NomadNode node = nomad.readNode(NODE_ID, BlockingQuery.NONE).value();
    NomadNode again = nomad.readNode(NODE_ID, BlockingQuery.NONE).value();

    assertThat(node.name()).isEqualTo("mew");
    assertThat(again.id()).isEqualTo(NODE_ID);
    assertThat(requests).hasSize(2);
    assertThat(requests.get(0))
        .startsWith("GET /v1/node/" + NODE_ID + " HTTP/1.1\r\n")
        .containsIgnoringCase("host: localhost\r\n")
        .containsIgnoringCase("x-nomad-token: " + TOKEN + "\r\n");
  }

  @Test
  void aMissingSocketIsUnreachableAndNamesThePath() {
    Path socket = dir.resolve("gone.sock");
    NomadHttpClient nomad =
        new NomadHttpClient(
            new ApiSettings("unix://" + socket, TOKEN),
            HttpOptions.defaults().withRetry(RetryPolicy.none()));

    ApiException failure =
        catchThrowableOfType(ApiException.class, () -> nomad.readNode(NODE_ID, BlockingQuery.NONE));

    assertThat(failure.status()).isZero();
    assertThat(failure.getMessage())
        .contains("cannot connect to unix socket " + socket)
        .doesNotContain(TOKEN);
  }

  @Test
  void aReadWithATimeoutEndsWhenNothingArrives() throws Exception {
    Path socket = dir.resolve("quiet.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    serving = new Thread(() -> {});
    serving.start();

    try (Socket client = new UnixDomainSocketFactory(socket).createSocket()) {
      client.connect(null, 1000);
      client.setSoTimeout(50);
      InputStream in = client.getInputStream();

      assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
      assertThat(client.isClosed()).isFalse();
    }
  }

  @Test
  void closingFromAnotherThreadEndsARead() throws Exception {
    Path socket = dir.resolve("close.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    serving = new Thread(() -> {});
    serving.start();
    Socket client = new UnixDomainSocketFactory(socket).createSocket();
    client.connect(null, 1000);
    Thread closer =
        new Thread(
            () -> {
              try {
                Thread.sleep(50);
                client.close();
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    closer.start();

    assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(IOException.class);
    closer.join();
    assertThat(client.isClosed()).isTrue();
  }

  /**
   * A tiny HTTP/1.1 server on a Unix domain socket: answers {@code count} GETs with {@code json}.
   */
  private Path serve(int count, String json) throws IOException {
    Path socket = dir.resolve("api.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    serving =
        new Thread(
            () -> {
              try {
                for (int i = 0; i < count; i++) {
                  try (SocketChannel connection = server.accept()) {
                    requests.add(readHead(connection));
                    String head =
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            + "X-Nomad-Index: 14\r\nConnection: close\r\nContent-Length: "
                            + body.length
                            + "\r\n\r\n";
                    connection.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
                    connection.write(ByteBuffer.wrap(body));
                  }
                }
              } catch (IOException e) {
                // the test closed the server
              }
            },
            "unix-socket-server");
    serving.start();
    return socket;
  }

  private static String readHead(SocketChannel connection) throws IOException {
    InputStream in = Channels.newInputStream(connection);
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
        break;
      }
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
