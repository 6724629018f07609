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

  /**
   * Builds the engine. A failure of the customizer or the engine's builder names the engine: an
   * {@link IllegalArgumentException}, {@link IllegalStateException} or {@link NullPointerException}
   * keeps its type, any other exception is the cause of an {@link IllegalStateException}.
   */
  BatchEngine<K, V> build(TieredCache cache, Hotpath.RateLimiters limiters) {
    try {
      BatchEngine.Builder<K, V> b = BatchEngine.builder(cache.namespace(namespace), source);
      customizer.customize(b, limiters);
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(named(e.getMessage()), e);
    } catch (IllegalStateException e) {
      throw new IllegalStateException(named(e.getMessage()), e);
    } catch (NullPointerException e) {
      NullPointerException named = new NullPointerException(named(e.getMessage()));
      named.initCause(e);
      throw named;
    } catch (RuntimeException e) {
      throw new IllegalStateException(named(e.toString()), e);
    }
  }

  private String named(String message) {
    return "engine '" + name + "': " + message;
  }
}

