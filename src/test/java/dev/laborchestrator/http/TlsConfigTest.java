package dev.laborchestrator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.laborchestrator.config.ConfigLoader;
import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.OrchestratorConfig;
import dev.laborchestrator.config.OrchestratorConfig.PemFile;
import dev.laborchestrator.config.OrchestratorConfig.TlsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS and socket settings the config loader hands to the HTTP clients: the standard variables
 * of Nomad's and Consul's CLIs, and {@code nomad.tls} / {@code consul.tls} in the file, which win.
 */
class TlsConfigTest {
  private static final String REBUILD = "rebuild: { command: [x] }\n";

  @TempDir Path dir;
  private Path ca;
  private Path cert;
  private Path key;

  @BeforeEach
  void files() throws IOException {
    ca = Files.writeString(dir.resolve("ca.pem"), "ca");
    cert = Files.writeString(dir.resolve("cert.pem"), "cert");
    key = Files.writeString(dir.resolve("key.pem"), "key");
  }

  @Test
  void verificationIsOnAndNothingIsSetByDefault() throws IOException {
    OrchestratorConfig config = load(REBUILD, Map.of());

    assertThat(config.nomad().tls()).isEqualTo(TlsSettings.NONE);
    assertThat(config.consul().tls()).isEqualTo(TlsSettings.NONE);
  }

  @Test
  void readsNomadsStandardVariables() throws IOException {
    OrchestratorConfig config =
        load(
            REBUILD,
            Map.of(
                "NOMAD_ADDR",
                "https://10.0.0.5:4646",
                "NOMAD_CACERT",
                ca.toString(),
                "NOMAD_CLIENT_CERT",
                cert.toString(),
                "NOMAD_CLIENT_KEY",
                key.toString(),
                "NOMAD_SKIP_VERIFY",
                "1",
                "NOMAD_TLS_SERVER_NAME",
                "server.global.nomad"));

    assertThat(config.nomad().tls())
        .isEqualTo(
            new TlsSettings(
                new PemFile("NOMAD_CACERT", ca),
                new PemFile("NOMAD_CLIENT_CERT", cert),
                new PemFile("NOMAD_CLIENT_KEY", key),
                true,
                "server.global.nomad"));
    assertThat(config.consul().tls()).isEqualTo(TlsSettings.NONE);
  }

  @Test
  void readsConsulsStandardVariablesWhereSslVerifyFalseSkipsVerification() throws IOException {
    OrchestratorConfig config =
        load(
            REBUILD,
            Map.of(
                "CONSUL_HTTP_ADDR", "10.0.0.5:8501",
                "CONSUL_HTTP_SSL", "true",
                "CONSUL_CACERT", ca.toString(),
                "CONSUL_HTTP_SSL_VERIFY", "false",
                "CONSUL_TLS_SERVER_NAME", "consul.lab"));

    assertThat(config.consul().address()).isEqualTo("https://10.0.0.5:8501");
    assertThat(config.consul().tls())
        .isEqualTo(
            new TlsSettings(new PemFile("CONSUL_CACERT", ca), null, null, true, "consul.lab"));
  }

  @Test
  void theFileWinsOverTheEnvironmentAndResolvesPathsAgainstItself() throws IOException {
    Files.createDirectories(dir.resolve("tls"));
    Path fileCa = Files.writeString(dir.resolve("tls/nomad-ca.pem"), "ca");
    OrchestratorConfig config =
        load(
            REBUILD
                + "nomad:\n"
                + "  address: https://nomad.lab:4646\n"
                + "  tls: { caCert: tls/nomad-ca.pem, skipVerify: false, serverName: nomad.lab }\n",
            Map.of(
                "NOMAD_CACERT", ca.toString(),
                "NOMAD_SKIP_VERIFY", "true",
                "NOMAD_TLS_SERVER_NAME", "server.global.nomad"));

    assertThat(config.nomad().tls())
        .isEqualTo(
            new TlsSettings(
                new PemFile("nomad.tls.caCert", fileCa), null, null, false, "nomad.lab"));
  }

  @Test
  void aMissingPemFileIsNamedWithItsKeyAndPath() {
    assertThatThrownBy(() -> load(REBUILD + "consul: { tls: { caCert: nope.pem } }\n", Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("consul.tls.caCert: " + dir.resolve("nope.pem") + " does not exist");
    assertThatThrownBy(() -> load(REBUILD, Map.of("NOMAD_CLIENT_CERT", "/no/such/cert.pem")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessage("NOMAD_CLIENT_CERT: /no/such/cert.pem does not exist");
  }

  @Test
  void aClientCertificateNeedsItsKey() {
    assertThatThrownBy(() -> load(REBUILD, Map.of("NOMAD_CLIENT_CERT", cert.toString())))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("no private key")
        .hasMessageContaining("nomad.tls.clientKey or NOMAD_CLIENT_KEY");
  }

  @Test
  void unknownTlsKeysAndBadBooleansAreRefused() {
    assertThatThrownBy(() -> load(REBUILD + "nomad: { tls: { insecure: true } }\n", Map.of()))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unknown key 'insecure'")
        .hasMessageContaining("skipVerify");
    assertThatThrownBy(() -> load(REBUILD, Map.of("NOMAD_SKIP_VERIFY", "yes")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("NOMAD_SKIP_VERIFY='yes' is not a boolean");
  }

  @Test
  void nomadMayBeTheTaskApiSocketButConsulMayNot() throws IOException {
    OrchestratorConfig config = load(REBUILD, Map.of("NOMAD_ADDR", "unix:///secrets/api.sock"));
    assertThat(config.nomad().address()).isEqualTo("unix:///secrets/api.sock");

    assertThatThrownBy(() -> load(REBUILD, Map.of("CONSUL_HTTP_ADDR", "unix:///consul.sock")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("consul.address 'unix:///consul.sock' is not an http://");
    assertThatThrownBy(() -> load(REBUILD, Map.of("NOMAD_ADDR", "unix://api.sock")))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("unix:///absolute/path");
  }

  @Test
  void neverShowsATokenButShowsTheTlsFiles() throws IOException {
    OrchestratorConfig config =
        load(REBUILD, Map.of("NOMAD_TOKEN", "s3cr3t-token", "NOMAD_CACERT", ca.toString()));

    assertThat(config.nomad().toString())
        .doesNotContain("s3cr3t-token")
        .contains("NOMAD_CACERT (" + ca + ")");
  }

  private OrchestratorConfig load(String yaml, Map<String, String> env) throws IOException {
    Path file = dir.resolve("config.yaml");
    Files.writeString(file, yaml);
    return new ConfigLoader(env).load(file);
  }
}
