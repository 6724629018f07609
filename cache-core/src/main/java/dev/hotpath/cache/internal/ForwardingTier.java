package dev.hotpath.cache.internal;

import static java.util.Objects.requireNonNull;

import dev.hotpath.cache.InvalidationBus;
import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * A {@link Tier} that hands every call to another; a subclass overrides only what it changes (a
 * borrowed tier that neither binds nor closes, a test tier that counts). Not API: public only so
 * Hotpath's other modules and tests can use it; it may change without notice.
 */
public abstract class ForwardingTier implements Tier {
  private final Tier delegate;

  /** @throws NullPointerException if delegate is null */
  protected ForwardingTier(Tier delegate) {
    this.delegate = requireNonNull(delegate, "delegate");
  }

  /** The tier calls are handed to. */
  protected final Tier delegate() {
    return delegate;
  }

  @Override
  public String name() {
    return delegate.name();
  }

  @Override
  public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> context) {
    return delegate.open(context);
  }

  @Override
  public InvalidationBus invalidationBus() {
    return delegate.invalidationBus();
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    delegate.bindTo(registry);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }
}
