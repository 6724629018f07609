package dev.hotpath.cache.spi;

import dev.hotpath.cache.KeyCodec;
import dev.hotpath.cache.NamespaceSpec;
import java.time.Duration;

/**
 * What a {@link Tier} is told about a namespace when it {@linkplain Tier#open opens} it: the
 * namespace's name and settings, this tier's TTL for it, and the one implementation of key and
 * value encoding every tier outside the process uses, so that all of them read and write the same
 * versioned payloads and count undecodable bytes the same way.
 *
 * <p>Created by the cache (tier authors never implement it); immutable apart from its counters,
 * and thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface NamespaceContext<K, V> {

  /**
   * The id of the cache instance (node) that opened the namespace: the origin of the invalidation
   * events it publishes. A tier that records invalidations itself attributes them to this id, so
   * the node that made a change does not drop its own fresh copy. Never null.
   */
  String nodeId();

  /** The namespace's name; matches {@code [A-Za-z0-9][A-Za-z0-9_.-]*}, at most 64 characters. */
  String namespace();

  /** The namespace's settings. Never null. */
  NamespaceSpec<K, V> spec();

  /** This tier's default time to live for the namespace's entries; positive. */
  Duration ttl();

  /**
   * The key's string form (see {@link KeyCodec}).
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalStateException when the namespace has no key codec
   */
  String encodeKey(K key);

  /**
   * The key for a string made by {@link #encodeKey}.
   *
   * @throws IllegalStateException when the namespace has no key codec
   */
  K decodeKey(String encoded);

  /**
   * The versioned payload for {@code value}, as every tier outside the process stores it.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalStateException when the namespace has no value codec
   */
  byte[] encodeValue(TierValue<V> value);

  /**
   * The value in a stored payload, or {@code null} when the bytes are not a payload this namespace
   * can read (written by another program, another format or codec version, or corrupt). Such bytes
   * are counted as a decode failure and must be treated as a miss. Never throws for bad bytes.
   */
  TierValue<V> decodeValue(byte[] payload);
}
