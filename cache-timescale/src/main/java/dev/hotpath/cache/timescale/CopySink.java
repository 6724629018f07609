package dev.hotpath.cache.timescale;

import java.sql.SQLException;
import org.postgresql.copy.CopyIn;

/**
 * The flusher's one reusable output buffer for a COPY: rows are encoded straight into it, and it
 * is sent to the server each time it fills, so encoding a batch allocates nothing per row and the
 * server starts on the first rows while later ones are still being encoded. Big-endian, as both
 * COPY formats want. Not thread-safe (only the flusher uses it).
 */
final class CopySink {
  private final byte[] chunk;
  private int used;
  private CopyIn target;

  CopySink(int chunkBytes) {
    this.chunk = new byte[chunkBytes];
  }

  /** Starts writing to {@code copy}, forgetting anything left from an abandoned one. */
  void start(CopyIn copy) {
    this.target = copy;
    this.used = 0;
  }

  /** Sends what is buffered. */
  void drain() throws SQLException {
    if (used > 0) {
      target.writeToCopy(chunk, 0, used);
      used = 0;
    }
  }

  void putByte(int b) throws SQLException {
    room(1);
    chunk[used++] = (byte) b;
  }

  void putShort(int v) throws SQLException {
    room(2);
    chunk[used++] = (byte) (v >>> 8);
    chunk[used++] = (byte) v;
  }

  void putInt(int v) throws SQLException {
    room(4);
    chunk[used++] = (byte) (v >>> 24);
    chunk[used++] = (byte) (v >>> 16);
    chunk[used++] = (byte) (v >>> 8);
    chunk[used++] = (byte) v;
  }

  void putLong(long v) throws SQLException {
    putInt((int) (v >>> 32));
    putInt((int) v);
  }

  void putBytes(byte[] bytes) throws SQLException {
    if (bytes.length > chunk.length - used) {
      drain();
      if (bytes.length > chunk.length) {
        target.writeToCopy(bytes, 0, bytes.length);
        return;
      }
    }
    System.arraycopy(bytes, 0, chunk, used, bytes.length);
    used += bytes.length;
  }

  /**
   * Writes {@code ch} (and the low surrogate after it, for a pair) as UTF-8.
   *
   * @return how many chars were consumed: 1, or 2 for a surrogate pair
   */
  int putChar(String text, int index) throws SQLException {
    char ch = text.charAt(index);
    room(4);
    if (ch < 0x80) {
      chunk[used++] = (byte) ch;
    } else if (ch < 0x800) {
      chunk[used++] = (byte) (0xC0 | (ch >> 6));
      chunk[used++] = (byte) (0x80 | (ch & 0x3F));
    } else if (Character.isSurrogate(ch)) {
      int cp = Character.codePointAt(text, index);
      if (Character.isSupplementaryCodePoint(cp)) {
        chunk[used++] = (byte) (0xF0 | (cp >> 18));
        chunk[used++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
        chunk[used++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
        chunk[used++] = (byte) (0x80 | (cp & 0x3F));
        return 2;
      }
      // A lone surrogate has no UTF-8 form; String.getBytes writes '?' too.
      chunk[used++] = '?';
    } else {
      chunk[used++] = (byte) (0xE0 | (ch >> 12));
      chunk[used++] = (byte) (0x80 | ((ch >> 6) & 0x3F));
      chunk[used++] = (byte) (0x80 | (ch & 0x3F));
    }
    return 1;
  }

  /** Writes {@code text} as UTF-8. */
  void putUtf8(String text) throws SQLException {
    for (int i = 0; i < text.length(); ) {
      i += putChar(text, i);
    }
  }

  /** The length of {@code text} in UTF-8, as {@link #putUtf8} writes it. */
  static int utf8Length(String text) {
    int length = text.length();
    for (int i = 0; i < text.length(); i++) {
      char ch = text.charAt(i);
      if (ch >= 0x80) {
        if (ch < 0x800) {
          length += 1;
        } else if (Character.isHighSurrogate(ch)
            && i + 1 < text.length()
            && Character.isLowSurrogate(text.charAt(i + 1))) {
          length += 2; // four bytes for the two chars
          i++;
        } else if (!Character.isSurrogate(ch)) {
          length += 2;
        }
      }
    }
    return length;
  }

  private void room(int bytes) throws SQLException {
    if (used + bytes > chunk.length) {
      drain();
    }
  }
}
