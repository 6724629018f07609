package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two caches ("nodes") sharing a tier and an in-process bus. */
class InvalidationTest {
  private final FakeTicker ticker = new FakeTicker();
  private final ByteMapTier shared = new ByteMapTier("shared", ticker);
  private final InvalidationBus bus = InvalidationBus.inProcess();
  private final Map<String, String> source = new ConcurrentHashMap<>();
  private final NamespaceSpec<String, String> spec =
      NamespaceSpec.builder("accounts", String.class, String.class)
          .ttl(TtlProfile.ACCOUNT)
          .loader(source::get)
          .build();
  private final TieredCache a = node("A");
  private final TieredCache b = node("B");

  private TieredCache node(String id) {
    return TieredCache.builder().nodeId(id).ticker(ticker).tier(shared).invalidationBus(new SharedBusView(bus)).namespace(spec).build();
  }

  @AfterEach
  void close() {
    a.close();
    b.close();
    bus.close();
  }

  @Test
  void putOnOneNodeDropsTheOtherNodesInProcessCopy() {
    source.put("acct", "balance=1");
    assertThat(b.namespace(spec).get("acct")).isEqualTo("balance=1");
    a.namespace(spec).put("acct", "balance=2");
    assertThat(b.namespace(spec).getIfPresent("acct")).isNull();
    assertThat(b.namespace(spec).get("acct")).isEqualTo("balance=2");
  }

  @Test
  void invalidateRemovesFromEveryTierAndEveryNode() {
    source.put("acct", "v1");
    a.namespace(spec).get("acct");
    b.namespace(spec).get("acct");
    source.put("acct", "v2");
    a.namespace(spec).invalidate("acct");
    assertThat(shared.raw("accounts", "acct")).isNull();
    assertThat(a.namespace(spec).getIfPresent("acct")).isNull();
    assertThat(b.namespace(spec).getIfPresent("acct")).isNull();
    assertThat(b.namespace(spec).get("acct")).isEqualTo("v2");
  }

  @Test
  void invalidateAllOfANamespaceReachesOtherNodes() {
    source.put("x", "1");
    source.put("y", "2");
    b.namespace(spec).getAll(List.of("x", "y"));
    a.namespace(spec).invalidateAll();
    assertThat(b.namespace(spec).estimatedSize()).isZero();
    assertThat(shared.data).isEmpty();
  }

  @Test
  void listenersSeeEveryEventWithItsOrigin() throws Exception {
    List<InvalidationEvent> seen = new CopyOnWriteArrayList<>();
    try (AutoCloseable subscription = b.addInvalidationListener(seen::add)) {
      a.namespace(spec).invalidateAll(List.of("p", "q"));
      b.namespace(spec).invalidate("r");
    }
    a.namespace(spec).invalidate("after-unsubscribe");
    assertThat(seen).containsExactly(
        InvalidationEvent.ofKeys("accounts", List.of("p", "q"), "A"),
        InvalidationEvent.ofKeys("accounts", List.of("r"), "B"));
  }

  @Test
  void possiblyLostEventsClearTheInProcessTier() {
    source.put("acct", "v1");
    b.namespace(spec).get("acct");
    // Another node changed the shared tier but its event never arrived.
    shared.data.clear();
    source.put("acct", "v2");
    assertThat(b.namespace(spec).get("acct")).isEqualTo("v1");
    SharedBusView.signalLoss(bus);
    assertThat(b.namespace(spec).get("acct")).isEqualTo("v2");
  }

  /** Lets several caches share one bus without each closing it. */
  private static final class SharedBusView implements InvalidationBus {
    private static final Map<InvalidationBus, List<InvalidationListener>> LISTENERS = new ConcurrentHashMap<>();
    private final InvalidationBus bus;

    SharedBusView(InvalidationBus bus) {
      this.bus = bus;
    }

    static void signalLoss(InvalidationBus bus) {
      LISTENERS.getOrDefault(bus, List.of()).forEach(InvalidationListener::onEventsPossiblyLost);
    }

    @Override
    public void publish(InvalidationEvent event) {
      bus.publish(event);
    }

    @Override
    public Subscription subscribe(InvalidationListener listener) {
      LISTENERS.computeIfAbsent(bus, k -> new CopyOnWriteArrayList<>()).add(listener);
      Subscription inner = bus.subscribe(listener);
      return () -> {
        LISTENERS.get(bus).remove(listener);
        inner.close();
      };
    }
  }
}
