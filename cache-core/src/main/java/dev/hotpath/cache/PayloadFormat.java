package dev.hotpath.cache;

import dev.hotpath.cache.spi.TierValue;
import java.util.Arrays;

/**
 * The envelope around every value stored outside the process: a magic byte, the envelope format
 * version, flags (the negative-caching marker) and the codec's own version, then the codec's bytes.
 * Reading checks all of it, so foreign or stale bytes are recognised instead of misread.
 */
final class PayloadFormat {
  static final int HEADER_BYTES = 4;
  private static final byte MAGIC = (byte) 0xB7;
  private static final byte FORMAT_VERSION = 1;
  private static final byte FLAG_ABSENT = 1;

  private PayloadFormat() {}

  static <V> byte[] encode(TierValue<V> value, Codec<V> codec) {
    byte[] header = {MAGIC, FORMAT_VERSION, 0, (byte) codec.version()};
    if (value.isAbsent()) {
      header[2] = FLAG_ABSENT;
      return header;
    }
    byte[] body = codec.encode(value.value());
    byte[] payload = Arrays.copyOf(header, HEADER_BYTES + body.length);
    System.arraycopy(body, 0, payload, HEADER_BYTES, body.length);
    return payload;
  }

  /**
   * The value in {@code payload}.
   *
   * @throws IllegalArgumentException when the payload is not in this format, is of another format
   *     or codec version, or the codec rejects its bytes
   */
  static <V> TierValue<V> decode(byte[] payload, Codec<V> codec) {
    if (payload.length < HEADER_BYTES || payload[0] != MAGIC) {
      throw new IllegalArgumentException("not a Hotpath payload");
    }
    if (payload[1] != FORMAT_VERSION) {
      throw new IllegalArgumentException("payload format version " + payload[1]);
    }
    if ((payload[3] & 0xFF) != codec.version()) {
      throw new IllegalArgumentException(
          "codec version " + (payload[3] & 0xFF) + " but reading with " + codec.version());
    }
    if (payload[2] == FLAG_ABSENT) {
      return TierValue.absent();
    }
    if (payload[2] != 0) {
      throw new IllegalArgumentException("unknown payload flags " + payload[2]);
    }
    V value = codec.decode(Arrays.copyOfRange(payload, HEADER_BYTES, payload.length));
    if (value == null) {
      throw new IllegalArgumentException("codec decoded null");
    }
    return TierValue.of(value);
  }
}
