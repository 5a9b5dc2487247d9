package dev.keel.connectors.s3;

import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** Small whole objects (a backup's files): put, get, and whether one exists. */
public final class S3Objects {
  private final S3Client s3;

  public S3Objects(S3Client s3) {
    this.s3 = s3;
  }

  public static S3Objects shared() {
    return new S3Objects(S3Clients.shared());
  }

  public void put(S3Location where, byte[] content) {
    try {
      s3.putObject(
          PutObjectRequest.builder().bucket(where.bucket()).key(where.key()).build(),
          RequestBody.fromBytes(content));
    } catch (SdkException e) {
      throw S3Errors.translate(e, where, "PUT");
    }
  }

  /** The object's bytes, or null when there is no such key. */
  public byte[] get(S3Location where) {
    try {
      ResponseBytes<GetObjectResponse> bytes =
          s3.getObjectAsBytes(
              GetObjectRequest.builder().bucket(where.bucket()).key(where.key()).build());
      return bytes.asByteArray();
    } catch (NoSuchKeyException e) {
      return null;
    } catch (SdkException e) {
      throw S3Errors.translate(e, where, "GET");
    }
  }
}
