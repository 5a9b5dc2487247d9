package dev.keel.connectors.s3;

import dev.keel.KeelException;

/** An object's address, {@code s3://bucket/key}; its text form is the one users wrote. */
public record S3Location(String bucket, String key) {
  public static final String SCHEME = "s3://";

  public static boolean isS3(String path) {
    return path != null && path.startsWith(SCHEME);
  }

  /** {@code s3://bucket/key} (key may be empty: a prefix at the bucket's root). */
  public static S3Location parse(String uri) {
    if (!isS3(uri)) {
      throw new KeelException(uri + ": not an s3:// address");
    }
    String rest = uri.substring(SCHEME.length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String key = slash < 0 ? "" : rest.substring(slash + 1);
    if (bucket.isEmpty()) {
      throw new KeelException(uri + ": no bucket; write s3://BUCKET/KEY");
    }
    return new S3Location(bucket, key);
  }

  /** The object {@code name} under this location taken as a prefix (a folder). */
  public S3Location child(String name) {
    if (key.isEmpty() || key.endsWith("/")) {
      return new S3Location(bucket, key + name);
    }
    return new S3Location(bucket, key + "/" + name);
  }

  @Override
  public String toString() {
    return SCHEME + bucket + "/" + key;
  }
}
