package dev.laborchestrator.http;

import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.OrchestratorConfig.TlsSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS side of one API's OkHttp client, from its {@link TlsSettings}, as Nomad's and Consul's
 * own clients do it: a CA bundle replaces the platform's trusted CAs; a client certificate is
 * presented for mutual TLS; a server name is what the server's certificate must carry when the
 * address is an IP (Nomad's {@code server.<region>.nomad}); skipping verification accepts any
 * certificate for any name and says so in a warning. Files are read once, here; a broken one is an
 * {@link InvalidInputException} that names its setting and path.
 */
final class ClientTls {
  private static final Logger LOG = LoggerFactory.getLogger(ClientTls.class);

  private final SSLSocketFactory socketFactory;
  private final X509TrustManager trustManager;
  private final HostnameVerifier hostnameVerifier;

  private ClientTls(
      SSLSocketFactory socketFactory,
      X509TrustManager trustManager,
      HostnameVerifier hostnameVerifier) {
    this.socketFactory = socketFactory;
    this.trustManager = trustManager;
    this.hostnameVerifier = hostnameVerifier;
  }

  /**
   * @param address the API's address, for the warning when verification is off
   */
  static ClientTls load(TlsSettings settings, String address) {
    HandshakeCertificates.Builder certificates = new HandshakeCertificates.Builder();
    if (settings.caCert() != null) {
      Pem.certificates(settings.caCert()).forEach(certificates::addTrustedCertificate);
    } else {
      certificates.addPlatformTrustedCertificates();
    }
    if (settings.clientCert() != null) {
      List<X509Certificate> chain = Pem.certificates(settings.clientCert());
      X509Certificate leaf = chain.get(0);
      PrivateKey key = Pem.privateKey(settings.clientKey(), leaf);
      certificates.heldCertificate(
          new HeldCertificate(new KeyPair(leaf.getPublicKey(), key), leaf),
          chain.subList(1, chain.size()).toArray(X509Certificate[]::new));
    }
    HandshakeCertificates handshake = certificates.build();
    if (settings.skipVerify()) {
      LOG.warn(
          "TLS certificate verification is off for {}: any server certificate is accepted",
          address);
      X509TrustManager trustAll = new TrustEverything();
      return new ClientTls(
          context(handshake, trustAll).getSocketFactory(), trustAll, (host, session) -> true);
    }
    if (settings.serverName() != null) {
      SNIHostName serverName = serverName(settings.serverName());
      return new ClientTls(
          new ServerNameSocketFactory(handshake.sslSocketFactory(), serverName),
          handshake.trustManager(),
          (host, session) -> true);
    }
    return new ClientTls(handshake.sslSocketFactory(), handshake.trustManager(), null);
  }

  void applyTo(OkHttpClient.Builder client) {
    client.sslSocketFactory(socketFactory, trustManager);
    if (hostnameVerifier != null) {
      client.hostnameVerifier(hostnameVerifier);
    }
  }

  private static SNIHostName serverName(String name) {
    try {
      return new SNIHostName(name);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException(
          "TLS server name '" + name + "' is not a host name: " + e.getMessage());
    }
  }

  private static SSLContext context(HandshakeCertificates handshake, X509TrustManager trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          new KeyManager[] {handshake.keyManager()},
          new TrustManager[] {trust},
          new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /**
   * Verifies the server's certificate against a fixed name, as Go's {@code tls.Config.ServerName}
   * does: the name goes out as SNI and the JDK's trust manager checks the certificate against it
   * (endpoint identification "HTTPS"), so OkHttp's own check of the address's host is replaced.
   * (The JDK also accepts a certificate that names the address's host itself.)
   */
  static final class ServerNameSocketFactory extends SSLSocketFactory {
    private final SSLSocketFactory delegate;
    private final SNIHostName serverName;

    ServerNameSocketFactory(SSLSocketFactory delegate, SNIHostName serverName) {
      this.delegate = delegate;
      this.serverName = serverName;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose)
        throws IOException {
      return configured(delegate.createSocket(socket, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return configured(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
        throws IOException {
      return configured(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return configured(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(
        InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
      return configured(delegate.createSocket(address, port, localAddress, localPort));
    }

    private Socket configured(Socket socket) {
      if (socket instanceof SSLSocket tls) {
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(serverName));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
      }
      return socket;
    }
  }

  /** {@code NOMAD_SKIP_VERIFY} / {@code CONSUL_HTTP_SSL_VERIFY=false}: no check at all. */
  private static final class TrustEverything extends X509ExtendedTrustManager {
    private static final X509Certificate[] NONE = new X509Certificate[0];

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      // not a server
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
      // not a server
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      // not a server
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      // verification is off on purpose
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
      // verification is off on purpose
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
      // verification is off on purpose
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return NONE;
    }
  }
}
