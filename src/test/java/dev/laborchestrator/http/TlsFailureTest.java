package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.config.OrchestratorConfig.PemFile;
import dev.laborchestrator.config.OrchestratorConfig.TlsSettings;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.ApiException.TlsFailure;
import dev.laborchestrator.port.BlockingQuery;
import java.io.IOException;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS handshake that fails over the certificates is a setting to fix, not an outage to ride out:
 * it is classified, not retried, and its kind tells which setting to name.
 */
class TlsFailureTest {
  private static final String NODE_ID = "1ac61e33-a465-2ace-f63f-cffa1285e7eb";

  private static HeldCertificate labCa;
  private static HeldCertificate otherCa;
  private static HeldCertificate localhostCert;
  private static HeldCertificate nomadServerCert;
  private static HeldCertificate expiredCert;

  @TempDir Path dir;

  private final MockWebServer server = new MockWebServer();
  private final RecordingSleeper sleeper = new RecordingSleeper();

  @BeforeAll
  static void makeCertificates() {
    labCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("lab CA").build();
    otherCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("other CA").build();
    localhostCert = serverCert("localhost").signedBy(labCa).build();
    nomadServerCert = serverCert("server.global.nomad").signedBy(labCa).build();
    long now = System.currentTimeMillis();
    expiredCert =
        serverCert("localhost")
            .validityInterval(now - TimeUnit.DAYS.toMillis(30), now - TimeUnit.DAYS.toMillis(1))
            .signedBy(labCa)
            .build();
  }

  private static HeldCertificate.Builder serverCert(String name) {
    return new HeldCertificate.Builder().commonName(name).addSubjectAlternativeName(name);
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  @Test
  void aServerCertificateFromAnUnknownCaFailsAtOnce() throws IOException {
    serve(localhostCert);

    ApiException failure = readNode(tls(caFile(otherCa), null));

    assertThat(failure.tlsFailure()).isEqualTo(TlsFailure.UNKNOWN_CA);
    assertNotRetried(failure);
  }

  @Test
  void withoutAConfiguredCaTheUnknownCaIsSaidToo() throws IOException {
    serve(localhostCert);

    ApiException failure = readNode(TlsSettings.NONE);

    assertThat(failure.tlsFailure()).isEqualTo(TlsFailure.UNKNOWN_CA);
    assertNotRetried(failure);
  }

  @Test
  void aCertificateForAnotherNameThanTheAddressFailsAtOnce() throws IOException {
    serve(nomadServerCert);

    ApiException failure = readNode(tls(caFile(labCa), null));

    assertThat(failure.tlsFailure()).isEqualTo(TlsFailure.WRONG_NAME);
    assertNotRetried(failure);
  }

  @Test
  void aCertificateWithoutTheConfiguredServerNameFailsAtOnce() throws IOException {
    serve(nomadServerCert);

    ApiException failure = readNode(tls(caFile(labCa), "server.east.nomad"));

    assertThat(failure.tlsFailure()).isEqualTo(TlsFailure.WRONG_NAME);
    assertNotRetried(failure);
  }

  @Test
  void anExpiredCertificateFailsAtOnce() throws IOException {
    serve(expiredCert);

    ApiException failure = readNode(tls(caFile(labCa), null));

    assertThat(failure.tlsFailure()).isEqualTo(TlsFailure.EXPIRED);
    assertNotRetried(failure);
  }

  @Test
  void aHandshakeCutOffByTheNetworkIsAnOutageButAPlainHttpServerIsNot() {
    SSLException reset = new SSLException("reset", new SocketException("Connection reset"));
    SSLException plainHttp = new SSLException("Unsupported or unrecognized SSL message");

    assertThat(TlsDiagnosis.of(reset)).isNull();
    assertThat(TlsDiagnosis.of(plainHttp)).isEqualTo(TlsFailure.OTHER);
  }

  private void assertNotRetried(ApiException failure) {
    assertThat(failure.transientFailure()).isFalse();
    assertThat(failure.getMessage()).contains("failed: TLS: ");
    assertThat(sleeper.pauses()).isEmpty();
    assertThat(server.getRequestCount()).isZero();
  }

  private ApiException readNode(TlsSettings tls) {
    NomadHttpClient nomad =
        new NomadHttpClient(
            new ApiSettings("https://localhost:" + server.getPort(), "token", tls),
            HttpOptions.defaults()
                .withRetry(RetryPolicy.defaults().withSleeper(sleeper))
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    return catchThrowableOfType(
        ApiException.class, () -> nomad.readNode(NODE_ID, BlockingQuery.NONE));
  }

  private void serve(HeldCertificate certificate) throws IOException {
    HandshakeCertificates handshake =
        new HandshakeCertificates.Builder()
            .heldCertificate(certificate, labCa.certificate())
            .build();
    server.useHttps(handshake.sslSocketFactory(), false);
    server.start();
  }

  private static TlsSettings tls(PemFile ca, String serverName) {
    return new TlsSettings(ca, null, null, false, serverName);
  }

  private PemFile caFile(HeldCertificate ca) throws IOException {
    Path file = dir.resolve("ca-" + ca.certificate().getSerialNumber() + ".pem");
    Files.writeString(file, ca.certificatePem());
    return new PemFile("NOMAD_CACERT", file);
  }
}
