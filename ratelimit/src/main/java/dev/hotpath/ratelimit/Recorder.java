package dev.hotpath.ratelimit;

import java.util.concurrent.atomic.LongAdder;

/**
 * Where a limiter counts what it does. A limiter starts with {@link #NOOP}, so the hot path pays
 * one read of the limiter's recorder field and an empty call while no registry is bound;
 * {@link BaseRateLimiter#bindTo} swaps in one {@link Counting} recorder, which every registry the
 * limiter is bound to then reads.
 */
interface Recorder {

  Recorder NOOP = new Recorder() {
    @Override
    public void permitted() {
    }

    @Override
    public void rejected() {
    }

    @Override
    public void unavailable() {
    }

    @Override
    public void waited(long nanos) {
    }

    @Override
    public void backendFailure() {
    }
  };

  /** A request for permits that was granted. */
  void permitted();

  /** A request for permits that was refused: over the limit. */
  void rejected();

  /** A request for permits that could not be decided: the store failed and the policy fails closed. */
  void unavailable();

  /** A granted request that had to wait {@code nanos} (positive) for its reservation. */
  void waited(long nanos);

  /** The distributed store failed or timed out and the down policy answered instead. */
  void backendFailure();

  /** Counts in {@link LongAdder}s, read by the function meters of every bound registry. */
  final class Counting implements Recorder {
    final LongAdder permitted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder unavailable = new LongAdder();
    final LongAdder waits = new LongAdder();
    final LongAdder waitNanos = new LongAdder();
    final LongAdder backendFailures = new LongAdder();

    @Override
    public void permitted() {
      permitted.increment();
    }

    @Override
    public void rejected() {
      rejected.increment();
    }

    @Override
    public void unavailable() {
      unavailable.increment();
    }

    @Override
    public void waited(long nanos) {
      waits.increment();
      waitNanos.add(nanos);
    }

    @Override
    public void backendFailure() {
      backendFailures.increment();
    }
  }
}
