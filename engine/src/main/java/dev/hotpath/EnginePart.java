package dev.hotpath;

import dev.hotpath.cache.CacheHealth.Status;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.engine.BatchEngine;
import dev.hotpath.engine.CircuitBreaker;
import dev.hotpath.engine.EngineSnapshot;

/** An engine the builder created, with the namespace it serves (for typed access) and its health. */
final class EnginePart {
  final String name;
  final BatchEngine<?, ?> engine;
  final NamespaceSpec<?, ?> namespace;

  EnginePart(String name, BatchEngine<?, ?> engine, NamespaceSpec<?, ?> namespace) {
    this.name = name;
    this.engine = engine;
    this.namespace = namespace;
  }

  /**
   * The engine with its types, when {@code spec} has the name and types of the namespace it serves.
   *
   * @throws IllegalArgumentException otherwise
   */
  @SuppressWarnings("unchecked")
  <K, V> BatchEngine<K, V> typed(NamespaceSpec<K, V> spec) {
    if (!namespace.name().equals(spec.name()) || !namespace.keyType().equals(spec.keyType())
        || !namespace.valueType().equals(spec.valueType())) {
      throw new IllegalArgumentException("engine '" + name + "' serves namespace '" + namespace.name() + "' ("
          + namespace.keyType() + " -> " + namespace.valueType() + "), not '" + spec.name() + "' ("
          + spec.keyType() + " -> " + spec.valueType() + ")");
    }
    return (BatchEngine<K, V>) engine;
  }

  /** Down once closed; degraded while its source's circuit is not closed or the source paused it. */
  HotpathHealth.Part health() {
    if (engine.isClosed()) {
      return part(Status.DOWN, "closed");
    }
    EngineSnapshot now = engine.snapshot();
    if (now.circuitState() != CircuitBreaker.State.CLOSED) {
      return part(Status.DEGRADED, "the source's circuit is " + now.circuitState()
          + ": keys no tier holds fail with CIRCUIT_OPEN");
    }
    if (!now.pausedFor().isZero()) {
      return part(Status.DEGRADED, "calls to the source are paused for " + now.pausedFor() + " (its Retry-After)");
    }
    return part(Status.UP, "serving namespace '" + namespace.name() + "'");
  }

  private HotpathHealth.Part part(Status status, String reason) {
    return new HotpathHealth.Part(HotpathHealth.Kind.ENGINE, name, status, reason);
  }
}
