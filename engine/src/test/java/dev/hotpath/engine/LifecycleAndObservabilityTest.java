package dev.hotpath.engine;

import static dev.hotpath.engine.Fixtures.await;
import static dev.hotpath.engine.Fixtures.get;
import static dev.hotpath.engine.Fixtures.valueOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.TieredCache;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** close() with work in flight, meters, the snapshot and the progress listener. */
class LifecycleAndObservabilityTest {

  @Test
  void closeStopsIntakeWaitsForTheDrainTimeoutAndSaysWhatItAbandoned() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache()) {
      Namespace<String, String> ns = Fixtures.prices(cache);
      BatchEngine<String, String> engine = BatchEngine.builder(ns, source).concurrency(Concurrency.fixed(1)).build();
      CompletableFuture<BatchResult<String, String>> open = engine.submit(BatchRequest.of(List.of("A", "B")));
      await("the first call", () -> source.callCount() == 1);
      String inFlight = source.held.get(0).keys().get(0);

      CloseReport report = engine.close(Duration.ofMillis(100));

      assertThat(report.drained()).isFalse();
      assertThat(report.batchesAbandoned()).isEqualTo(1);
      assertThat(report.itemsAbandoned()).isEqualTo(2);
      assertThat(report.callsDropped()).isEqualTo(1);
      assertThat(report.callsInFlight()).isEqualTo(1);
      assertThat(report.toString()).contains("abandoned 1 batches (2 items)");
      BatchResult<String, String> result = get(open);
      assertThat(result.failures().values()).allMatch(f -> f.kind() == FailureKind.CANCELLED);
      assertThat(result.failures().get("A").message()).contains("the engine closed");
      assertThat(engine.isClosed()).isTrue();
      assertThatThrownBy(() -> engine.submit(BatchRequest.of(List.of("C"))))
          .isInstanceOf(IllegalStateException.class).hasMessage("BatchEngine 'scripted' is closed");
      assertThat(engine.close(Duration.ZERO)).as("idempotent").isNull();

      source.release(0); // the abandoned call answers after all
      await("the late reply in the cache", () -> valueOf(inFlight).equals(ns.getIfPresent(inFlight)));
      assertThat(source.callCount()).isEqualTo(1);
    }
  }

  @Test
  void closeDrainsBatchesThatFinishInTime() throws Exception {
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
    source.hold();
    try (TieredCache cache = Fixtures.inProcessCache()) {
      BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).build();
      CompletableFuture<BatchResult<String, String>> open = engine.submit(BatchRequest.of(List.of("A")));
      await("the call", () -> source.callCount() == 1);
      Thread releaser = new Thread(() -> {
        await("close to start", engine::isClosed);
        source.release(0);
      });
      releaser.start();

      CloseReport report = engine.close(Duration.ofSeconds(Fixtures.PATIENCE_SECONDS));

      releaser.join();
      assertThat(report.drained()).isTrue();
      assertThat(report.toString()).isEqualTo("CloseReport[drained]");
      assertThat(get(open).isComplete()).isTrue();
    }
  }

  @Test
  void metersSnapshotAndProgressDescribeWhatHappened() throws Exception {
    Fixtures.ManualClock clock = new Fixtures.ManualClock();
    Fixtures.ScriptedSource source = new Fixtures.ScriptedSource(10, 4);
    MeterRegistry registry = new SimpleMeterRegistry();
    List<String> progress = new CopyOnWriteArrayList<>();
    try (TieredCache cache = Fixtures.inProcessCache();
        BatchEngine<String, String> engine = BatchEngine.builder(Fixtures.prices(cache), source).clock(clock).build()) {
      engine.bindTo(registry);
      engine.bindTo(registry); // nothing new
      Fixtures.prices(cache).put("A", "cached");
      source.answer(keys -> Fixtures.ScriptedSource.found(keys.stream().filter(k -> !k.equals("X")).toList()));

      BatchResult<String, String> result = engine.process(BatchRequest.of(List.of("A", "B", "C", "X"))
          .listener((done, total) -> progress.add(done + "/" + total)));

      assertThat(result.fromCache()).isEqualTo(1);
      assertThat(result.fromSource()).isEqualTo(2);
      assertThat(progress).endsWith("4/4");
      assertThat(progress).isSortedAccordingTo((a, b) -> Integer.compare(Integer.parseInt(a.split("/")[0]),
          Integer.parseInt(b.split("/")[0])));
      assertThat(count(registry, "hotpath.engine.items", "cache")).isEqualTo(1);
      assertThat(count(registry, "hotpath.engine.items", "source")).isEqualTo(2);
      assertThat(count(registry, "hotpath.engine.items", "not_found")).isEqualTo(1);
      assertThat(count(registry, "hotpath.engine.source.calls", "success")).isEqualTo(1);
      assertThat(registry.get("hotpath.engine.weight.used").functionCounter().count()).isEqualTo(4);
      assertThat(registry.get("hotpath.engine.batch.duration").functionTimer().count()).isEqualTo(1);
      assertThat(registry.get("hotpath.engine.queue.length").tag("priority", "normal").gauge().value()).isZero();
      assertThat(registry.get("hotpath.engine.workers.active").gauge().value()).isZero();
      // adaptive(2, 32) starts at 2; one healthy reply with half the limit in use adds one
      assertThat(registry.get("hotpath.engine.concurrency.limit").gauge().value()).isEqualTo(3);
      assertThat(registry.get("hotpath.engine.items").tag("source", "scripted").meters()).hasSize(2 + FailureKind.values().length);

      EngineSnapshot snapshot = engine.snapshot();
      assertThat(snapshot.itemsPerSecond()).isEqualTo(0.4); // 4 items over the last 10 s of the clock
      assertThat(snapshot.cacheHitRate()).isEqualTo(0.25);
      assertThat(snapshot.errorRate()).isEqualTo(0.25);
      assertThat(snapshot.weightUsed()).isEqualTo(4);
      assertThat(snapshot.quotaUsed()).isEqualTo(-1);
      assertThat(snapshot.queueLength()).isZero();
      assertThat(snapshot.batchesInProgress()).isZero();
      assertThat(snapshot.circuitState()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(snapshot.toString()).contains("0.4 items/s");
      clock.advance(Duration.ofSeconds(11));
      assertThat(engine.snapshot().itemsPerSecond()).isZero();
    }
  }

  private static double count(MeterRegistry registry, String name, String result) {
    return registry.get(name).tag("result", result).functionCounter().count();
  }
}
