package dev.keel.server.api;

/**
 * An API error with the HTTP status a client expects; answered as {@code {"error": ..., "status":
 * N}}.
 */
public final class ApiException extends RuntimeException {
  private final int status;

  public ApiException(int status, String message) {
    super(message);
    this.status = status;
  }

  public int status() {
    return status;
  }

  public static ApiException notFound(String what) {
    return new ApiException(404, what + " does not exist");
  }

  public static ApiException badRequest(String message) {
    return new ApiException(400, message);
  }
}
