package dev.hotpath.cache;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Turns values into bytes for the tiers outside the process, and back.
 *
 * <p>Hotpath never uses Java native serialization: a codec is explicit. The bytes a codec produces
 * are wrapped in a versioned envelope by the cache, so a payload written by another program or
 * another format version is recognised and treated as a miss rather than misread.
 *
 * <p>Implementations must be thread-safe and must not return or accept null.
 *
 * @param <V> the value type
 */
public interface Codec<V> {

  /** The value's bytes. May throw an unchecked exception for a value it cannot encode. */
  byte[] encode(V value);

  /**
   * The value for {@code bytes}.
   *
   * @throws RuntimeException (any unchecked exception) when the bytes are not a valid encoding;
   *     the cache treats that as a miss and counts it as a decode failure
   */
  V decode(byte[] bytes);

  /**
   * A number the codec bumps when its encoding changes incompatibly; stored with every payload and
   * checked on read, so a rolling upgrade never misreads old bytes. Between 0 and 255.
   */
  default int version() {
    return 0;
  }

  /** UTF-8 strings. */
  static Codec<String> utf8() {
    return BuiltInCodecs.UTF8;
  }

  /** Byte arrays, stored as they are (the array is not copied). */
  static Codec<byte[]> bytes() {
    return BuiltInCodecs.BYTES;
  }

  /** {@code Long}s as 8 big-endian bytes. */
  static Codec<Long> longs() {
    return BuiltInCodecs.LONGS;
  }

  /** {@code Integer}s as 4 big-endian bytes. */
  static Codec<Integer> integers() {
    return BuiltInCodecs.INTEGERS;
  }

  /** {@code Double}s as their 8-byte IEEE 754 bits. */
  static Codec<Double> doubles() {
    return BuiltInCodecs.DOUBLES;
  }

  /** {@code BigDecimal}s as their exact plain string, so scale is kept. */
  static Codec<BigDecimal> decimals() {
    return BuiltInCodecs.DECIMALS;
  }
}

/** The codecs {@link Codec} names, and the default codec for a value type. */
final class BuiltInCodecs {
  static final Codec<String> UTF8 =
      new Named<String>("utf8") {
        @Override
        public byte[] encode(String value) {
          return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
          try {
            // Strict: malformed UTF-8 is a decode failure, not a string of U+FFFD.
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
          } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("not valid UTF-8", e);
          }
        }
      };

  static final Codec<byte[]> BYTES =
      new Named<byte[]>("bytes") {
        @Override
        public byte[] encode(byte[] value) {
          return value;
        }

        @Override
        public byte[] decode(byte[] bytes) {
          return bytes;
        }
      };

  static final Codec<Long> LONGS =
      new Named<Long>("longs") {
        @Override
        public byte[] encode(Long value) {
          return ByteBuffer.allocate(Long.BYTES).putLong(value).array();
        }

        @Override
        public Long decode(byte[] bytes) {
          requireLength(bytes, Long.BYTES);
          return ByteBuffer.wrap(bytes).getLong();
        }
      };

  static final Codec<Integer> INTEGERS =
      new Named<Integer>("integers") {
        @Override
        public byte[] encode(Integer value) {
          return ByteBuffer.allocate(Integer.BYTES).putInt(value).array();
        }

        @Override
        public Integer decode(byte[] bytes) {
          requireLength(bytes, Integer.BYTES);
          return ByteBuffer.wrap(bytes).getInt();
        }
      };

  static final Codec<Double> DOUBLES =
      new Named<Double>("doubles") {
        @Override
        public byte[] encode(Double value) {
          return ByteBuffer.allocate(Double.BYTES).putDouble(value).array();
        }

        @Override
        public Double decode(byte[] bytes) {
          requireLength(bytes, Double.BYTES);
          return ByteBuffer.wrap(bytes).getDouble();
        }
      };

  static final Codec<BigDecimal> DECIMALS =
      new Named<BigDecimal>("decimals") {
        @Override
        public byte[] encode(BigDecimal value) {
          return value.toPlainString().getBytes(StandardCharsets.US_ASCII);
        }

        @Override
        public BigDecimal decode(byte[] bytes) {
          return new BigDecimal(new String(bytes, StandardCharsets.US_ASCII));
        }
      };

  private BuiltInCodecs() {}

  /** The built-in codec for {@code type}, or {@code null} when there is none. */
  @SuppressWarnings("unchecked")
  static <V> Codec<V> forType(TypeToken<V> token) {
    Class<?> type = token.rawClass();
    if (type == String.class) return (Codec<V>) UTF8;
    if (type == byte[].class) return (Codec<V>) BYTES;
    if (type == Long.class) return (Codec<V>) LONGS;
    if (type == Integer.class) return (Codec<V>) INTEGERS;
    if (type == Double.class) return (Codec<V>) DOUBLES;
    if (type == BigDecimal.class) return (Codec<V>) DECIMALS;
    return null;
  }

  /** The built-in key codec for {@code type}, or {@code null} when there is none. */
  @SuppressWarnings("unchecked")
  static <K> KeyCodec<K> keyCodecFor(TypeToken<K> token) {
    Class<?> type = token.rawClass();
    if (type == String.class) return (KeyCodec<K>) KeyCodec.strings();
    if (type == Long.class) return (KeyCodec<K>) KeyCodec.longs();
    if (type == Integer.class) return (KeyCodec<K>) KeyCodec.integers();
    if (type == java.util.UUID.class) return (KeyCodec<K>) KeyCodec.uuids();
    return null;
  }

  private static void requireLength(byte[] bytes, int length) {
    if (bytes.length != length) {
      throw new IllegalArgumentException(
          "expected " + length + " bytes but got " + bytes.length);
    }
  }

  /** A codec with a readable {@code toString()}. */
  private abstract static class Named<V> implements Codec<V> {
    private final String name;

    Named(String name) {
      this.name = name;
    }

    @Override
    public String toString() {
      return "Codec[" + name + "]";
    }
  }
}
