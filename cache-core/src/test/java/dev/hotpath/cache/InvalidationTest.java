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
    // b's write-back lands before a's put. Landing after it, it would replace a's value in this
    // tier, whose fills are puts, unless a's event reached b before b's check after the fill
    // (the Redis tier refuses such fills itself; see NamespaceStore#fill).
    Loads.awaitSettled(b);
    a.namespace(spec).put("acct", "balance=2");
    Buses.awaitDelivered(bus);
    assertThat(b.namespace(spec).getIfPresent("acct")).isNull();
    assertThat(b.namespace(spec).get("acct")).isEqualTo("balance=2");
  }

  @Test
  void invalidateRemovesFromEveryTierAndEveryNode() {
    source.put("acct", "v1");
    a.namespace(spec).get("acct");
    b.namespace(spec).get("acct");
    Loads.awaitSettled(a); // their write-backs land before the invalidation (as above)
    Loads.awaitSettled(b);
    assertThat(shared.raw("accounts", "acct")).isNotNull();
    source.put("acct", "v2");
    a.namespace(spec).invalidate("acct");
    Buses.awaitDelivered(bus);
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
    Loads.awaitSettled(b); // b's write-backs land before the invalidation, not after it
    a.namespace(spec).invalidateAll();
    Buses.awaitDelivered(bus);
    assertThat(b.namespace(spec).estimatedSize()).isZero();
    assertThat(shared.data).isEmpty();
  }

  @Test
  void listenersSeeEveryEventWithItsOrigin() throws Exception {
    List<InvalidationEvent> seen = new CopyOnWriteArrayList<>();
    try (AutoCloseable subscription = b.addInvalidationListener(seen::add)) {
      a.namespace(spec).invalidateAll(List.of("p", "q"));
      b.namespace(spec).invalidate("r");
      Buses.awaitDelivered(bus);
    }
    a.namespace(spec).invalidate("after-unsubscribe");
    Buses.awaitDelivered(bus);
    assertThat(seen).containsExactly(
        InvalidationEvent.ofKeys("accounts", List.of("p", "q"), "A"),
        InvalidationEvent.ofKeys("accounts", List.of("r"), "B"));
  }

  @Test
  void possiblyLostEventsClearTheInProcessTier() {
    source.put("acct", "v1");
    b.namespace(spec).get("acct");
    Loads.awaitSettled(b); // its write-back landed before the change below
    // Another node changed the shared tier but its event never arrived.
    shared.data.clear();
    source.put("acct", "v2");
    assertThat(b.namespace(spec).get("acct")).isEqualTo("v1");
    SharedBusView.signalLoss(bus);
    assertThat(b.namespace(spec).get("acct")).isEqualTo("v2");
  }

  /**
   * Only a namespace another node can hold (stored in a shared tier, or asking for it) publishes
   * to other nodes; a namespace kept in process tells this process's listeners only.
   */
  @Test
  void onlyNamespacesOtherNodesCanHoldPublishAcrossNodes() {
    RecordingBus recording = new RecordingBus();
    NamespaceSpec<String, String> local =
        NamespaceSpec.builder("local", String.class, String.class).ttl(TtlProfile.MARKET_PRICE).build();
    NamespaceSpec<String, String> asked =
        NamespaceSpec.builder("asked", String.class, String.class).ttl(TtlProfile.MARKET_PRICE)
            .crossNodeInvalidation().build();
    try (TieredCache cache = TieredCache.builder().nodeId("A").ticker(ticker).tier(shared)
        .invalidationBus(recording).namespace(spec).namespace(local).namespace(asked).build()) {
      cache.namespace(local).put("k", "v");
      cache.namespace(asked).put("k", "v");
      cache.namespace(spec).put("k", "v");
      cache.namespace(local).invalidateAll();
    }
    assertThat(recording.published).containsExactly(
        "local: InvalidationEvent[local, [k], from A]",
        "all: InvalidationEvent[asked, [k], from A]",
        "all: InvalidationEvent[accounts, [k], from A]",
        "local: InvalidationEvent[local, *, from A]");
  }

  /** A loss of unknown extent clears what other nodes publish; a loss of named namespaces clears those. */
  @Test
  void aLostEventClearsOnlyTheNamespacesItCouldHaveTouched() {
    RecordingBus recording = new RecordingBus();
    NamespaceSpec<String, String> local =
        NamespaceSpec.builder("local", String.class, String.class).ttl(TtlProfile.API_RESPONSE).build();
    NamespaceSpec<String, String> asked =
        NamespaceSpec.builder("asked", String.class, String.class).ttl(TtlProfile.API_RESPONSE)
            .crossNodeInvalidation().build();
    try (TieredCache cache = TieredCache.builder().ticker(ticker).tier(shared)
        .invalidationBus(recording).namespace(spec).namespace(local).namespace(asked).build()) {
      List<Namespace<String, String>> all = List.of(cache.namespace(spec), cache.namespace(local), cache.namespace(asked));
      all.forEach(ns -> ns.put("k", "v"));

      recording.listener.onEventsPossiblyLost();
      assertThat(cache.namespace(spec).getIfPresent("k")).as("stored in a shared tier").isNull();
      assertThat(cache.namespace(asked).getIfPresent("k")).as("asked for cross-node invalidation").isNull();
      assertThat(cache.namespace(local).getIfPresent("k")).as("kept in process").isEqualTo("v");

      all.forEach(ns -> ns.put("k", "v"));
      recording.listener.onEventsPossiblyLost(java.util.Set.of("local", "not-here"));
      assertThat(cache.namespace(local).getIfPresent("k")).isNull();
      assertThat(cache.namespace(spec).getIfPresent("k")).isEqualTo("v");
      assertThat(cache.namespace(asked).getIfPresent("k")).isEqualTo("v");
    }
  }

  /**
   * A listener that blocks holds the delivery thread, never the publisher; once the bounded queue
   * is full, further events are dropped and replaced by one whole-namespace event per namespace
   * and origin, so the other caches clear those namespaces (and only those) instead of keeping a
   * stale copy, and the writer keeps its current one.
   */
  @Test
  void aBlockedListenerNeverBlocksPublishAndAnOverflowClearsTheNamespacesThatLostEvents() throws Exception {
    InProcessInvalidationBus small = new InProcessInvalidationBus(4);
    NamespaceSpec<String, String> quotes =
        NamespaceSpec.builder("quotes", String.class, String.class).ttl(TtlProfile.API_RESPONSE).build();
    NamespaceSpec<String, String> symbols =
        NamespaceSpec.builder("symbols", String.class, String.class).ttl(TtlProfile.API_RESPONSE).build();
    java.util.concurrent.CountDownLatch blocked = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    List<InvalidationEvent> seen = new CopyOnWriteArrayList<>();
    small.subscribe(new InvalidationListener() {
      @Override
      public void onInvalidation(InvalidationEvent event) {
        seen.add(event);
        if (!event.keys().equals(List.of("q0"))) {
          return;
        }
        blocked.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    });
    try (TieredCache writer = TieredCache.builder().nodeId("W").invalidationBus(new SharedBusView(small))
            .namespace(quotes).namespace(symbols).build();
        TieredCache reader = TieredCache.builder().nodeId("R").invalidationBus(new SharedBusView(small))
            .namespace(quotes).namespace(symbols).build()) {
      reader.namespace(symbols).put("s", "kept");
      Buses.awaitDelivered(small);
      reader.namespace(quotes).put("q0", "old");
      assertThat(blocked.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      // The listener now holds the delivery thread. A publisher blocked by it would never finish.
      Thread publisher = new Thread(() -> {
        for (int i = 0; i < 100; i++) {
          writer.namespace(quotes).put("q" + i, "new");
        }
      });
      publisher.start();
      publisher.join(20_000);
      assertThat(publisher.isAlive()).as("publish waited for the blocked listener").isFalse();
      assertThat(small.droppedEvents()).isPositive();
      assertThat(reader.namespace(quotes).getIfPresent("q0")).as("not told yet").isEqualTo("old");

      release.countDown();
      Buses.awaitDelivered(small);
      assertThat(seen).last().isEqualTo(InvalidationEvent.ofNamespace("quotes", "W"));
      assertThat(seen).filteredOn(InvalidationEvent::isWholeNamespace).hasSize(1);
      assertThat(reader.namespace(quotes).getIfPresent("q0")).isNull();
      assertThat(reader.namespace(symbols).getIfPresent("s")).isEqualTo("kept");
      assertThat(writer.namespace(quotes).getIfPresent("q99")).as("the writer's own copy").isEqualTo("new");
    } finally {
      release.countDown();
      small.close();
    }
  }

  /** Records what a cache publishes, and how; holds the cache's listener. */
  private static final class RecordingBus implements InvalidationBus {
    final List<String> published = new CopyOnWriteArrayList<>();
    InvalidationListener listener;

    @Override
    public void publish(InvalidationEvent event) {
      published.add("all: " + event);
    }

    @Override
    public void publishLocally(InvalidationEvent event) {
      published.add("local: " + event);
    }

    @Override
    public Subscription subscribe(InvalidationListener listener) {
      this.listener = listener;
      return () -> {};
    }
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
