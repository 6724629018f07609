package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How an {@link InvalidationEvent} is stored in the log and sent on the channel, the script that
 * writes entries and records their invalidation in one atomic step, and the script that fills
 * entries without a record.
 *
 * <p>Record: {@code "H1" origin namespace count keys...}, where every string is {@code
 * <byte length>:<UTF-8 bytes>} and count is {@code '*'} for a whole-namespace event. Lengths make
 * any key (spaces, newlines, colons, NULs) safe. The channel message is {@code "<shard> <seq>
 * <stream id> "} followed by the record, so a receiver knows where the record sits in the log.
 */
final class InvalidationRecord {
  private static final byte[] MAGIC = {'H', '1'};

  /** Most keys one record names, and so one script changes: bounds how long a script holds the server. */
  static final int MAX_KEYS = 256;

  /**
   * Most bytes of keys (UTF-8) one record names. With the log's length it bounds what the log can
   * take in Redis, whatever the keys: about {@code invalidationLogLength × 18 KiB} per log shard at
   * worst (the keys, their length prefixes, origin and namespace). Keys are split over as many
   * records (and scripts) as they need; a change of a single key longer than this, which a
   * namespace's {@code maxKeySize} rules out unless raised above it, is recorded as a change of
   * its whole namespace instead of copying the key into the log.
   */
  static final int MAX_KEY_BYTES = 16 * 1024;

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

  /** The most unread log records {@link #FILL_SCRIPT} inspects before it refuses a fill outright. */
  static final int FILL_MAX_GAP = 64;

  /**
   * Stores entries that a read found in a lower tier or loaded from the source, without recording
   * anything: a fill does not change a value, so no other node needs to drop its copy.
   *
   * <p>KEYS: seq counter, log stream, then the entries (one hash slot). ARGV: the fence (the log
   * number up to which the filling node's caches have been handed every record), the largest gap
   * to inspect ({@link #FILL_MAX_GAP}), TTL in milliseconds, the namespace, then per entry its
   * encoded key and its value. Returns per entry 1 when it stored it, 0 when not (an empty array
   * when it refused the whole fill).
   *
   * <p>An entry is stored only when (a) the key holds nothing ({@code NX}: a fill never replaces a
   * put, nor bytes another program wrote) and (b) no record after the fence names the key or the
   * whole namespace. Records up to the fence were delivered to the filling node before it sent
   * the fill, so cache-core's stamp check after the fill sees them; records after it are checked
   * here, in the same atomic step as the SET; later ones delete or replace the filled value. A
   * record this script cannot read, a log that restarted or was trimmed past the fence, or a gap
   * over the limit refuses the whole fill: that costs a miss, never a stale value.
   */
  static final String FILL_SCRIPT = guardedSet(true);

  /**
   * Stores the value a refresh-ahead loaded over the one the key holds, as {@link #FILL_SCRIPT}
   * stores a fill (same KEYS, ARGV and answer) but without its condition (a): the key usually
   * holds the value the refresh replaces. Condition (b) keeps a refresh that read the source
   * before another node's put or invalidation of the key from landing after it: that change is
   * recorded after the fence, and the refresh is refused. Records nothing: the value was not
   * changed by a write, and each node refreshes its own copies.
   */
  static final String REFRESH_SCRIPT = guardedSet(false);

  /** The fill script, or with {@code onlyIfEmpty} false the refresh script: one text, one difference. */
  private static String guardedSet(boolean onlyIfEmpty) {
    return String.join(
        "\n",
        "local function str(s, pos)",
        "  local colon = string.find(s, ':', pos, true)",
        "  local n = tonumber(string.sub(s, pos, colon - 1))",
        "  return string.sub(s, colon + 1, colon + n), colon + 1 + n",
        "end",
        "local function parse(e)",
        "  if string.sub(e, 1, 2) ~= 'H1' then error('not a record') end",
        "  local _, pos = str(e, 3)",
        "  local ns",
        "  ns, pos = str(e, pos)",
        "  if string.sub(e, pos, pos) == '*' then return ns, nil end",
        "  local colon = string.find(e, ':', pos, true)",
        "  local count = tonumber(string.sub(e, pos, colon - 1))",
        "  pos = colon + 1",
        "  local keys = {}",
        "  for i = 1, count do",
        "    keys[i], pos = str(e, pos)",
        "  end",
        "  return ns, keys",
        "end",
        "local fence = tonumber(ARGV[1])",
        "local seq = tonumber(redis.call('GET', KEYS[1]) or '0')",
        "local touched = {}",
        "if seq ~= fence then",
        "  local gap = seq - fence",
        "  if gap < 0 or gap > tonumber(ARGV[2]) then return {} end",
        "  local unread = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', gap)",
        "  if #unread ~= gap then return {} end",
        "  for _, entry in ipairs(unread) do",
        "    local q, e",
        "    local fields = entry[2]",
        "    for j = 1, #fields, 2 do",
        "      if fields[j] == 'q' then q = tonumber(fields[j + 1]) elseif fields[j] == 'e' then e = fields[j + 1] end",
        "    end",
        "    if q == nil or q <= fence or e == nil then return {} end",
        "    local ok, ns, keys = pcall(parse, e)",
        "    if not ok then return {} end",
        "    if ns == ARGV[4] then",
        "      if keys == nil then return {} end",
        "      for _, k in ipairs(keys) do touched[k] = true end",
        "    end",
        "  end",
        "end",
        "local filled = {}",
        "for i = 3, #KEYS do",
        "  filled[i - 2] = 0",
        "  if not touched[ARGV[2 * i - 1]] then",
        "    if redis.call('SET', KEYS[i], ARGV[2 * i], 'PX', ARGV[3]" + (onlyIfEmpty ? ", 'NX'" : "")
            + ") then filled[i - 2] = 1 end",
        "  end",
        "end",
        "return filled");
  }

  private InvalidationRecord() {}

  /** Keys {@code [from, to)} of a list, recorded together. */
  record Batch(int from, int to) {}

  /**
   * Splits {@code keys}, in order, into consecutive batches that each fit one record: at most
   * {@link #MAX_KEYS} keys and {@link #MAX_KEY_BYTES} bytes of them, except that a key longer than
   * that makes a batch of its own (recorded by {@link #encodeChange} as its whole namespace).
   */
  static List<Batch> batches(List<String> keys) {
    List<Batch> batches = new ArrayList<>();
    int from = 0;
    long bytes = 0;
    for (int i = 0; i < keys.size(); i++) {
      int size = utf8Length(keys.get(i));
      if (i > from && (i - from == MAX_KEYS || bytes + size > MAX_KEY_BYTES)) {
        batches.add(new Batch(from, i));
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < keys.size()) {
      batches.add(new Batch(from, keys.size()));
    }
    return batches;
  }

  /**
   * The record of a change of {@code keys}: the keys when they fit one record (see {@link
   * #batches}), else the whole namespace, so that no change copies more than {@link
   * #MAX_KEY_BYTES} of keys into the log. A whole-namespace record makes other nodes drop more
   * than changed, never less.
   */
  static byte[] encodeChange(String namespace, List<String> keys, String origin) {
    long bytes = 0;
    for (String key : keys) {
      bytes += utf8Length(key);
    }
    InvalidationEvent event = keys.size() <= MAX_KEYS && bytes <= MAX_KEY_BYTES
        ? InvalidationEvent.ofKeys(namespace, keys, origin)
        : InvalidationEvent.ofNamespace(namespace, origin);
    return encode(event);
  }

  /** Records of a published event: one per batch of its keys, or one for a whole namespace. */
  static List<byte[]> encodeAll(InvalidationEvent event) {
    if (event.isWholeNamespace()) {
      return List.of(encode(event));
    }
    List<String> keys = event.keys();
    List<byte[]> records = new ArrayList<>();
    for (Batch b : batches(keys)) {
      records.add(encodeChange(event.namespace(), keys.subList(b.from(), b.to()), event.origin()));
    }
    return records;
  }

  private static int utf8Length(String s) {
    // Exact for ASCII without encoding; other keys are encoded once to count.
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return s.getBytes(StandardCharsets.UTF_8).length;
      }
    }
    return s.length();
  }

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
