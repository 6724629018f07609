package dev.hotpath.testing.redis;

import static java.util.Objects.requireNonNull;

/**
 * A key prefix owned by one test, injected by {@link RedisExtension}; ends in {@code ':'}.
 *
 * @param value the prefix, never null
 */
public record RedisKeyPrefix(String value) {

    public RedisKeyPrefix {
        requireNonNull(value, "value");
    }

    /** The prefix followed by {@code suffix}. */
    public String key(String suffix) {
        return value + requireNonNull(suffix, "suffix");
    }

    @Override
    public String toString() {
        return value;
    }
}
