package dev.hotpath.cache.internal;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Consumer;

/**
 * The registries one object's meters are bound to, so that its {@code bindTo} registers them once
 * per registry however many times, and by however many owners, it is called. Micrometer keeps the
 * first meter of an id and ignores (with a warning) every later registration of it, so binding
 * twice must register nothing rather than rely on that. Thread-safe.
 *
 * <p><b>Not API.</b> Public only so Hotpath's other modules can share it; it may change in any
 * release.
 */
public final class BoundRegistries {
  /*
   * Weak, not an IdentityHashMap: a tier or cache often outlives a registry (a test's, or a
   * refreshed application context's), and a strong set would keep that registry and every meter
   * in it reachable. WeakHashMap compares with equals, which MeterRegistry does not override, so it
   * is an identity set in practice. Guarded by itself.
   */
  private final Set<MeterRegistry> registries = Collections.newSetFromMap(new WeakHashMap<>());

  /**
   * Runs {@code register} with {@code registry} unless it ran for that registry before. A caller
   * that arrives while another thread registers with the same registry waits for it, so when this
   * returns the meters are there. When {@code register} throws, the registry is not remembered (a
   * later call tries again) and the exception propagates.
   *
   * @throws NullPointerException if registry or register is null
   */
  public void bindOnce(MeterRegistry registry, Consumer<MeterRegistry> register) {
    requireNonNull(registry, "registry");
    requireNonNull(register, "register");
    // Registering under the lock: Micrometer's own lock is taken inside it, never the other way
    // round (a meter's function never takes this lock), so this cannot deadlock.
    synchronized (registries) {
      if (!registries.add(registry)) {
        return;
      }
      try {
        register.accept(registry);
      } catch (RuntimeException | Error e) {
        registries.remove(registry);
        throw e;
      }
    }
  }
}
