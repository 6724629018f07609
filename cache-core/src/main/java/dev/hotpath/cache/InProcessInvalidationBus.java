package dev.hotpath.cache;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link InvalidationBus#inProcess()}: synchronous delivery to the listeners of this JVM. */
final class InProcessInvalidationBus implements InvalidationBus {
  private static final Logger LOG = LoggerFactory.getLogger(InProcessInvalidationBus.class);

  private final CopyOnWriteArrayList<InvalidationListener> listeners = new CopyOnWriteArrayList<>();

  @Override
  public void publish(InvalidationEvent event) {
    Objects.requireNonNull(event, "event");
    for (InvalidationListener listener : listeners) {
      try {
        listener.onInvalidation(event);
      } catch (RuntimeException e) {
        LOG.warn("invalidation listener {} failed on {}", listener, event, e);
      }
    }
  }

  @Override
  public Subscription subscribe(InvalidationListener listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void close() {
    listeners.clear();
  }

  @Override
  public String toString() {
    return "InvalidationBus[in-process, " + listeners.size() + " listeners]";
  }
}
