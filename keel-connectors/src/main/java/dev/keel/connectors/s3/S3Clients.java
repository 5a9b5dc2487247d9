package dev.keel.connectors.s3;

import dev.keel.KeelException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The S3 client, configured the standard AWS SDK v2 way: the default credentials chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, instance roles…), AWS_REGION, and
 * AWS_ENDPOINT_URL (or the system property {@code aws.endpointUrl}) for an S3-compatible store,
 * which is then addressed path-style ({@code http://host/bucket/key}) and defaults to region
 * us-east-1. One client per endpoint, shared: clients are thread-safe.
 */
public final class S3Clients {
  /** How long to wait for a TCP connection to the store. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  /** How long a read may wait for bytes before the connection counts as stalled. */
  public static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(S3Clients.class);
  private static final Map<String, S3Client> CLIENTS = new ConcurrentHashMap<>();

  private S3Clients() {}

  /**
   * The client for the current endpoint. The region is looked up once per endpoint: without
   * AWS_REGION the SDK's chain may ask the instance metadata service, which takes time.
   */
  public static S3Client shared() {
    String endpoint = endpoint();
    return CLIENTS.computeIfAbsent(
        String.valueOf(endpoint), k -> build(endpoint, region(endpoint)));
  }

  private static S3Client build(String endpoint, Region region) {
    S3ClientBuilder b =
        S3Client.builder()
            .region(region)
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(CONNECT_TIMEOUT)
                    .socketTimeout(SOCKET_TIMEOUT));
    if (endpoint != null) {
      b.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
    }
    LOG.info(
        "S3 client: region {}, endpoint {}",
        region,
        endpoint == null ? "AWS" : endpoint + " (path-style)");
    return b.build();
  }

  /** AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or {@code -Daws.endpointUrl}; null: AWS itself. */
  static String endpoint() {
    for (String v :
        new String[] {
          System.getenv("AWS_ENDPOINT_URL_S3"),
          System.getenv("AWS_ENDPOINT_URL"),
          System.getProperty("aws.endpointUrl")
        }) {
      if (v != null && !v.isBlank()) {
        return v.strip();
      }
    }
    return null;
  }

  private static Region region(String endpoint) {
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      if (endpoint != null) {
        return Region.US_EAST_1;
      }
      throw new KeelException(
          "no AWS region for s3:// paths: set AWS_REGION (or a region in ~/.aws/config)");
    }
  }
}
