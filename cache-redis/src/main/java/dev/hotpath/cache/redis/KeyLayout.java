package dev.hotpath.cache.redis;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Where things live in Redis. Entries are {@code prefix + namespace + ":" + key}; the namespace
 * cannot contain {@code ':'} (cache-core restricts it to {@code [A-Za-z0-9_.-]}) and the key is
 * the last part, so no two (namespace, key) pairs share a Redis key whatever the key contains, and
 * the key is stored as opaque bytes (never parsed or passed to a script as code).
 *
 * <p>The invalidation log lives beside the entries under {@code prefix + "__inv"}: a namespace
 * cannot start with {@code '_'}, so those keys cannot collide with entries.
 *
 * <p>In Cluster, a script may only touch keys of one hash slot, and an entry's write and its
 * invalidation record must be one script. So the log is split into {@code shards} logs, each with
 * a hash tag of its own, and an entry key carries its shard's tag right after the namespace:
 * {@code prefix + namespace + ":{hpN}" + key}. The tag comes before any byte of the key, so a
 * {@code '{'} in a key cannot move it to another slot. Standalone and Sentinel use one log and no
 * tag.
 */
final class KeyLayout {
  private static final String LOG_NAME = "__inv";

  private final String prefix;
  private final boolean tagged;
  private final int shards;
  private final byte[][] seqKeys;
  private final byte[][] logKeys;
  private final byte[] channel;

  KeyLayout(String prefix, boolean tagged, int shards) {
    this.prefix = prefix;
    this.tagged = tagged;
    this.shards = shards;
    this.seqKeys = new byte[shards][];
    this.logKeys = new byte[shards][];
    for (int s = 0; s < shards; s++) {
      String base = prefix + LOG_NAME + (tagged ? ":" + tag(s) : "");
      seqKeys[s] = utf8(base + ":seq");
      logKeys[s] = utf8(base + ":log");
    }
    this.channel = utf8(prefix + LOG_NAME);
  }

  String prefix() {
    return prefix;
  }

  int shards() {
    return shards;
  }

  /** The log shard that records changes of {@code key}; the same on every node. */
  int shard(String namespace, String key) {
    if (shards == 1) {
      return 0;
    }
    CRC32 crc = new CRC32();
    crc.update(utf8(namespace));
    crc.update(utf8(key));
    return (int) (crc.getValue() % shards);
  }

  /**
   * The bytes every entry key of {@code namespace} starts with, the key's own bytes following
   * them; null when the layout is tagged, since the tag depends on the key.
   */
  byte[] entryHead(String namespace) {
    return tagged ? null : utf8(prefix + namespace + ":");
  }

  byte[] entryKey(String namespace, String key) {
    String head = prefix + namespace + ":" + (tagged ? tag(shard(namespace, key)) : "");
    return utf8(head + key);
  }

  /** A namespace and an encoded key, as {@link #entryKey} got them. */
  record Entry(String namespace, String key) {}

  /**
   * The namespace and key whose entry lives under {@code redisKey}, or null when it is not an
   * entry's key under this prefix (the log's keys, another application's keys). The namespace
   * ends at the first {@code ':'} after the prefix, since a namespace cannot contain one.
   */
  Entry entryOf(byte[] redisKey) {
    String s = new String(redisKey, StandardCharsets.UTF_8);
    if (!s.startsWith(prefix) || s.startsWith(LOG_NAME, prefix.length())) {
      return null;
    }
    int colon = s.indexOf(':', prefix.length());
    if (colon <= prefix.length()) {
      return null;
    }
    String namespace = s.substring(prefix.length(), colon);
    String key = s.substring(colon + 1);
    if (tagged) {
      int close = key.indexOf('}');
      if (!key.startsWith("{hp") || close < 0) {
        return null;
      }
      key = key.substring(close + 1);
    }
    return new Entry(namespace, key);
  }

  /** A {@code SCAN MATCH} pattern for every entry of the namespace; prefix and namespace hold no glob characters. */
  String namespacePattern(String namespace) {
    return prefix + namespace + ":*";
  }

  byte[] seqKey(int shard) {
    return seqKeys[shard];
  }

  byte[] logKey(int shard) {
    return logKeys[shard];
  }

  byte[] channel() {
    return channel;
  }

  private static String tag(int shard) {
    return "{hp" + shard + "}";
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
