package dev.hotpath.engine;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Why one key of a batch has no value: a {@link FailureKind}, a message, and the exception behind
 * it when there is one (the source's, the rate limiter's, the cache's). Immutable.
 */
public final class ItemFailure {
  private final FailureKind kind;
  private final String message;
  private final Throwable cause;

  private ItemFailure(FailureKind kind, String message, Throwable cause) {
    this.kind = requireNonNull(kind, "kind");
    this.message = requireNonNull(message, "message");
    this.cause = cause;
  }

  static ItemFailure of(FailureKind kind, String message) {
    return new ItemFailure(kind, message, null);
  }

  static ItemFailure of(FailureKind kind, String message, Throwable cause) {
    return new ItemFailure(kind, message, cause);
  }

  /** What kind of failure this is. */
  public FailureKind kind() {
    return kind;
  }

  /** A sentence for logs, naming the source; never null. */
  public String message() {
    return message;
  }

  /** The exception behind the failure, if there is one. */
  public Optional<Throwable> cause() {
    return Optional.ofNullable(cause);
  }

  @Override
  public String toString() {
    return kind + ": " + message;
  }
}
