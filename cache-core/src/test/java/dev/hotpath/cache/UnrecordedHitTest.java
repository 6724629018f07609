package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Most in-process hits are read without being recorded in Caffeine's policy
 * ({@link MemoryTierStore#recordOneIn()}): such a read must still honour expiry, and the size
 * bound must still keep the keys read often.
 */
class UnrecordedHitTest {
  private static final int READS = 1_000;

  @Test
  void anExpiredEntryIsNeverServedByAHit() {
    FakeTicker ticker = new FakeTicker();
    AtomicInteger loads = new AtomicInteger();
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("quiet-expiry", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).build())
        .loader(key -> key + "-" + loads.incrementAndGet())
        .build();
    // Loads complete in the caller. On a pool, a reader woken by a load's completion can return
    // before Caffeine's own completion callback, which starts the entry's TTL from the clock as it
    // reads it then; this test moved the fake clock two minutes inside that window once (the
    // entry, loaded at minute 2, was still served at minute 4).
    try (TieredCache cache = TieredCache.builder().ticker(ticker).executor(Runnable::run).namespace(spec).build()) {
      Namespace<String, String> namespace = cache.namespace(spec);
      for (int i = 0; i < READS; i++) {
        assertThat(namespace.get("k")).isEqualTo("k-1");
      }
      ticker.advance(Duration.ofMinutes(2));
      for (int i = 0; i < READS; i++) {
        assertThat(namespace.get("k")).isEqualTo("k-2");
      }
      ticker.advance(Duration.ofMinutes(2));
      for (int i = 0; i < READS; i++) {
        assertThat(namespace.getIfPresent("k")).isNull();
      }
      assertThat(loads).hasValue(2);
    }
  }

  @Test
  void theSizeBoundKeepsTheKeysReadOften() {
    int bound = 100;
    int hotKeys = 20;
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("quiet-eviction", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).build())
        .maximumSize(bound)
        .build();
    // Maintenance in the caller's thread: every recorded read and every eviction is done when a call returns.
    try (TieredCache cache = TieredCache.builder().executor(Runnable::run).namespace(spec).build()) {
      Namespace<String, String> namespace = cache.namespace(spec);
      for (int k = 0; k < hotKeys; k++) {
        namespace.put("hot" + k, "v");
      }
      for (int i = 0; i < 400; i++) {
        for (int k = 0; k < hotKeys; k++) {
          assertThat(namespace.get("hot" + k)).isEqualTo("v");
        }
      }
      for (int k = 0; k < 20 * bound; k++) {
        namespace.put("cold" + k, "v");
      }
      int kept = 0;
      for (int k = 0; k < hotKeys; k++) {
        if (namespace.getIfPresent("hot" + k) != null) {
          kept++;
        }
      }
      // Recency alone (every read unrecorded) would keep none of them after 2,000 newer keys.
      assertThat(kept).isGreaterThanOrEqualTo(hotKeys * 3 / 4);
    }
  }

  /**
   * The policy sees only some hits: on a skewed workload that evicts, a namespace must still keep
   * at least 96 % of the hits of a plain Caffeine with the same bound, which sees every read
   * (maintenance in the caller for both, so Caffeine drops none). The same trace (Zipf-like,
   * exponent 0.9, over ten times as many keys as the bound) is read through both, a miss put back.
   * This guards against too few recorded reads; the switch to {@link
   * MemoryTierStore#RECORD_ONE_IN_ONCE_EVICTED} is checked by {@link
   * #moreHitsAreRecordedOnceTheSizeBoundHasEvicted}.
   */
  @Test
  void aSkewedWorkloadHitsAboutAsOftenAsCaffeineRecordingEveryRead() {
    int keyCount = 10_000;
    int bound = 1_000;
    String[] keys = new String[keyCount];
    for (int k = 0; k < keyCount; k++) {
      keys[k] = "k" + k;
    }
    int[] trace = zipfTrace(keyCount, 0.9, 400_000, new Random(42));
    Cache<String, String> caffeine = Caffeine.newBuilder().maximumSize(bound).executor(Runnable::run).build();
    int caffeineHits = hits(trace, keys, caffeine::getIfPresent, caffeine::put);
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("quiet-hit-rate", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).build())
        .maximumSize(bound)
        .build();
    try (TieredCache cache = TieredCache.builder().executor(Runnable::run).namespace(spec).build()) {
      Namespace<String, String> namespace = cache.namespace(spec);
      int namespaceHits = hits(trace, keys, namespace::getIfPresent, namespace::put);
      // 97.9-101.0 % in 15 runs (one in 32 until the first eviction); 92 % with no hit recorded.
      assertThat(namespaceHits).isGreaterThanOrEqualTo(caffeineHits * 96 / 100);
    }
  }

  private static int hits(int[] trace, String[] keys, Function<String, String> read, BiConsumer<String, String> put) {
    int hits = 0;
    for (int k : trace) {
      if (read.apply(keys[k]) != null) {
        hits++;
      } else {
        put.accept(keys[k], "v");
      }
    }
    return hits;
  }

  /** {@code length} key indexes in [0, keyCount), index i drawn with weight 1 / (i + 1)^exponent. */
  private static int[] zipfTrace(int keyCount, double exponent, int length, Random random) {
    double[] cumulative = new double[keyCount];
    double sum = 0;
    for (int i = 0; i < keyCount; i++) {
      sum += 1 / Math.pow(i + 1, exponent);
      cumulative[i] = sum;
    }
    int[] trace = new int[length];
    for (int j = 0; j < length; j++) {
      int found = Arrays.binarySearch(cumulative, random.nextDouble() * sum);
      trace[j] = found >= 0 ? found : -found - 1; // below keyCount: the draw is below sum
    }
    return trace;
  }

  /**
   * One hit in {@link MemoryTierStore#RECORD_ONE_IN} is recorded until the size bound evicts, one in
   * {@link MemoryTierStore#RECORD_ONE_IN_ONCE_EVICTED} from then on; counted as Caffeine's
   * hand-overs of its maintenance, one per 16 recorded reads (a read buffer's worth) when it runs
   * in the caller. Expected 500 and 2,000 per 256,000 hits, give or take 6 and 11 (one standard
   * deviation); with the eviction ignored, 504 after it.
   */
  @Test
  void moreHitsAreRecordedOnceTheSizeBoundHasEvicted() {
    RateProbe probe = new RateProbe();
    try (TieredCache cache = probe.cache()) {
      Namespace<String, String> namespace = cache.namespace(RateProbe.SPEC);
      probe.put(namespace, "k", RateProbe.BOUND / 2);
      int before = probe.handOversOfReads(namespace);
      probe.put(namespace, "new", 2 * RateProbe.BOUND);
      assertThat(namespace.stats().evictions()).isPositive();
      int after = probe.handOversOfReads(namespace);
      assertThat(before).isBetween(RateProbe.expected(MemoryTierStore.RECORD_ONE_IN, 80),
          RateProbe.expected(MemoryTierStore.RECORD_ONE_IN, 120));
      assertThat(after).isBetween(RateProbe.expected(MemoryTierStore.RECORD_ONE_IN_ONCE_EVICTED, 80),
          RateProbe.expected(MemoryTierStore.RECORD_ONE_IN_ONCE_EVICTED, 120));
    }
  }

  /** Entries removed because they expired are not evicted by the size bound: the share stays. */
  @Test
  void expiriesDoNotRaiseTheShareOfHitsRecorded() {
    RateProbe probe = new RateProbe();
    try (TieredCache cache = probe.cache()) {
      Namespace<String, String> namespace = cache.namespace(RateProbe.SPEC);
      probe.put(namespace, "old", RateProbe.BOUND / 2);
      probe.ticker.advance(RateProbe.TTL.multipliedBy(2));
      // Their maintenance removes the expired ones (the eviction listener hears of them, and a
      // variant raising the share on any eviction cause failed here); had it not, the size bound
      // would evict, which would raise the share as it should.
      probe.put(namespace, "new", RateProbe.BOUND * 3 / 4);
      assertThat(namespace.inProcessKeys()).hasSize(RateProbe.BOUND * 3 / 4).allMatch(key -> key.startsWith("new"));
      assertThat(probe.handOversOfReads(namespace)).isBetween(RateProbe.expected(MemoryTierStore.RECORD_ONE_IN, 80),
          RateProbe.expected(MemoryTierStore.RECORD_ONE_IN, 120));
    }
  }

  /** A bounded namespace on a fake clock whose maintenance is counted as it runs in the caller. */
  private static final class RateProbe {
    static final int BOUND = 1_000;
    static final int READS = 256_000;
    static final Duration TTL = Duration.ofMinutes(1);
    static final NamespaceSpec<String, String> SPEC = NamespaceSpec.builder("quiet-rate", String.class, String.class)
        .ttl(TtlProfile.builder().l1(TTL).build())
        .maximumSize(BOUND)
        .build();

    final FakeTicker ticker = new FakeTicker();
    final AtomicInteger handedOver = new AtomicInteger();

    TieredCache cache() {
      return TieredCache.builder()
          .ticker(ticker)
          .executor(task -> {
            handedOver.incrementAndGet();
            task.run();
          })
          .namespace(SPEC)
          .build();
    }

    void put(Namespace<String, String> namespace, String prefix, int count) {
      for (int k = 0; k < count; k++) {
        namespace.put(prefix + k, "v");
      }
    }

    /** Hand-overs counted while {@link #READS} hits of the keys held, round robin, are read. */
    int handOversOfReads(Namespace<String, String> namespace) {
      List<String> keys = new ArrayList<>(namespace.inProcessKeys());
      handedOver.set(0);
      for (int i = 0; i < READS; i++) {
        assertThat(namespace.get(keys.get(i % keys.size()))).isEqualTo("v");
      }
      return handedOver.get();
    }

    /** {@code percent} % of the hand-overs expected when one hit in {@code oneIn} is recorded. */
    static int expected(int oneIn, int percent) {
      return READS / oneIn / 16 * percent / 100;
    }
  }

  @Test
  void aBulkReadRecordsOneReadBuffersWorthAndHandsCaffeinesMaintenanceOverOnce() {
    int keys = 10_000;
    AtomicInteger handedOver = new AtomicInteger();
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("quiet-bulk", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).build())
        .maximumSize(2 * keys)
        .build();
    // Counts what Caffeine hands the executor and runs it at once, so every hand-off drains the
    // buffers and the next full read buffer would hand over again.
    try (TieredCache cache = TieredCache.builder()
        .executor(task -> {
          handedOver.incrementAndGet();
          task.run();
        })
        .namespace(spec)
        .build()) {
      Namespace<String, String> namespace = cache.namespace(spec);
      Map<String, String> entries = new LinkedHashMap<>();
      for (int k = 0; k < keys; k++) {
        entries.put("k" + k, "v" + k);
      }
      namespace.putAll(entries);
      List<String> all = new ArrayList<>(entries.keySet());
      for (int round = 0; round < 3; round++) {
        handedOver.set(0);
        // 16 recorded reads of 10,000: the one that fills the read buffer asks for one drain.
        // Recording one read in RECORD_ONE_IN would hand over 10,000 / RECORD_ONE_IN / 16 times.
        Map<String, String> read = namespace.async().getAllIfInProcess(all);
        assertThat(read).isEqualTo(entries);
        assertThat(handedOver).hasValue(1);
        handedOver.set(0);
        assertThat(namespace.getAll(all)).isEqualTo(entries);
        assertThat(handedOver).hasValue(1);
      }
    }
  }

  /**
   * A bulk read of {@code hotKeys} picks up to {@link MemoryTierStore#RECORDED_PER_BULK_READ} of
   * its keys (15 or 16 here), every {@code stride}-th from a random start, and records them after the read; the thread's
   * single reads before it leave 0 to 15 of the read buffer's 16 slots taken, so about 8.5 of them
   * reach the policy per round, and about 8.5 reads of each key over {@code 16 * stride} rounds
   * (two or fewer: 0.9 %). That is more than the three writes of each newer key below, whose
   * frequency beats only that of a key few reads were credited to. Keys early and late in the read
   * must fare alike.
   */
  @ParameterizedTest
  @ValueSource(ints = {1_000, 5_000})
  void theSizeBoundKeepsTheKeysBulkReadsReadOftenWhateverTheirPlaceInTheRead(int bound) {
    int hotKeys = bound / 2;
    // The reads come before any eviction.
    int stride = MemoryTierStore.BulkReadSample.stride(hotKeys, MemoryTierStore.RECORD_ONE_IN);
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("quiet-bulk-eviction", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofHours(1)).build())
        .maximumSize(bound)
        .build();
    Random random = new Random(bound);
    try (TieredCache cache = TieredCache.builder().executor(Runnable::run).namespace(spec).build()) {
      Namespace<String, String> namespace = cache.namespace(spec);
      Map<String, String> hot = new LinkedHashMap<>();
      for (int k = 0; k < hotKeys; k++) {
        hot.put("hot" + k, "v");
      }
      namespace.putAll(hot);
      namespace.put("single", "v");
      List<String> order = new ArrayList<>(hot.keySet());
      for (int round = 0; round < 16 * stride; round++) {
        // Single reads, one in RECORD_ONE_IN recorded (16 on average): the read buffer, drained
        // each time it fills, holds 0 to 15 of them when the bulk read starts.
        for (int i = random.nextInt(32 * MemoryTierStore.RECORD_ONE_IN); i > 0; i--) {
          namespace.get("single");
        }
        assertThat(namespace.async().getAllIfInProcess(order)).isEqualTo(hot);
      }
      for (int k = 0; k < bound; k++) {
        namespace.put("new" + k, "v");
        namespace.put("new" + k, "w");
        namespace.put("new" + k, "x");
      }
      int quarter = hotKeys / 4;
      // Recording each bulk read's sample in the read's order credited the last quarter about 2.5
      // reads (at one hit in 8 recorded; at one in 16, which gives the same strides and about as
      // many recorded single reads as 32 does, this fails at bound 5,000, not at 1,000).
      assertThat(kept(namespace, order.subList(0, quarter))).isGreaterThanOrEqualTo(quarter * 9 / 10);
      assertThat(kept(namespace, order.subList(hotKeys - quarter, hotKeys))).isGreaterThanOrEqualTo(quarter * 9 / 10);
      assertThat(kept(namespace, order)).isGreaterThanOrEqualTo(hotKeys * 95 / 100);
    }
  }

  private static int kept(Namespace<String, String> namespace, List<String> keys) {
    int kept = 0;
    for (String key : keys) {
      if (namespace.getIfPresent(key) != null) {
        kept++;
      }
    }
    return kept;
  }

  @Test
  void aBulkReadReadsTheClockAsOftenForAThousandKeysAsForOne() {
    int keys = 1_000;
    AtomicInteger clockReads = new AtomicInteger();
    Map<String, String> entries = new LinkedHashMap<>();
    for (int k = 0; k < keys; k++) {
      entries.put("k" + k, "v" + k);
    }
    List<String> all = new ArrayList<>(entries.keySet());
    NamespaceSpec<String, String> spec = NamespaceSpec.builder("one-instant", String.class, String.class)
        .ttl(TtlProfile.builder().l1(Duration.ofMinutes(1)).build())
        .build();
    Thread reader = Thread.currentThread();
    // The reader's own readings: maintenance runs on the executor's thread and reads the clock too.
    Ticker counted = () -> {
      if (Thread.currentThread() == reader) {
        clockReads.incrementAndGet();
      }
      return System.nanoTime();
    };
    ExecutorService maintenance = Executors.newSingleThreadExecutor();
    try (TieredCache cache = TieredCache.builder().ticker(counted).executor(maintenance).namespace(spec).build()) {
      Namespace<String, String> namespace = cache.namespace(spec);
      namespace.putAll(entries);
      clockReads.set(0);
      assertThat(namespace.async().getAllIfInProcess(all.subList(0, 1))).hasSize(1);
      int forOne = clockReads.getAndSet(0);
      assertThat(namespace.async().getAllIfInProcess(all)).isEqualTo(entries);
      // Caffeine reads the clock per lookup of an entry that can expire: 1,000 more times before.
      assertThat(clockReads).hasValue(forOne);
      clockReads.set(0);
      assertThat(namespace.getAll(all)).isEqualTo(entries);
      assertThat(clockReads).hasValue(forOne);
    } finally {
      maintenance.shutdownNow();
    }
  }
}
