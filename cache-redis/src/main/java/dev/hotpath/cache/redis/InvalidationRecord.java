package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How an {@link InvalidationEvent} is stored in the log and sent on the channel, and the script
 * that writes entries and records their invalidation in one atomic step.
 *
 * <p>Record: {@code "H1" origin namespace count keys...}, where every string is {@code
 * <byte length>:<UTF-8 bytes>} and count is {@code '*'} for a whole-namespace event. Lengths make
 * any key (spaces, newlines, colons, NULs) safe. The channel message is {@code "<shard> <seq>
 * <stream id> "} followed by the record, so a receiver knows where the record sits in the log.
 */
final class InvalidationRecord {
  private static final byte[] MAGIC = {'H', '1'};

  /**
   * KEYS: seq counter, log stream, then the entries (all in one hash slot). ARGV: operation
   * ({@code S}et, {@code D}elete, {@code N}othing but the record), log length, channel, shard,
   * record, TTL in milliseconds, then one value per entry for {@code S}.
   *
   * <p>The record is appended before the entries change: should a write fail half-way (out of
   * memory), other nodes drop a value that did not change, which costs a miss, never staleness.
   * The sequence number has no TTL and numbers the log without gaps, which is how a receiver
   * tells a lost message from a duplicate.
   */
  static final String WRITE_SCRIPT =
      String.join(
          "\n",
          "local seq = redis.call('INCR', KEYS[1])",
          "local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'q', seq, 'e', ARGV[5])",
          "local op = ARGV[1]",
          "if op == 'S' then",
          "  for i = 3, #KEYS do",
          "    redis.call('SET', KEYS[i], ARGV[i + 4], 'PX', ARGV[6])",
          "  end",
          "elseif op == 'D' then",
          "  for i = 3, #KEYS do",
          "    redis.call('DEL', KEYS[i])",
          "  end",
          "end",
          "redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. seq .. ' ' .. id .. ' ' .. ARGV[5])",
          "return seq");

  private InvalidationRecord() {}

  static byte[] encode(InvalidationEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.writeBytes(MAGIC);
    writeString(out, event.origin());
    writeString(out, event.namespace());
    if (event.isWholeNamespace()) {
      out.writeBytes(new byte[] {'*', ':'});
    } else {
      out.writeBytes(ascii(event.keys().size() + ":"));
      for (String key : event.keys()) {
        writeString(out, key);
      }
    }
    return out.toByteArray();
  }

  /**
   * The event in {@code bytes} from {@code offset}.
   *
   * @throws IllegalArgumentException when the bytes are not a record of this format
   */
  static InvalidationEvent decode(byte[] bytes, int offset) {
    if (bytes.length < offset + 2 || bytes[offset] != MAGIC[0] || bytes[offset + 1] != MAGIC[1]) {
      throw new IllegalArgumentException("not an invalidation record");
    }
    Reader r = new Reader(bytes, offset + 2);
    String origin = r.string();
    String namespace = r.string();
    if (r.peek() == '*') {
      return InvalidationEvent.ofNamespace(namespace, origin);
    }
    int count = r.number();
    List<String> keys = new ArrayList<>(Math.min(count, 1024));
    for (int i = 0; i < count; i++) {
      keys.add(r.string());
    }
    return InvalidationEvent.ofKeys(namespace, keys, origin);
  }

  /** A channel message: where its record sits in the log, and the record. */
  record Message(int shard, long seq, StreamId id, byte[] bytes, int recordOffset) {
    static Message parse(byte[] bytes) {
      int a = indexOf(bytes, 0);
      int b = indexOf(bytes, a + 1);
      int c = indexOf(bytes, b + 1);
      int shard = Integer.parseInt(new String(bytes, 0, a, StandardCharsets.US_ASCII));
      long seq = Long.parseLong(new String(bytes, a + 1, b - a - 1, StandardCharsets.US_ASCII));
      StreamId id = StreamId.parse(new String(bytes, b + 1, c - b - 1, StandardCharsets.US_ASCII));
      return new Message(shard, seq, id, bytes, c + 1);
    }

    InvalidationEvent event() {
      return decode(bytes, recordOffset);
    }

    private static int indexOf(byte[] bytes, int from) {
      for (int i = from; i < bytes.length; i++) {
        if (bytes[i] == ' ') {
          return i;
        }
      }
      throw new IllegalArgumentException("not an invalidation message");
    }
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(ascii(utf8.length + ":"));
    out.writeBytes(utf8);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static final class Reader {
    private final byte[] bytes;
    private int pos;

    Reader(byte[] bytes, int pos) {
      this.bytes = bytes;
      this.pos = pos;
    }

    int peek() {
      if (pos >= bytes.length) {
        throw new IllegalArgumentException("truncated invalidation record");
      }
      return bytes[pos];
    }

    int number() {
      int value = 0;
      int digits = 0;
      while (pos < bytes.length && bytes[pos] != ':') {
        int d = bytes[pos++] - '0';
        if (d < 0 || d > 9 || ++digits > 9) {
          throw new IllegalArgumentException("bad length in invalidation record");
        }
        value = value * 10 + d;
      }
      if (pos >= bytes.length || digits == 0) {
        throw new IllegalArgumentException("truncated invalidation record");
      }
      pos++;
      return value;
    }

    String string() {
      int length = number();
      if (length > bytes.length - pos) {
        throw new IllegalArgumentException("truncated invalidation record");
      }
      String s = new String(bytes, pos, length, StandardCharsets.UTF_8);
      pos += length;
      return s;
    }
  }
}
