package dev.keel.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * {@code --tls-cert FILE --tls-key FILE}: a PEM certificate chain and a PEM PKCS#8 private key
 * ({@code BEGIN PRIVATE KEY}, RSA, EC or Ed25519) served by Jetty's own TLS. The javalin-ssl plugin
 * is not published for Javalin 7, so the PEM files are loaded here with the JDK's certificate and
 * key factories into an in-memory key store; the handshake is Jetty's.
 */
public record Tls(Path certificate, Path key) {
  static final char[] NO_PASSWORD = new char[0];

  /**
   * Reads both files now, so a bad file is reported at start with its name, not at the first
   * connection.
   */
  KeyStore keyStore() {
    try {
      List<? extends Certificate> chain =
          List.copyOf(
              CertificateFactory.getInstance("X.509")
                  .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certificate))));
      if (chain.isEmpty()) {
        throw new IllegalArgumentException(
            "--tls-cert " + certificate + " holds no PEM certificate");
      }
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("keel", privateKey(), NO_PASSWORD, chain.toArray(new Certificate[0]));
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "--tls-cert "
              + certificate
              + " / --tls-key "
              + key
              + " cannot be used: "
              + e.getMessage(),
          e);
    }
  }

  private PrivateKey privateKey() throws IOException {
    String pem = Files.readString(key, StandardCharsets.US_ASCII);
    int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = pem.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "--tls-key "
              + key
              + " is not a PEM PKCS#8 key (BEGIN PRIVATE KEY); convert it with"
              + " openssl pkcs8 -topk8 -nocrypt -in KEY -out key.pem");
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        "--tls-key " + key + " is neither an RSA, an EC nor an Ed25519 key");
  }

  /** A Jetty connector serving HTTPS on {@code host:port} with this certificate. */
  Connector connector(Server server, HttpConfiguration http, KeyStore keys, String host, int port) {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(keys);
    ssl.setKeyStorePassword("");
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    secure.setSniHostCheck(false); // clients may reach a node by IP or by a load balancer's name
    https.addCustomizer(secure);
    ServerConnector connector =
        new ServerConnector(
            server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
    connector.setHost(host);
    connector.setPort(port);
    return connector;
  }
}
