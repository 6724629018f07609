package dev.hotpath.cache;

/** Base of the exceptions the cache throws to its callers; names the namespace involved. */
public class CacheException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String namespace;

  CacheException(String namespace, String message, Throwable cause) {
    super("namespace '" + namespace + "': " + message, cause);
    this.namespace = namespace;
  }

  /** The namespace the failed operation was on. */
  public String namespace() {
    return namespace;
  }
}
