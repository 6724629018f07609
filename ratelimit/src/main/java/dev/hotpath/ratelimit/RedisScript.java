package dev.hotpath.ratelimit;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua script of {@link RedisRateLimiter} and the encoding of limits for it. No Lettuce types,
 * so it is testable alone.
 */
final class RedisScript {

  /** Lua numbers are doubles: every integer the script computes must stay below this. */
  static final long EXACT = 1L << 53;

  static final String SOURCE = load();
  static final String SHA1 = sha1(SOURCE);

  private RedisScript() {
  }

  private static String load() {
    try (InputStream in = RedisScript.class.getResourceAsStream("ratelimit.lua")) {
      if (in == null) {
        throw new IllegalStateException("ratelimit.lua missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The script's arguments after the fixed five: the spec's numbers, five per bandwidth. */
  static String[] numbers(String spec) {
    return spec.split("[:,]");
  }

  /**
   * The spec argument of the script for {@code limit}, in microseconds (Redis TIME's unit).
   *
   * @throws IllegalArgumentException if the limit cannot be computed exactly in Lua doubles: a
   *     period or offset that is not a whole number of microseconds, or a rate above one permit
   *     per microsecond
   */
  static String spec(RateLimit limit) {
    StringBuilder spec = new StringBuilder();
    for (Bandwidth b : limit.bandwidths()) {
      long period = micros("period", b.periodNanos(), b);
      long offset = micros("alignmentOffset", b.offsetNanos(), b);
      long tokens = b.refillTokens();
      if (b.isClockAligned()) {
        requireRate(tokens, period, b);
      } else {
        long g = Rule.gcd(tokens, period);
        tokens /= g;
        period /= g;
        requireRate(tokens, period, b);
        if (Math.multiplyHigh(tokens, period) != 0 || tokens * period >= EXACT) {
          throw new IllegalArgumentException("bandwidth too large for the Redis limiter's exact arithmetic: " + b);
        }
      }
      if (spec.length() > 0) {
        spec.append(',');
      }
      spec.append(b.isClockAligned() ? 1 : 0).append(':').append(b.capacity()).append(':').append(tokens)
          .append(':').append(period).append(':').append(offset);
    }
    return spec.toString();
  }

  private static long micros(String field, long nanos, Bandwidth b) {
    if (nanos % 1_000 != 0) {
      throw new IllegalArgumentException(field + " must be a whole number of microseconds for the Redis limiter: " + b);
    }
    return nanos / 1_000;
  }

  private static void requireRate(long tokens, long micros, Bandwidth b) {
    if (tokens > micros) {
      throw new IllegalArgumentException("the Redis limiter supports at most one permit per microsecond: " + b);
    }
  }
}
