package dev.hotpath.cache.jcache;

import dev.hotpath.cache.Codec;
import java.nio.ByteBuffer;

/**
 * The bytes of a {@link StoredEntry} in tiers outside the process: the expiry time as 8 big-endian
 * bytes, then the value's bytes from the cache's value codec. The version is the value codec's,
 * so a change of the value's encoding is still detected on read.
 */
final class StoredEntryCodec<V> implements Codec<StoredEntry<V>> {
  private final Codec<V> values;

  StoredEntryCodec(Codec<V> values) {
    this.values = values;
  }

  @Override
  public byte[] encode(StoredEntry<V> entry) {
    byte[] value = values.encode(entry.value());
    return ByteBuffer.allocate(Long.BYTES + value.length).putLong(entry.expiresAt()).put(value).array();
  }

  @Override
  public StoredEntry<V> decode(byte[] bytes) {
    if (bytes.length < Long.BYTES) {
      throw new IllegalArgumentException("a JCache entry needs at least 8 bytes but got " + bytes.length);
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    long expiresAt = buffer.getLong();
    byte[] value = new byte[buffer.remaining()];
    buffer.get(value);
    return new StoredEntry<>(values.decode(value), expiresAt);
  }

  @Override
  public int version() {
    return values.version();
  }

  @Override
  public String toString() {
    return "StoredEntryCodec[" + values + "]";
  }
}
