package dev.laborchestrator.cli;

import dev.laborchestrator.config.OrchestratorConfig.ApiSettings;
import dev.laborchestrator.config.OrchestratorConfig.PemFile;
import dev.laborchestrator.http.Reachability;
import dev.laborchestrator.port.ApiException;
import java.util.Locale;

/**
 * Pre-flight could not talk to Nomad or Consul at all. Said once, in two lines: what was tried (the
 * address, the error, how long) and which setting to fix, naming the config key and the environment
 * variable and saying which of them the address came from. The run ends with exit 1 before anything
 * changed.
 */
final class ApiUnreachable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The names one API's settings go by in the config and in the environment. */
  record Names(
      String api,
      String key,
      String addressEnv,
      String caCertEnv,
      String serverNameEnv,
      String clientCertEnv,
      String clientKeyEnv) {
    static final Names NOMAD =
        new Names(
            "Nomad",
            "nomad",
            "NOMAD_ADDR",
            "NOMAD_CACERT",
            "NOMAD_TLS_SERVER_NAME",
            "NOMAD_CLIENT_CERT",
            "NOMAD_CLIENT_KEY");
    static final Names CONSUL =
        new Names(
            "Consul",
            "consul",
            "CONSUL_HTTP_ADDR",
            "CONSUL_CACERT",
            "CONSUL_TLS_SERVER_NAME",
            "CONSUL_CLIENT_CERT",
            "CONSUL_CLIENT_KEY");
  }

  private static final String NOTHING_CHANGED = " Nothing in the cluster was changed.";

  private ApiUnreachable(String message, Throwable cause) {
    super(message, cause);
  }

  static ApiUnreachable of(Names names, ApiSettings settings, Reachability.Outcome outcome) {
    ApiException failure = outcome.failure();
    String error = error(failure);
    String message;
    if (failure.tlsFailure() != null) {
      message =
          "TLS with "
              + names.api()
              + " at "
              + settings.address()
              + " failed: "
              + error
              + "\n"
              + tlsFix(names, settings, failure.tlsFailure())
              + NOTHING_CHANGED;
    } else {
      message =
          "cannot reach "
              + names.api()
              + " at "
              + settings.address()
              + ": "
              + error
              + " ("
              + outcome.attempts()
              + (outcome.attempts() == 1 ? " attempt" : " attempts")
              + String.format(Locale.ROOT, " in %.1f s)", outcome.spent().toMillis() / 1000.0)
              + "\n"
              + addressFix(names, settings)
              + NOTHING_CHANGED;
    }
    return new ApiUnreachable(message, failure);
  }

  /**
   * What went wrong, without the probe's method and path: OkHttp's "Failed to connect to
   * /host:port" with the reason it wraps ("Connection refused").
   */
  private static String error(ApiException failure) {
    Throwable cause = failure.getCause();
    if (cause == null || cause.getMessage() == null) {
      return failure.getMessage();
    }
    String error = cause.getMessage();
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String reason = root.getMessage();
    return reason == null || error.contains(reason) ? error : error + ": " + reason;
  }

  private static String addressFix(Names names, ApiSettings settings) {
    String key = names.key() + ".address";
    String from = settings.addressFrom();
    if (key.equals(from)) {
      return "Check "
          + key
          + " in the config (it is used instead of "
          + names.addressEnv()
          + ") and that "
          + names.api()
          + " listens there.";
    }
    if (names.addressEnv().equals(from)) {
      return "Check "
          + names.addressEnv()
          + " (the config sets no "
          + key
          + ") and that "
          + names.api()
          + " listens there.";
    }
    return "Neither "
        + key
        + " in the config nor "
        + names.addressEnv()
        + " is set, so the default was tried: set one to "
        + names.api()
        + "'s address.";
  }

  private static String tlsFix(Names names, ApiSettings settings, ApiException.TlsFailure failure) {
    String tls = names.key() + ".tls.";
    String api = names.api();
    PemFile ca = settings.tls().caCert();
    return switch (failure) {
      case UNKNOWN_CA ->
          (ca == null
                  ? "No CA is configured and the platform's CAs do not vouch for "
                      + api
                      + "'s certificate"
                  : api
                      + "'s certificate is not signed by a CA in "
                      + ca.path()
                      + " ("
                      + ca.key()
                      + ")")
              + ": set "
              + tls
              + "caCert or "
              + names.caCertEnv()
              + " to the CA that signed it.";
      case WRONG_NAME ->
          api
              + "'s certificate does not name "
              + (settings.tls().serverName() == null
                  ? "the address's host"
                  : "'" + settings.tls().serverName() + "'")
              + ": set "
              + tls
              + "serverName or "
              + names.serverNameEnv()
              + " to a name it carries"
              + (names.equals(Names.NOMAD)
                  ? " (Nomad's servers carry server.<region>.nomad)."
                  : " (Consul's servers carry server.<datacenter>.<domain>).");
      case EXPIRED ->
          api
              + "'s certificate has expired or is not valid yet: renew it on the server at "
              + names.key()
              + ".address / "
              + names.addressEnv()
              + ", or check this machine's clock.";
      case CLIENT_CERTIFICATE ->
          api
              + " refused this client's certificate: check "
              + tls
              + "clientCert and "
              + tls
              + "clientKey ("
              + names.clientCertEnv()
              + ", "
              + names.clientKeyEnv()
              + ").";
      case OTHER ->
          "Check that "
              + api
              + " serves https at this address, and "
              + tls
              + "caCert / "
              + names.caCertEnv()
              + ", "
              + tls
              + "serverName / "
              + names.serverNameEnv()
              + ".";
    };
  }
}
