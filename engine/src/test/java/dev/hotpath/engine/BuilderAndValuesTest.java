package dev.hotpath.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.TieredCache;
import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.NanoClock;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimiter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Validation at the API boundary: values when set, combinations at build, each value set once. */
class BuilderAndValuesTest {
  private final TieredCache cache = Fixtures.inProcessCache();
  private final Namespace<String, String> ns = Fixtures.prices(cache);
  private final Fixtures.ScriptedSource source = new Fixtures.ScriptedSource();
  private final Bandwidth weight = Bandwidth.builder().id("weight-1m").capacity(6_000).refillWindow(Duration.ofMinutes(1)).build();
  private final RateLimiter limiter = LocalRateLimiter.builder().name("binance").limit(RateLimit.of(weight)).build();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void close() {
    scheduler.shutdownNow();
    cache.close();
  }

  private BatchEngine.Builder<String, String> builder() {
    return BatchEngine.builder(ns, source);
  }

  @Test
  void everySetterMayBeCalledOnce() {
    List<Consumer<BatchEngine.Builder<String, String>>> setters = Arrays.asList(
        b -> b.quota(limiter, "ip-1"),
        b -> b.usedWeightBandwidth(weight),
        b -> b.concurrency(Concurrency.fixed(4)),
        b -> b.retry(Retry.none()),
        b -> b.circuitBreaker(CircuitBreaker.disabled()),
        b -> b.queue(Priority.LOW, 5),
        b -> b.defaultDeadline(Duration.ofSeconds(1)),
        b -> b.callTimeout(Duration.ofSeconds(1)),
        b -> b.drainTimeout(Duration.ZERO),
        b -> b.executor(Runnable::run),
        b -> b.scheduler(scheduler),
        b -> b.clock(NanoClock.system()));
    List<String> fields = List.of("quota", "usedWeightBandwidth", "concurrency", "retry", "circuitBreaker", "queue(LOW)",
        "defaultDeadline", "callTimeout", "drainTimeout", "executor", "scheduler", "clock");
    for (int i = 0; i < setters.size(); i++) {
      BatchEngine.Builder<String, String> b = builder();
      setters.get(i).accept(b);
      Consumer<BatchEngine.Builder<String, String>> again = setters.get(i);
      assertThatThrownBy(() -> again.accept(b)).isInstanceOf(IllegalStateException.class)
          .hasMessage(fields.get(i) + " was already set");
    }
    BatchEngine.Builder<String, String> queues = builder().queue(Priority.HIGH, 1).queue(Priority.NORMAL, 1);
    assertThat(queues).isNotNull(); // one value per priority
  }

  @Test
  void badValuesAreRefusedWithTheFieldAndTheValue() {
    assertThatThrownBy(() -> builder().queue(Priority.LOW, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("queue(LOW) capacity must be positive: 0");
    assertThatThrownBy(() -> builder().defaultDeadline(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("defaultDeadline must be positive: PT-1S");
    assertThatThrownBy(() -> builder().callTimeout(Duration.ZERO)).hasMessage("callTimeout must be positive: PT0S");
    assertThatThrownBy(() -> builder().drainTimeout(Duration.ofMillis(-1))).hasMessage("drainTimeout must not be negative: PT-0.001S");
    assertThatThrownBy(() -> builder().quota(limiter, " ")).hasMessage("key must not be blank: ' '");
    assertThatThrownBy(() -> builder().usedWeightBandwidth(Bandwidth.perWindow(10, Duration.ofSeconds(1))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("usedWeightBandwidth needs a bandwidth with an id");
    assertThatThrownBy(() -> Concurrency.adaptive(4, 2)).hasMessage("max must be at least min (4): 2");
    assertThatThrownBy(() -> Concurrency.fixed(0)).hasMessage("limit must be positive: 0");
    assertThatThrownBy(() -> Retry.exponential(0, Duration.ofMillis(1))).hasMessage("maxAttempts must be positive: 0");
    assertThatThrownBy(() -> Retry.exponential(2, Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .hasMessage("maxBackoff must not be shorter than firstBackoff (PT2S): PT1S");
    assertThatThrownBy(() -> CircuitBreaker.of(3, Duration.ZERO)).hasMessage("openDuration must be positive: PT0S");
    assertThatThrownBy(() -> BatchRequest.of(List.of("A")).deadline(Duration.ZERO)).hasMessage("deadline must be positive: PT0S");
  }

  @Test
  void nullsAreRefusedNamingTheArgument() {
    assertThatThrownBy(() -> BatchEngine.builder(null, source)).hasMessage("namespace");
    assertThatThrownBy(() -> BatchEngine.builder(ns, null)).hasMessage("source");
    assertThatThrownBy(() -> builder().quota(null, "ip-1")).hasMessage("limiter");
    assertThatThrownBy(() -> builder().quota(limiter, null)).hasMessage("key");
    assertThatThrownBy(() -> builder().executor(null)).hasMessage("executor");
    assertThatThrownBy(() -> builder().queue(null, 1)).hasMessage("priority");
    assertThatThrownBy(() -> builder().defaultDeadline(null)).hasMessage("defaultDeadline");
    assertThatThrownBy(() -> BatchRequest.of(null)).hasMessage("keys");
    assertThatThrownBy(() -> BatchRequest.of(Arrays.asList("A", null))).hasMessage("key in keys");
    assertThatThrownBy(() -> BatchRequest.of(List.of("A")).priority(null)).hasMessage("priority");
  }

  @Test
  void combinationsAreCheckedAtBuild() {
    assertThatThrownBy(() -> builder().usedWeightBandwidth(weight).build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("usedWeightBandwidth needs quota(limiter, key): the figures are synced there");
    Source<String, String> noKeys = new Fixtures.ScriptedSource(0, 1);
    assertThatThrownBy(() -> BatchEngine.builder(ns, noKeys).build()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("source 'scripted': maxKeysPerCall must be at least 1: 0");
  }

  @Test
  void theBuilderIsReusableAndTheEngineDescribesItself() {
    BatchEngine.Builder<String, String> b = builder().quota(limiter, "ip-1").usedWeightBandwidth(weight);
    try (BatchEngine<String, String> one = b.build(); BatchEngine<String, String> two = b.build()) {
      assertThat(one).isNotSameAs(two);
      assertThat(one.toString()).isEqualTo("BatchEngine[source=scripted, namespace=prices, Concurrency.adaptive(2, 32), "
          + "Retry.exponential(3, PT0.1S, PT10S), CircuitBreaker.of(5, PT10S), quota binance/ip-1, queues 10000/10000/10000]");
    }
  }

  @Test
  void aRequestKeepsDistinctKeysInOrderAndIsImmutable() {
    BatchRequest<String> request = BatchRequest.of(List.of("B", "A", "B"));
    BatchRequest<String> high = request.priority(Priority.HIGH).deadline(Duration.ofSeconds(2));
    assertThat(request.keys()).containsExactly("B", "A");
    assertThat(request.priority()).isEqualTo(Priority.NORMAL);
    assertThat(request.deadline()).isEmpty();
    assertThat(high.priority()).isEqualTo(Priority.HIGH);
    assertThat(high.deadline()).contains(Duration.ofSeconds(2));
    assertThat(high.toString()).isEqualTo("BatchRequest[2 keys, HIGH, deadline PT2S]");
  }
}
