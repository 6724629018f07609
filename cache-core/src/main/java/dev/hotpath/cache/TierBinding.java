package dev.hotpath.cache;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a {@link Tier} is told about a namespace when it {@linkplain Tier#open opens} it: the
 * namespace's name and settings, this tier's TTL for it, and the one implementation of key and
 * value encoding every tier outside the process uses, so that all of them read and write the same
 * versioned payloads and count undecodable bytes the same way.
 *
 * <p>Created by the cache; immutable apart from its counters, and thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class TierBinding<K, V> {
  private final NamespaceSpec<K, V> spec;
  private final Duration ttl;
  private final String nodeId;
  private final LongAdder decodeFailures = new LongAdder();

  TierBinding(NamespaceSpec<K, V> spec, Duration ttl, String nodeId) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
  }

  /**
   * A binding for code that opens a tier outside a {@link TieredCache}: tier tests and benchmarks.
   *
   * @param ttl positive
   * @param nodeId the id invalidations written through this binding are attributed to
   * @throws IllegalArgumentException when {@code ttl} is not positive
   */
  public static <K, V> TierBinding<K, V> of(NamespaceSpec<K, V> spec, Duration ttl, String nodeId) {
    return new TierBinding<>(spec, Arguments.positive(ttl, "ttl"), nodeId);
  }

  /**
   * The id of the cache instance (node) that opened the namespace: the origin of the {@link
   * InvalidationEvent}s it publishes. A tier that records invalidations itself attributes them to
   * this id, so the node that made a change does not drop its own fresh copy.
   */
  public String nodeId() {
    return nodeId;
  }

  /** The namespace's name; matches {@code [A-Za-z0-9][A-Za-z0-9_.-]*}, at most 64 characters. */
  public String namespace() {
    return spec.name();
  }

  /** The namespace's settings. */
  public NamespaceSpec<K, V> spec() {
    return spec;
  }

  /** This tier's default time to live for the namespace's entries; positive. */
  public Duration ttl() {
    return ttl;
  }

  /**
   * The key's string form (see {@link KeyCodec}).
   *
   * @throws IllegalStateException when the namespace has no key codec
   */
  public String encodeKey(K key) {
    return keyCodec().encode(Objects.requireNonNull(key, "key"));
  }

  /** The key for a string made by {@link #encodeKey}. */
  public K decodeKey(String encoded) {
    return keyCodec().decode(encoded);
  }

  /**
   * The versioned payload for {@code value}, as every tier outside the process stores it.
   *
   * @throws IllegalStateException when the namespace has no value codec
   */
  public byte[] encodeValue(TierValue<V> value) {
    return PayloadFormat.encode(Objects.requireNonNull(value, "value"), valueCodec());
  }

  /**
   * The value in a stored payload, or {@code null} when the bytes are not a payload this namespace
   * can read (written by another program, another format or codec version, or corrupt). Such bytes
   * are counted as a decode failure and must be treated as a miss.
   */
  public TierValue<V> decodeValue(byte[] payload) {
    try {
      return PayloadFormat.decode(payload, valueCodec());
    } catch (RuntimeException e) {
      decodeFailures.increment();
      return null;
    }
  }

  long decodeFailures() {
    return decodeFailures.sum();
  }

  private KeyCodec<K> keyCodec() {
    KeyCodec<K> codec = spec.keyCodec();
    if (codec == null) {
      throw new IllegalStateException("namespace '" + spec.name() + "' has no keyCodec");
    }
    return codec;
  }

  private Codec<V> valueCodec() {
    Codec<V> codec = spec.valueCodec();
    if (codec == null) {
      throw new IllegalStateException("namespace '" + spec.name() + "' has no valueCodec");
    }
    return codec;
  }

  @Override
  public String toString() {
    return "TierBinding[" + spec.name() + ", ttl=" + ttl + "]";
  }
}
