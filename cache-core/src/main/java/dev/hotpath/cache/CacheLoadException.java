package dev.hotpath.cache;

/**
 * A namespace's loader failed. The loader's exception is the cause; nothing was cached for the
 * key. Carries the namespace's name.
 */
public class CacheLoadException extends CacheException {
  private static final long serialVersionUID = 1L;

  CacheLoadException(String namespace, Object key, Throwable cause) {
    super(namespace, "loading " + key + " failed: " + cause, cause);
  }
}
