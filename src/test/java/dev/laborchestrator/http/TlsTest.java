package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.config.OrchestratorConfig.PemFile;
import dev.laborchestrator.config.OrchestratorConfig.TlsSettings;
import dev.laborchestrator.consul.ConsulHttpClient;
import dev.laborchestrator.nomad.NomadHttpClient;
import dev.laborchestrator.port.ApiException;
import dev.laborchestrator.port.BlockingQuery;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nomad and Consul clients over HTTPS against servers whose certificates are made here: a CA of the
 * test's own, a server certificate for {@code localhost}, client certificates for mutual TLS.
 */
class TlsTest {
  private static final String TOKEN = "tls-secret-6c1a93f0-visible-if-leaked";
  private static final String NODE_ID = "1ac61e33-a465-2ace-f63f-cffa1285e7eb";

  private static HeldCertificate labCa;
  private static HeldCertificate otherCa;
  private static HeldCertificate localhostCert;
  private static HeldCertificate nomadServerCert;
  private static HeldCertificate clientCa;
  private static HeldCertificate client;

  @TempDir Path dir;

  private final MockWebServer server = new MockWebServer();
  private final RecordingSleeper sleeper = new RecordingSleeper();

  @BeforeAll
  static void makeCertificates() {
    labCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("lab CA").build();
    otherCa = new HeldCertificate.Builder().certificateAuthority(0).commonName("other CA").build();
    localhostCert =
        new HeldCertificate.Builder()
            .commonName("localhost")
            .addSubjectAlternativeName("localhost")
            .signedBy(labCa)
            .build();
    nomadServerCert =
        new HeldCertificate.Builder()
            .commonName("server.global.nomad")
            .addSubjectAlternativeName("server.global.nomad")
            .signedBy(labCa)
            .build();
    clientCa =
        new HeldCertificate.Builder().certificateAuthority(0).commonName("client CA").build();
    client =
        new HeldCertificate.Builder().commonName("lab-orchestrator").signedBy(clientCa).build();
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  @Test
  void theNomadClientTrustsTheConfiguredCa() throws IOException {
    serve(localhostCert);
    server.enqueue(node());

    NomadHttpClient nomad = nomad(tls(caFile(labCa), null, null, false, null));

    assertThat(nomad.readNode(NODE_ID, BlockingQuery.NONE).value().name()).isEqualTo("mew");
    RecordedRequest request = takeRequest();
    assertThat(request.getPath()).isEqualTo("/v1/node/" + NODE_ID);
    assertThat(request.getHeader("X-Nomad-Token")).isEqualTo(TOKEN);
  }

  @Test
  void theConsulClientTrustsTheConfiguredCa() throws IOException {
    serve(localhostCert);
    server.enqueue(
        new MockResponse()
            .setBody(Fixtures.read("consul/health-node.json"))
            .setHeader("X-Consul-Index", "42"));

    ConsulHttpClient consul = consul(tls(caFile(labCa), null, null, false, null));

    assertThat(consul.nodeChecks("foobar", BlockingQuery.NONE).value()).hasSize(2);
    assertThat(takeRequest().getHeader("X-Consul-Token")).isEqualTo(TOKEN);
  }

  @Test
  void aServerCertificateFromAnotherCaIsRefusedWithoutLeakingTheToken() throws IOException {
    serve(localhostCert);

    NomadHttpClient nomad = nomad(tls(caFile(otherCa), null, null, false, null));

    ApiException failure =
        catchThrowableOfType(ApiException.class, () -> nomad.readNode(NODE_ID, BlockingQuery.NONE));
    assertThat(failure.getMessage())
        .startsWith("GET /v1/node/" + NODE_ID + " failed: TLS: ")
        .doesNotContain(TOKEN);
    assertThat(server.getRequestCount()).isZero();
  }

  @Test
  void theConsulClientRefusesAWrongCaToo() throws IOException {
    serve(localhostCert);

    ConsulHttpClient consul = consul(tls(caFile(otherCa), null, null, false, null));

    assertThatThrownBy(() -> consul.nodeChecks("foobar", BlockingQuery.NONE))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("failed: TLS: ")
        .hasMessageNotContaining(TOKEN);
  }

  @Test
  void withoutAConfiguredCaTheTestCaIsNotTrusted() throws IOException {
    serve(localhostCert);

    NomadHttpClient nomad = nomad(TlsSettings.NONE);

    assertThatThrownBy(() -> nomad.readNode(NODE_ID, BlockingQuery.NONE))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("TLS");
  }

  @Test
  void skipVerifyAcceptsACertificateNobodyVouchesFor() throws IOException {
    serve(nomadServerCert);
    server.enqueue(node());

    NomadHttpClient nomad = nomad(tls(null, null, null, true, null));

    assertThat(nomad.readNode(NODE_ID, BlockingQuery.NONE).value().name()).isEqualTo("mew");
  }

  @Test
  void aServerNameIsWhatTheServerCertificateMustNameInsteadOfTheAddress() throws IOException {
    serve(nomadServerCert);
    server.enqueue(node());

    NomadHttpClient named = nomad(tls(caFile(labCa), null, null, false, "server.global.nomad"));
    assertThat(named.readNode(NODE_ID, BlockingQuery.NONE).value().name()).isEqualTo("mew");

    NomadHttpClient unnamed = nomad(tls(caFile(labCa), null, null, false, null));
    assertThatThrownBy(() -> unnamed.readNode(NODE_ID, BlockingQuery.NONE))
        .isInstanceOf(ApiException.class);

    NomadHttpClient misnamed = nomad(tls(caFile(labCa), null, null, false, "server.east.nomad"));
    assertThatThrownBy(() -> misnamed.readNode(NODE_ID, BlockingQuery.NONE))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("TLS");
  }

  @Test
  void presentsAPkcs8ClientCertificateToAServerThatRequiresOne() throws IOException {
    serveRequiringClientCertificates(clientCa.certificate());
    server.enqueue(node());

    NomadHttpClient nomad =
        nomad(
            tls(
                caFile(labCa),
                write("client.pem", client.certificatePem()),
                write("client-key.pem", client.privateKeyPkcs8Pem()),
                false,
                null));

    assertThat(nomad.readNode(NODE_ID, BlockingQuery.NONE).value().name()).isEqualTo("mew");
    assertThat(takeRequest().getHandshake().peerPrincipal().getName())
        .contains("CN=lab-orchestrator");
  }

  @Test
  void withoutAClientCertificateAServerThatRequiresOneRefuses() throws IOException {
    serveRequiringClientCertificates(clientCa.certificate());

    NomadHttpClient nomad = nomad(tls(caFile(labCa), null, null, false, null));

    assertThatThrownBy(() -> nomad.readNode(NODE_ID, BlockingQuery.NONE))
        .isInstanceOf(ApiException.class);
  }

  @Test
  void presentsTheSec1EcKeyThatNomadsAndConsulsTlsCommandsWrite() throws Exception {
    PemFile cert = resource("ec-client.pem", "NOMAD_CLIENT_CERT");
    PemFile key = resource("ec-client-key.pem", "NOMAD_CLIENT_KEY");
    assertThat(Files.readString(key.path())).startsWith("-----BEGIN EC PRIVATE KEY-----");
    X509Certificate ecClient = Pem.certificates(cert).get(0);
    serveRequiringClientCertificates(ecClient);
    server.enqueue(
        new MockResponse()
            .setBody(Fixtures.read("consul/health-node.json"))
            .setHeader("X-Consul-Index", "42"));

    ConsulHttpClient consul = consul(tls(caFile(labCa), cert, key, false, null));

    assertThat(consul.nodeChecks("foobar", BlockingQuery.NONE).value()).hasSize(2);
    assertThat(takeRequest().getHandshake().peerPrincipal().getName())
        .contains("CN=lab-orchestrator test client");
  }

  @Test
  void presentsAPkcs1RsaKey() throws IOException {
    HeldCertificate rsaClient =
        new HeldCertificate.Builder()
            .rsa2048()
            .commonName("lab-orchestrator rsa")
            .signedBy(clientCa)
            .build();
    serveRequiringClientCertificates(clientCa.certificate());
    server.enqueue(node());

    PemFile key = write("rsa-key.pem", rsaClient.privateKeyPkcs1Pem());
    assertThat(Files.readString(key.path())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    NomadHttpClient nomad =
        nomad(
            tls(
                caFile(labCa),
                write("rsa.pem", rsaClient.certificatePem() + clientCa.certificatePem()),
                key,
                false,
                null));

    assertThat(nomad.readNode(NODE_ID, BlockingQuery.NONE).value().name()).isEqualTo("mew");
  }

  @Test
  void aKeyOfAnotherCertificateIsNamedWithItsSettingAndPath() throws IOException {
    PemFile cert = write("client.pem", client.certificatePem());
    PemFile wrongKey = write("other-key.pem", otherCa.privateKeyPkcs8Pem());

    assertThatThrownBy(() -> nomad(tls(null, cert, wrongKey, false, null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("NOMAD_CLIENT_KEY (" + wrongKey.path() + "): ")
        .hasMessageContaining("does not belong to the client certificate");
  }

  @Test
  void unusablePemFilesAreNamedWithTheirSettingAndPath() throws IOException {
    PemFile notPem = write("ca.pem", "hello\n");
    assertThatThrownBy(() -> nomad(tls(notPem, null, null, false, null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageStartingWith("NOMAD_CACERT (" + notPem.path() + "): ");

    PemFile cert = write("client.pem", client.certificatePem());
    PemFile encrypted =
        write(
            "enc.pem",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    assertThatThrownBy(() -> nomad(tls(null, cert, encrypted, false, null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("encrypted")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");

    PemFile noKey = write("nokey.pem", client.certificatePem());
    assertThatThrownBy(() -> nomad(tls(null, cert, noKey, false, null)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no private key in it");
  }

  @Test
  void aServerNameThatIsNoHostNameIsInvalidInput() {
    assertThatThrownBy(() -> nomad(tls(null, null, null, false, "not a name")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("not a name");
  }

  private void serve(HeldCertificate certificate) throws IOException {
    HandshakeCertificates handshake =
        new HandshakeCertificates.Builder()
            .heldCertificate(certificate, labCa.certificate())
            .build();
    server.useHttps(handshake.sslSocketFactory(), false);
    server.start();
  }

  private void serveRequiringClientCertificates(X509Certificate trustedClientIssuer)
      throws IOException {
    HandshakeCertificates handshake =
        new HandshakeCertificates.Builder()
            .heldCertificate(localhostCert, labCa.certificate())
            .addTrustedCertificate(trustedClientIssuer)
            .build();
    server.useHttps(handshake.sslSocketFactory(), false);
    server.requireClientAuth();
    server.start();
  }

  private RecordedRequest takeRequest() {
    try {
      return server.takeRequest();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static MockResponse node() {
    return new MockResponse()
        .setBody(Fixtures.read("nomad/node.json"))
        .setHeader("X-Nomad-Index", "14");
  }

  private String address() {
    return "https://localhost:" + server.getPort();
  }

  private NomadHttpClient nomad(TlsSettings tls) {
    return new NomadHttpClient(new ApiSettings(address(), TOKEN, tls), options());
  }

  private ConsulHttpClient consul(TlsSettings tls) {
    return new ConsulHttpClient(new ApiSettings(address(), TOKEN, tls), options());
  }

  private HttpOptions options() {
    return HttpOptions.defaults().withRetry(RetryPolicy.none().withSleeper(sleeper));
  }

  private static TlsSettings tls(
      PemFile ca, PemFile cert, PemFile key, boolean skipVerify, String serverName) {
    return new TlsSettings(ca, cert, key, skipVerify, serverName);
  }

  private PemFile caFile(HeldCertificate ca) throws IOException {
    return write("ca-" + ca.certificate().getSerialNumber() + ".pem", ca.certificatePem());
  }

  private PemFile write(String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    String key =
        name.contains("key") || name.startsWith("enc") || name.startsWith("nokey")
            ? "NOMAD_CLIENT_KEY"
            : name.startsWith("ca") ? "NOMAD_CACERT" : "NOMAD_CLIENT_CERT";
    return new PemFile(key, file);
  }

  private static PemFile resource(String name, String key) throws URISyntaxException {
    return new PemFile(key, Path.of(TlsTest.class.getResource("/fixtures/tls/" + name).toURI()));
  }
}
