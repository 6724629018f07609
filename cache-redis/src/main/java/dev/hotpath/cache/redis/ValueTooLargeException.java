package dev.hotpath.cache.redis;

/**
 * A value's encoded payload is larger than the Redis tier's {@code maxValueSize}; it was not
 * stored. The cache logs it (rate limited) and counts it as a tier error; the value stays in the
 * in-process tier and the other tiers.
 */
public final class ValueTooLargeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final String namespace;
  private final int size;
  private final int limit;

  ValueTooLargeException(String namespace, String key, int size, int limit) {
    super("namespace '" + namespace + "': value for key '" + abbreviate(key) + "' is " + size
        + " bytes encoded, over the Redis tier's maxValueSize of " + limit + " bytes; not stored in Redis");
    this.namespace = namespace;
    this.size = size;
    this.limit = limit;
  }

  /** The namespace of the refused value. */
  public String namespace() {
    return namespace;
  }

  /** The encoded payload's size in bytes. */
  public int size() {
    return size;
  }

  /** The configured limit in bytes. */
  public int limit() {
    return limit;
  }

  private static String abbreviate(String key) {
    return key.length() <= 64 ? key : key.substring(0, 61) + "...";
  }
}
