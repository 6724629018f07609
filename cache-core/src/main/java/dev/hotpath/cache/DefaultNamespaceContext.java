package dev.hotpath.cache;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/** The cache's {@link NamespaceContext}: encoding through {@link PayloadFormat}, decode failures counted. */
final class DefaultNamespaceContext<K, V> implements NamespaceContext<K, V> {
  private final NamespaceSpec<K, V> spec;
  private final Duration ttl;
  private final String nodeId;
  private final LongAdder decodeFailures = new LongAdder();

  DefaultNamespaceContext(NamespaceSpec<K, V> spec, Duration ttl, String nodeId) {
    this.spec = Objects.requireNonNull(spec, "spec");
    this.ttl = Arguments.positive(ttl, "ttl");
    this.nodeId = Objects.requireNonNull(nodeId, "nodeId");
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public String namespace() {
    return spec.name();
  }

  @Override
  public NamespaceSpec<K, V> spec() {
    return spec;
  }

  @Override
  public Duration ttl() {
    return ttl;
  }

  @Override
  public String encodeKey(K key) {
    return keyCodec().encode(Objects.requireNonNull(key, "key"));
  }

  @Override
  public K decodeKey(String encoded) {
    return keyCodec().decode(encoded);
  }

  @Override
  public byte[] encodeValue(TierValue<V> value) {
    return PayloadFormat.encode(Objects.requireNonNull(value, "value"), valueCodec());
  }

  @Override
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
    return "NamespaceContext[" + spec.name() + ", ttl=" + ttl + "]";
  }
}
