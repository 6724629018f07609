package dev.hotpath.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * Where a limiter counts what it does. Without a registry it is {@link #NOOP}, so the hot path pays
 * nothing for metrics that nobody reads.
 */
interface Recorder {

  Recorder NOOP = new Recorder() {
    @Override
    public void allowed() {
    }

    @Override
    public void rejected() {
    }

    @Override
    public void waited(long nanos) {
    }

    @Override
    public void backendFailure() {
    }
  };

  void allowed();

  void rejected();

  /** A granted request that had to wait {@code nanos} (positive) for its reservation. */
  void waited(long nanos);

  /** The distributed store failed or timed out and the down policy answered instead. */
  void backendFailure();

  static Recorder of(MeterRegistry registry, String limiter) {
    return registry == null ? NOOP : new MicrometerRecorder(registry, limiter);
  }

  /**
   * Meters, all tagged {@code limiter=<name>} and never with the key (unbounded cardinality):
   * {@code hotpath.ratelimit.requests{result=allowed|rejected}},
   * {@code hotpath.ratelimit.wait} (timer of reservations that waited) and
   * {@code hotpath.ratelimit.backend.failures}.
   */
  final class MicrometerRecorder implements Recorder {
    private final Counter allowed;
    private final Counter rejected;
    private final Timer waits;
    private final Counter failures;

    MicrometerRecorder(MeterRegistry registry, String limiter) {
      this.allowed = Counter.builder("hotpath.ratelimit.requests").tag("limiter", limiter).tag("result", "allowed")
          .description("Requests granted").register(registry);
      this.rejected = Counter.builder("hotpath.ratelimit.requests").tag("limiter", limiter).tag("result", "rejected")
          .description("Requests refused").register(registry);
      this.waits = Timer.builder("hotpath.ratelimit.wait").tag("limiter", limiter)
          .description("Waits of granted reservations").register(registry);
      this.failures = Counter.builder("hotpath.ratelimit.backend.failures").tag("limiter", limiter)
          .description("Store failures answered by the down policy").register(registry);
    }

    @Override
    public void allowed() {
      allowed.increment();
    }

    @Override
    public void rejected() {
      rejected.increment();
    }

    @Override
    public void waited(long nanos) {
      waits.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void backendFailure() {
      failures.increment();
    }
  }
}
