package dev.laborchestrator.http;

import dev.laborchestrator.port.ApiException.TlsFailure;
import java.io.EOFException;
import java.net.SocketException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Reads what a failed TLS handshake says about its cause. The JDK reports every certificate problem
 * as an {@link SSLException} whose causes tell the kind: a {@link CertPathBuilderException} when no
 * trusted CA vouches for the chain, a {@link CertificateExpiredException} for an expired one, a
 * {@code CertificateException} "No subject alternative ... matching" from endpoint identification,
 * OkHttp's {@link SSLPeerUnverifiedException} from its own host name check, and a fatal alert from
 * the server when it refuses the client's certificate. A handshake cut off by the network (a reset,
 * an early end of stream) is a transport failure like any other.
 */
final class TlsDiagnosis {
  private TlsDiagnosis() {}

  /** The kind of a certificate failure, or null when the connection was only cut off. */
  static TlsFailure of(SSLException failure) {
    boolean cutOff = false;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (t instanceof CertificateExpiredException
          || t instanceof CertificateNotYetValidException
          || t instanceof CertPathValidatorException v
              && (v.getReason() == BasicReason.EXPIRED
                  || v.getReason() == BasicReason.NOT_YET_VALID)) {
        return TlsFailure.EXPIRED;
      }
      if (t instanceof CertPathBuilderException || message.contains("pkix path building failed")) {
        return TlsFailure.UNKNOWN_CA;
      }
      if (t instanceof SSLPeerUnverifiedException
          || message.contains("no subject alternative")
          || message.contains("no name matching")) {
        return TlsFailure.WRONG_NAME;
      }
      if (message.contains("bad_certificate")
          || message.contains("certificate_required")
          || message.contains("unknown_ca")
          || message.contains("certificate_unknown")) {
        return TlsFailure.CLIENT_CERTIFICATE;
      }
      if (t instanceof SocketException || t instanceof EOFException) {
        cutOff = true;
      }
    }
    return cutOff ? null : TlsFailure.OTHER;
  }
}
