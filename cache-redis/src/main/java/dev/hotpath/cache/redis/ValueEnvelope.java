package dev.hotpath.cache.redis;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * The bytes stored under an entry key: cache-core's versioned payload as it is, or, above the
 * compression threshold, a marker byte, the payload's length and its DEFLATE form. The marker
 * ({@code 0xC7}) differs from the payload's first byte, so a reader tells the two apart, and a
 * node without compression still reads compressed values.
 *
 * <p>The size limit applies to the payload before compression: it is what a reader must hold in
 * memory, and it bounds how much a corrupt or hostile compressed value may inflate to.
 */
final class ValueEnvelope {
  private static final byte COMPRESSED = (byte) 0xC7;
  private static final int HEADER = 5;

  private final int compressionThreshold;
  private final int maxValueSize;

  /** @param compressionThreshold payload size from which to compress; 0 never compresses */
  ValueEnvelope(int compressionThreshold, int maxValueSize) {
    this.compressionThreshold = compressionThreshold;
    this.maxValueSize = maxValueSize;
  }

  /**
   * The bytes to store for {@code payload}.
   *
   * @throws ValueTooLargeException when the payload exceeds the size limit
   */
  byte[] wrap(String namespace, String key, byte[] payload) {
    if (payload.length > maxValueSize) {
      throw new ValueTooLargeException(namespace, key, payload.length, maxValueSize);
    }
    if (compressionThreshold == 0 || payload.length < compressionThreshold) {
      return payload;
    }
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try {
      deflater.setInput(payload);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length / 2 + HEADER);
      out.write(COMPRESSED);
      out.write(payload.length >>> 24);
      out.write(payload.length >>> 16);
      out.write(payload.length >>> 8);
      out.write(payload.length);
      byte[] buffer = new byte[8192];
      while (!deflater.finished()) {
        out.write(buffer, 0, deflater.deflate(buffer));
      }
      // Incompressible data stays as it is: the reader pays nothing for it.
      return out.size() < payload.length ? out.toByteArray() : payload;
    } finally {
      deflater.end();
    }
  }

  /** The payload in stored {@code bytes}; {@code null} when they claim compression but are corrupt. */
  byte[] unwrap(byte[] bytes) {
    if (bytes.length == 0 || bytes[0] != COMPRESSED) {
      return bytes;
    }
    if (bytes.length < HEADER) {
      return null;
    }
    int length =
        ((bytes[1] & 0xFF) << 24) | ((bytes[2] & 0xFF) << 16) | ((bytes[3] & 0xFF) << 8) | (bytes[4] & 0xFF);
    if (length < 0 || length > maxValueSize) {
      return null;
    }
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(bytes, HEADER, bytes.length - HEADER);
      byte[] payload = new byte[length];
      int n = 0;
      while (n < length) {
        int read = inflater.inflate(payload, n, length - n);
        if (read == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        n += read;
      }
      return n == length && inflater.finished() ? payload : null;
    } catch (DataFormatException e) {
      return null;
    } finally {
      inflater.end();
    }
  }
}
