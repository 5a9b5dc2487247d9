package dev.keel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.server.api.Role;
import dev.keel.server.api.Tokens;
import dev.keel.server.metrics.KeelMetrics;
import dev.keel.store.MetadataStore;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --tls-cert/--tls-key: HTTPS with a PEM certificate and key, plain HTTP refused, the session
 * cookie Secure.
 */
class TlsTest {
  @TempDir Path dir;

  @Test
  void the_server_answers_https_with_the_pem_certificate_and_marks_the_session_cookie_secure()
      throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl makes the test certificate");
    Process p =
        new ProcessBuilder(
                "/usr/bin/openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .start();
    assertThat(p.waitFor()).isZero();
    MetadataStore store = TestStore.fresh();
    String operator = new Tokens(store.db()).create(Role.OPERATOR, "tls");
    try (KeelServer server =
        KeelServer.builder(store, KeelMetrics.prometheus())
            .host("127.0.0.1")
            .port(0)
            .tls(cert, key)
            .build()
            .start()) {
      HttpClient client = HttpClient.newBuilder().sslContext(trusting(cert)).build();
      URI base = URI.create("https://127.0.0.1:" + server.port());

      HttpResponse<String> live =
          client.send(
              HttpRequest.newBuilder(base.resolve("/health/live")).build(),
              HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> signIn =
          client.send(
              HttpRequest.newBuilder(base.resolve("/ui/sign-in"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(HttpRequest.BodyPublishers.ofString("token=" + operator))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(signIn.headers().firstValue("Set-Cookie"))
          .get()
          .asString()
          .containsIgnoringCase("Secure");
      HttpClient plain = HttpClient.newHttpClient();
      assertThatThrownBy(
              () -> {
                HttpResponse<String> r =
                    plain.send(
                        HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + server.port() + "/health/live"))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isNotEqualTo(200);
                throw new java.io.IOException("answered " + r.statusCode());
              })
          .isInstanceOf(java.io.IOException.class);
    } finally {
      store.close();
    }
  }

  @Test
  void a_key_that_is_not_pkcs8_pem_is_refused_at_start_with_how_to_convert_it() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.writeString(cert, "not a certificate");
    Files.writeString(
        key, "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n");

    assertThatThrownBy(() -> new Tls(cert, key).keyStore())
        .hasMessageContaining("--tls-cert " + cert);
  }

  private static SSLContext trusting(Path cert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(
        "keel",
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(cert))));
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
