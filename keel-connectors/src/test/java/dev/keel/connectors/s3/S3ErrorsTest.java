package dev.keel.connectors.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.keel.runtime.Failures;
import dev.keel.runtime.ObjectStoreException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What an S3 store's error answers become, through the real SDK against a small HTTP server that
 * answers every request with one status and S3's error document: throttling and 5xx are transient,
 * 403 and 404 permanent; the message names bucket and key and the error code.
 */
class S3ErrorsTest {
  @ParameterizedTest(name = "HTTP {0} {1} is transient={2}")
  @CsvSource({
    "503, SlowDown, true",
    "429, TooManyRequests, true",
    "500, InternalError, true",
    "403, AccessDenied, false",
    "404, NoSuchKey, false"
  })
  void an_error_answer_is_classified_by_its_status(int status, String code, boolean retry)
      throws IOException {
    AtomicInteger requests = new AtomicInteger();
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          requests.incrementAndGet();
          byte[] body =
              ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                      + code
                      + "</Code><Message>test</Message></Error>")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/xml");
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    String before = System.getProperty("aws.endpointUrl");
    try {
      System.setProperty("aws.endpointUrl", "http://127.0.0.1:" + server.getAddress().getPort());
      System.setProperty("aws.region", "us-east-1");
      System.setProperty("aws.accessKeyId", "k");
      System.setProperty("aws.secretAccessKey", "s");
      S3Location where = S3Location.parse("s3://bucket-x/some/key.csv");

      assertThatThrownBy(() -> new S3ObjectStream(S3Clients.shared(), where))
          .isInstanceOf(ObjectStoreException.class)
          .hasMessageContaining("s3://bucket-x/some/key.csv")
          .hasMessageContaining("HTTP " + status + " " + code)
          .satisfies(e -> assertThat(((ObjectStoreException) e).status()).isEqualTo(status))
          .satisfies(e -> assertThat(Failures.isTransient(e)).isEqualTo(retry));
      assertThat(requests.get())
          .as("the SDK retries what can heal a few times itself")
          .isGreaterThanOrEqualTo(retry ? 2 : 1);
    } finally {
      server.stop(0);
      if (before == null) {
        System.clearProperty("aws.endpointUrl");
      } else {
        System.setProperty("aws.endpointUrl", before);
      }
    }
  }
}
