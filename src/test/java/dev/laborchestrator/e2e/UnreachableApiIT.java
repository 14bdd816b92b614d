package dev.laborchestrator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.laborchestrator.cli.DemoLab;
import dev.laborchestrator.sim.SimRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An API the controller cannot talk to is said once, at pre-flight, in a few lines that name the
 * address, the error and the setting to fix; a TLS certificate problem is not retried at all.
 */
class UnreachableApiIT {
  @TempDir Path dir;
  private DemoLab demo;

  @AfterEach
  void stop() {
    if (demo != null) {
      demo.close();
    }
  }

  @Test
  void aWrongNomadAddressIsSaidOnceNamingTheAddressTheErrorAndTheSetting() throws Exception {
    String address = "http://127.0.0.1:" + closedPort();
    demo = lab(config -> with(config, "nomad", "address", address));

    Controller.Run run = Controller.run(dir, Map.of(), "run", "--config=" + demo.config());

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stderr().lines()).as(run.stderr()).hasSizeBetween(1, 5);
    assertThat(run.stderr())
        .contains(address)
        .contains("Connection refused")
        .contains("nomad.address")
        .contains("NOMAD_ADDR");
    assertThat(demo.lab().requests()).noneMatch(SimRequest::mutating);
  }

  @Test
  void aWrongConsulAddressFromTheEnvironmentNamesConsulHttpAddr() throws Exception {
    int port = closedPort();
    demo =
        lab(
            config -> {
              @SuppressWarnings("unchecked")
              Map<String, Object> consul =
                  new LinkedHashMap<>((Map<String, Object>) config.get("consul"));
              consul.remove("address");
              config.put("consul", consul);
              return config;
            });

    Controller.Run run =
        Controller.run(
            dir,
            Map.of("CONSUL_HTTP_ADDR", "127.0.0.1:" + port),
            "run",
            "--config=" + demo.config());

    assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
    assertThat(run.stderr().lines()).as(run.stderr()).hasSizeBetween(1, 5);
    assertThat(run.stderr())
        .contains("http://127.0.0.1:" + port)
        .contains("Connection refused")
        .contains("CONSUL_HTTP_ADDR");
    assertThat(demo.lab().requests()).noneMatch(SimRequest::mutating);
  }

  @Test
  void aServerCertificateFromAnUnknownCaFailsAtTheFirstAttemptNamingTheCaSetting()
      throws Exception {
    HeldCertificate serverCa =
        new HeldCertificate.Builder().certificateAuthority(0).commonName("server CA").build();
    HeldCertificate otherCa =
        new HeldCertificate.Builder().certificateAuthority(0).commonName("other CA").build();
    HeldCertificate serverCert =
        new HeldCertificate.Builder()
            .commonName("localhost")
            .addSubjectAlternativeName("127.0.0.1")
            .signedBy(serverCa)
            .build();
    Path caFile = dir.resolve("other-ca.pem");
    Files.writeString(caFile, otherCa.certificatePem());
    AtomicInteger handshakes = new AtomicInteger();
    try (SSLServerSocket server = tlsServer(serverCert, serverCa, handshakes)) {
      String address = "https://127.0.0.1:" + server.getLocalPort();
      demo =
          lab(
              config ->
                  with(
                      config,
                      "nomad",
                      "address",
                      address,
                      "tls",
                      Map.of("caCert", caFile.toString())));

      Controller.Run run = Controller.run(dir, Map.of(), "run", "--config=" + demo.config());

      assertThat(run.exitCode()).as(run.all()).isEqualTo(1);
      assertThat(run.stderr().lines()).as(run.stderr()).hasSizeBetween(1, 5);
      assertThat(run.stderr())
          .contains(address)
          .contains("nomad.tls.caCert")
          .contains("NOMAD_CACERT");
      assertThat(handshakes).as("TLS connections the server saw").hasValue(1);
    }
  }

  private DemoLab lab(UnaryOperator<Map<String, Object>> edits) {
    return DemoLab.start(dir, Labs.TWO, Set.of(), UnaryOperator.identity(), edits);
  }

  /** {@code config} with {@code api}'s map changed by the key/value pairs. */
  private static Map<String, Object> with(
      Map<String, Object> config, String api, Object... keyValues) {
    @SuppressWarnings("unchecked")
    Map<String, Object> settings = new LinkedHashMap<>((Map<String, Object>) config.get(api));
    for (int i = 0; i < keyValues.length; i += 2) {
      settings.put((String) keyValues[i], keyValues[i + 1]);
    }
    config.put(api, settings);
    return config;
  }

  /** A port nothing listens on: it was free a moment ago. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** A TLS server that counts the handshakes tried with it and answers none. */
  private static SSLServerSocket tlsServer(
      HeldCertificate certificate, HeldCertificate ca, AtomicInteger handshakes)
      throws IOException {
    HandshakeCertificates handshake =
        new HandshakeCertificates.Builder().heldCertificate(certificate, ca.certificate()).build();
    SSLServerSocket server =
        (SSLServerSocket)
            handshake
                .sslContext()
                .getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accepting =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                  handshakes.incrementAndGet();
                  ((SSLSocket) socket).startHandshake();
                } catch (IOException e) {
                  // the client refused the certificate, or the server closed
                }
              }
            },
            "tls-server");
    accepting.setDaemon(true);
    accepting.start();
    return server;
  }
}
