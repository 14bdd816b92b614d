package dev.laborchestrator.http;

import dev.laborchestrator.config.InvalidInputException;
import dev.laborchestrator.config.OrchestratorConfig.PemFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Certificates and private keys from PEM files as Nomad and Consul users have them. Certificates
 * are read by the JDK's X.509 factory (bundles included). Keys may be PKCS#8 ({@code BEGIN PRIVATE
 * KEY}) or the traditional forms that {@code nomad tls cert create} and {@code consul tls cert
 * create} write ({@code BEGIN EC PRIVATE KEY}, SEC1) and that many CAs hand out ({@code BEGIN RSA
 * PRIVATE KEY}, PKCS#1). A traditional key is the inner part of a PKCS#8 one; the algorithm
 * identifier it lacks is the one of the certificate's public key, so it is wrapped with that.
 */
final class Pem {
  private static final Pattern BLOCK =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final byte[] PROBE = "lab-orchestrator key check".getBytes(StandardCharsets.UTF_8);
  private static final int SEQUENCE = 0x30;
  private static final int OCTET_STRING = 0x04;
  private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

  private Pem() {}

  /** Every certificate in {@code file}, in order; at least one. */
  static List<X509Certificate> certificates(PemFile file) {
    byte[] bytes = read(file);
    try {
      List<X509Certificate> certificates = new ArrayList<>();
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (var certificate : factory.generateCertificates(new ByteArrayInputStream(bytes))) {
        certificates.add((X509Certificate) certificate);
      }
      if (certificates.isEmpty()) {
        throw invalid(file, "no PEM certificate in it (-----BEGIN CERTIFICATE-----)");
      }
      return certificates;
    } catch (CertificateException e) {
      throw invalid(file, "not a PEM certificate: " + e.getMessage());
    }
  }

  /** The private key in {@code file}, which must belong to {@code certificate}. */
  static PrivateKey privateKey(PemFile file, X509Certificate certificate) {
    String text = new String(read(file), StandardCharsets.US_ASCII);
    Matcher block = BLOCK.matcher(text);
    while (block.find()) {
      String label = block.group(1);
      String body = block.group(2);
      byte[] pkcs8;
      switch (label) {
        case "PRIVATE KEY" -> pkcs8 = base64(file, body);
        case "EC PRIVATE KEY", "RSA PRIVATE KEY" -> {
          if (body.contains("Proc-Type:")) {
            throw encrypted(file);
          }
          pkcs8 = wrapTraditional(file, base64(file, body), certificate);
        }
        case "ENCRYPTED PRIVATE KEY" -> throw encrypted(file);
        default -> {
          continue;
        }
      }
      PrivateKey key = decode(file, pkcs8, certificate);
      requireMatch(file, key, certificate);
      return key;
    }
    throw invalid(
        file,
        "no private key in it: expected -----BEGIN PRIVATE KEY----- (PKCS#8),"
            + " -----BEGIN EC PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----");
  }

  private static PrivateKey decode(PemFile file, byte[] pkcs8, X509Certificate certificate) {
    String algorithm = certificate.getPublicKey().getAlgorithm();
    try {
      return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    } catch (GeneralSecurityException e) {
      throw invalid(file, "not a " + algorithm + " private key: " + e.getMessage());
    }
  }

  /** Signs with the key and verifies with the certificate, so a mix-up shows here, not in TLS. */
  private static void requireMatch(PemFile file, PrivateKey key, X509Certificate certificate) {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          default -> key.getAlgorithm();
        };
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(PROBE);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      throw invalid(file, "cannot check it against the client certificate: " + e.getMessage());
    }
    throw invalid(
        file,
        "this key does not belong to the client certificate "
            + certificate.getSubjectX500Principal().getName());
  }

  /**
   * PKCS#8 {@code PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING key }}
   * around a SEC1 or PKCS#1 key, with the AlgorithmIdentifier (algorithm and, for EC, the curve)
   * taken from the certificate's {@code SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier,
   * BIT STRING }}.
   */
  static byte[] wrapTraditional(PemFile file, byte[] key, X509Certificate certificate) {
    byte[] spki = certificate.getPublicKey().getEncoded();
    try {
      int inner = contentStart(spki, 0);
      int end = contentStart(spki, inner) + contentLength(spki, inner);
      byte[] algorithmIdentifier = Arrays.copyOfRange(spki, inner, end);
      ByteArrayOutputStream content = new ByteArrayOutputStream();
      content.writeBytes(VERSION_0);
      content.writeBytes(algorithmIdentifier);
      content.writeBytes(tlv(OCTET_STRING, key));
      return tlv(SEQUENCE, content.toByteArray());
    } catch (ArrayIndexOutOfBoundsException e) {
      throw invalid(file, "the client certificate's public key cannot be read");
    }
  }

  private static int contentStart(byte[] der, int offset) {
    int first = der[offset + 1] & 0xff;
    return first < 0x80 ? offset + 2 : offset + 2 + (first & 0x7f);
  }

  private static int contentLength(byte[] der, int offset) {
    int first = der[offset + 1] & 0xff;
    if (first < 0x80) {
      return first;
    }
    int length = 0;
    for (int i = 0; i < (first & 0x7f); i++) {
      length = (length << 8) | (der[offset + 2 + i] & 0xff);
    }
    return length;
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }

  private static byte[] base64(PemFile file, String body) {
    try {
      return Base64.getMimeDecoder().decode(body.strip());
    } catch (IllegalArgumentException e) {
      throw invalid(file, "broken PEM: " + e.getMessage());
    }
  }

  private static byte[] read(PemFile file) {
    try {
      return Files.readAllBytes(file.path());
    } catch (IOException e) {
      throw new InvalidInputException(file.key() + ": cannot read " + file.path() + ": " + e, e);
    }
  }

  private static InvalidInputException encrypted(PemFile file) {
    return invalid(
        file,
        "the key is encrypted; give an unencrypted one, e.g. openssl pkcs8 -topk8 -nocrypt -in "
            + file.path()
            + " -out key.pem");
  }

  private static InvalidInputException invalid(PemFile file, String problem) {
    return new InvalidInputException(file + ": " + problem);
  }
}
