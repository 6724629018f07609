package dev.hotpath.cache.redis;

import dev.hotpath.cache.SizeLimitException;

/**
 * A value's encoded payload is larger than the Redis tier's {@code maxValueSize}; it was not
 * stored. The cache logs it (rate limited) and counts it as a tier error; the value stays in the
 * in-process tier and the other tiers. {@link #size()} is the encoded payload's size, {@link
 * #limit()} the tier's {@code maxValueSize}.
 */
public final class ValueTooLargeException extends SizeLimitException {
  private static final long serialVersionUID = 1L;

  ValueTooLargeException(String namespace, String key, int size, int limit) {
    super("namespace '" + namespace + "': value for key '" + abbreviate(key) + "' is " + size
        + " bytes encoded, over the Redis tier's maxValueSize of " + limit + " bytes; not stored in Redis",
        namespace, size, limit);
  }
}
