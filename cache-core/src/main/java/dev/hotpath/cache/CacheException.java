package dev.hotpath.cache;

/**
 * The root of every exception the cache modules throw for a cache-specific reason: load and write
 * failures of a namespace (which name it), and the Redis and PostgreSQL tiers' configuration and
 * connection errors (which name the server, never its password). Catch it to handle any of them;
 * argument errors stay {@link IllegalArgumentException}, {@link IllegalStateException} and {@link
 * NullPointerException}.
 */
public class CacheException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String namespace;

  CacheException(String namespace, String message, Throwable cause) {
    super("namespace '" + namespace + "': " + message, cause);
    this.namespace = namespace;
  }

  /**
   * For the exceptions of tiers in other modules, which are not tied to one namespace.
   *
   * @param message the whole message
   * @param cause the cause, or {@code null}
   */
  protected CacheException(String message, Throwable cause) {
    super(message, cause);
    this.namespace = null;
  }

  /**
   * {@link #CacheException(String, Throwable)} without a stack trace when {@code
   * writableStackTrace} is false: for failures thrown often on purpose, such as a tier refusing
   * calls while its circuit is open.
   */
  protected CacheException(String message, Throwable cause, boolean writableStackTrace) {
    super(message, cause, false, writableStackTrace);
    this.namespace = null;
  }

  /** The namespace the failed operation was on, or {@code null} when it was not on one. */
  public String namespace() {
    return namespace;
  }
}
