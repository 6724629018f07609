package dev.hotpath;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Hotpath} created and must close, in creation order; {@link #closeAll()} closes it
 * in reverse, so each part closes before the parts it uses. What the host passed in is never
 * added. Not thread-safe: the builder fills it, {@code Hotpath.close()} empties it once.
 */
final class Closer {
  private static final Logger LOG = LoggerFactory.getLogger(Closer.class);

  private record Part(String name, AutoCloseable closeable) {}

  private final List<Part> created = new ArrayList<>();
  private final List<String> closed = new ArrayList<>();

  /** Records {@code closeable} as created now, under {@code name} (for logs); returns it. */
  <T extends AutoCloseable> T add(String name, T closeable) {
    created.add(new Part(name, closeable));
    return closeable;
  }

  /**
   * Closes everything added, newest first, each once; a part that fails to close is logged and
   * the others are still closed. Never throws. A part interrupted while closing (it waited for a
   * thread) leaves the calling thread interrupted once all are closed: the parts after it still
   * close in full (a write-behind buffer still flushes), and the caller learns of the interrupt.
   */
  void closeAll() {
    boolean interrupted = false;
    for (int i = created.size() - 1; i >= 0; i--) {
      Part part = created.remove(i);
      try {
        part.closeable().close();
      } catch (InterruptedException e) {
        interrupted = true;
        LOG.warn("closing {} was interrupted; closing the rest", part.name());
      } catch (Exception e) {
        LOG.warn("closing {} failed", part.name(), e);
      }
      closed.add(part.name());
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The names of the parts closed so far, in the order they were closed. */
  List<String> closed() {
    return List.copyOf(closed);
  }
}
