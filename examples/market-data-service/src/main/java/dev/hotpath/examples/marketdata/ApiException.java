package dev.hotpath.examples.marketdata;

/**
 * A request the service refuses, answered as {@code {"success":false,"error":{"status":…,
 * "parameter":…,"message":…}}} with its HTTP status: 400 for bad input (naming the parameter),
 * 404, 405, 413 for an oversized body. Carries no stack trace to the client.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  /** The query parameter or body field at fault, or null. */
  final String parameter;

  ApiException(int status, String parameter, String message) {
    super(message, null, false, false);
    this.status = status;
    this.parameter = parameter;
  }

  /** 400 naming {@code parameter}. */
  static ApiException badRequest(String parameter, String message) {
    return new ApiException(400, parameter, message);
  }
}
