package dev.hotpath;

import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.Source;
import java.util.Map;

/** An engine to build, with its types. */
record EngineSpec<K, V>(String name, NamespaceSpec<K, V> namespace, Source<K, V> source,
    Hotpath.EngineCustomizer<K, V> customizer) {

  void validate(Map<String, NamespaceSpec<?, ?>> namespaces) {
    NamespaceSpec<?, ?> added = namespaces.get(namespace.name());
    if (added == null) {
      throw new IllegalStateException("engine '" + name + "' reads namespace '" + namespace.name()
          + "', which is not configured; namespaces: " + namespaces.keySet());
    }
    if (!added.keyType().equals(namespace.keyType()) || !added.valueType().equals(namespace.valueType())) {
      throw new IllegalStateException("engine '" + name + "' reads namespace '" + namespace.name() + "' as "
          + namespace.keyType() + " -> " + namespace.valueType() + ", but it holds " + added.keyType() + " -> "
          + added.valueType());
    }
  }

  /** Builds the engine; an error of the customizer or the engine's builder names the engine. */
  BatchEngine<K, V> build(TieredCache cache, Hotpath.RateLimiters limiters) {
    BatchEngine.Builder<K, V> b = BatchEngine.builder(cache.namespace(namespace), source);
    try {
      customizer.customize(b, limiters);
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("engine '" + name + "': " + e.getMessage(), e);
    } catch (IllegalStateException e) {
      throw new IllegalStateException("engine '" + name + "': " + e.getMessage(), e);
    }
  }
}

