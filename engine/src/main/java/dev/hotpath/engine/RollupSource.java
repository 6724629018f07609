package dev.hotpath.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A {@link Source} of candle series ({@link SeriesKey}: symbol and timeframe) that fetches only 1m
 * candles and derives every other timeframe from them with {@link CandleRollup}. A fetch of keys
 * of several timeframes fetches each symbol's 1m candles once, so a cold pass over S symbols × 6
 * timeframes makes S calls of the 1m source instead of 6·S.
 *
 * <pre>{@code
 * Source<String, List<Candle>> oneMinute = ...; // e.g. the last 1,000 1m klines of a symbol
 * RollupSource candles = RollupSource.builder(oneMinute).clock(clock).build();
 * candles.fetch(List.of(SeriesKey.parse("BTCUSDT:1m"), SeriesKey.parse("BTCUSDT:1h"))); // one 1m call
 * }</pre>
 *
 * <p><b>Calls and weight.</b> One {@link #fetch} groups its keys by symbol and calls the 1m source
 * for the distinct symbols, {@code oneMinute.maxKeysPerCall()} symbols per call, all calls at
 * once; {@link #weight} is the sum of the 1m source's weights for those calls. The saving needs a
 * symbol's timeframes to reach the same fetch: list keys symbol by symbol (every timeframe of
 * BTCUSDT, then of ETHUSDT, …) and keep {@link #maxKeysPerCall()} a multiple of the number of
 * timeframes (the default, 60, holds the six standard timeframes of ten symbols). A symbol whose
 * keys are split between two fetches is fetched by both.
 *
 * <p><b>How many 1m candles a timeframe needs.</b> The 1m source decides how far back it reaches
 * (its lookback, say the latest 1,000 minutes). N candles of timeframe T need N × T 1m candles
 * ({@code T.minutes()} each): 100 1h candles need 6,000, 100 4h candles 24,000, 100 1d candles
 * 144,000, and even today's 1d candle needs every minute since 00:00 UTC. When the 1m source
 * returns fewer, the series is shorter, never wrong at its start: the oldest bucket of each
 * timeframe is dropped when the 1m candles begin after that bucket's start (a bucket cut by the
 * lookback would report a wrong open, high, low and volume). So the latest 1,000 minutes give 1,000
 * 1m candles, 200 5m, 66 or 67 15m, 16 or 17 1h and 4 or 5 4h candles, the newest of each not
 * closed, and a 1d candle only when they reach back to 00:00 UTC. For long histories of 4h and 1d
 * candles, fetch those timeframes directly.
 * Inside the window, {@link CandleRollup}'s rules hold: a bucket with no 1m candle is skipped, a
 * bucket with some aggregates them, the bucket that holds the {@link Clock}'s now is not closed.
 *
 * <p><b>Replies.</b> A symbol the 1m source left out of its reply is left out for every timeframe
 * (not found); a symbol it returned an empty list for gets an empty list for every timeframe. A 1m
 * series that holds a candle of another timeframe, or two candles of one minute, fails the fetch
 * with an {@link IllegalArgumentException} naming the symbol (not retried by default). When one of
 * the 1m calls fails, the fetch fails with its exception; a {@link SourceRefusedException} is
 * preferred over other failures (the longest ban, then the longest wait), so the engine pauses.
 * The reply's used weight is the highest that the 1m replies reported.
 *
 * <p>Thread-safe when the 1m source is.
 */
public final class RollupSource implements Source<SeriesKey, List<Candle>> {

  /** The default {@link #maxKeysPerCall()}: the six standard timeframes of ten symbols. */
  public static final int DEFAULT_MAX_KEYS_PER_CALL = 60;

  private final Source<String, List<Candle>> oneMinute;
  private final int symbolsPerCall;
  private final Clock clock;
  private final int maxKeysPerCall;
  private final String name;

  private RollupSource(Builder builder) {
    this.oneMinute = builder.oneMinute;
    this.symbolsPerCall = builder.symbolsPerCall;
    this.clock = builder.clock == null ? Clock.systemUTC() : builder.clock;
    this.maxKeysPerCall = builder.maxKeysPerCall == 0 ? DEFAULT_MAX_KEYS_PER_CALL : builder.maxKeysPerCall;
    this.name = oneMinute.name() + "-rollup";
  }

  /**
   * A builder of a roll-up over {@code oneMinute}, a source of each symbol's 1m candles. Its
   * {@code maxKeysPerCall()} is read once, here.
   *
   * @throws IllegalArgumentException when {@code oneMinute.maxKeysPerCall()} is not positive
   */
  public static Builder builder(Source<String, List<Candle>> oneMinute) {
    return new Builder(oneMinute);
  }

  /** A roll-up over {@code oneMinute} with the system's UTC clock and the default key count. */
  public static RollupSource over(Source<String, List<Candle>> oneMinute) {
    return builder(oneMinute).build();
  }

  /** The 1m source's name followed by {@code -rollup}. */
  @Override
  public String name() {
    return name;
  }

  @Override
  public int maxKeysPerCall() {
    return maxKeysPerCall;
  }

  /** The 1m source's weight for the calls a fetch of {@code keys} makes (its distinct symbols). */
  @Override
  public long weight(List<SeriesKey> keys) {
    long weight = 0;
    for (List<String> symbols : calls(bySymbol(keys).keySet())) {
      weight = Math.addExact(weight, oneMinute.weight(symbols));
    }
    return Math.max(1, weight);
  }

  /**
   * Fetches the 1m candles of the keys' symbols, once per symbol, and derives each key's
   * timeframe from them.
   *
   * @throws IllegalArgumentException when {@code keys} is empty or holds more than {@link
   *     #maxKeysPerCall()} keys
   */
  @Override
  public CompletableFuture<SourceReply<SeriesKey, List<Candle>>> fetch(List<SeriesKey> keys) {
    Map<String, Set<Timeframe>> wanted = bySymbol(keys);
    if (keys.isEmpty() || keys.size() > maxKeysPerCall) {
      throw new IllegalArgumentException(
          "source '" + name + "' fetches 1 to " + maxKeysPerCall + " keys per call but was given " + keys.size());
    }
    List<List<String>> calls = calls(wanted.keySet());
    List<CompletableFuture<SourceReply<String, List<Candle>>>> replies = new ArrayList<>(calls.size());
    for (List<String> symbols : calls) {
      replies.add(call(symbols));
    }
    CompletableFuture<SourceReply<SeriesKey, List<Candle>>> result = new CompletableFuture<>();
    CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).whenComplete((ignored, failure) -> {
      if (failure != null) {
        result.completeExceptionally(firstFailure(replies));
        return;
      }
      try {
        result.complete(derive(wanted, calls, replies, clock.instant()));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** Asks the 1m source, after unwrapping a {@link CompletionException}. */
  @Override
  public boolean isRetryable(Throwable failure) {
    return oneMinute.isRetryable(unwrap(failure));
  }

  @Override
  public String toString() {
    return "RollupSource[" + name + ", maxKeysPerCall " + maxKeysPerCall + ", " + clock + "]";
  }

  /** The timeframes wanted per symbol, symbols in the order they first appear. */
  private static Map<String, Set<Timeframe>> bySymbol(List<SeriesKey> keys) {
    Objects.requireNonNull(keys, "keys");
    Map<String, Set<Timeframe>> wanted = new LinkedHashMap<>();
    for (SeriesKey key : keys) {
      Objects.requireNonNull(key, "keys contains null");
      wanted.computeIfAbsent(key.symbol(), s -> new TreeSet<>()).add(key.timeframe());
    }
    return wanted;
  }

  /** The symbols of each 1m call. */
  private List<List<String>> calls(Collection<String> symbols) {
    List<List<String>> calls = new ArrayList<>();
    List<String> call = new ArrayList<>(Math.min(symbolsPerCall, symbols.size()));
    for (String symbol : symbols) {
      call.add(symbol);
      if (call.size() == symbolsPerCall) {
        calls.add(List.copyOf(call));
        call.clear();
      }
    }
    if (!call.isEmpty()) {
      calls.add(List.copyOf(call));
    }
    return calls;
  }

  private CompletableFuture<SourceReply<String, List<Candle>>> call(List<String> symbols) {
    try {
      return Objects.requireNonNull(oneMinute.fetch(symbols), "the future source '" + oneMinute.name() + "' returned");
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private SourceReply<SeriesKey, List<Candle>> derive(
      Map<String, Set<Timeframe>> wanted,
      List<List<String>> calls,
      List<CompletableFuture<SourceReply<String, List<Candle>>>> replies,
      Instant now) {
    Map<SeriesKey, List<Candle>> values = new HashMap<>();
    long usedWeight = -1;
    for (int i = 0; i < calls.size(); i++) {
      SourceReply<String, List<Candle>> reply = replies.get(i).join();
      usedWeight = Math.max(usedWeight, reply.usedWeight().orElse(-1));
      for (String symbol : calls.get(i)) {
        List<Candle> minutes = reply.values().get(symbol);
        if (minutes == null) {
          continue;
        }
        List<Candle> sorted;
        try {
          sorted = CandleRollup.sorted(minutes);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "source '" + oneMinute.name() + "' returned a bad 1m series for " + symbol + ": " + e.getMessage(), e);
        }
        for (Timeframe timeframe : wanted.get(symbol)) {
          List<Candle> derived = CandleRollup.aggregate(sorted, timeframe, now);
          values.put(new SeriesKey(symbol, timeframe), withoutCutBucket(sorted, derived));
        }
      }
    }
    return usedWeight < 0 ? SourceReply.of(values) : SourceReply.of(values, usedWeight);
  }

  /** {@code derived} without its first candle when that bucket starts before the 1m data does. */
  static List<Candle> withoutCutBucket(List<Candle> sortedMinutes, List<Candle> derived) {
    if (!derived.isEmpty() && derived.get(0).openTime() < sortedMinutes.get(0).openTime()) {
      return List.copyOf(derived.subList(1, derived.size()));
    }
    return derived;
  }

  /** A refusal if any call was refused (a ban first, then the longest wait), else the first failure. */
  private static Throwable firstFailure(List<? extends CompletableFuture<?>> replies) {
    Throwable first = null;
    SourceRefusedException refusal = null;
    for (CompletableFuture<?> reply : replies) {
      Throwable failure = failureOf(reply);
      if (failure instanceof SourceRefusedException refused) {
        if (refusal == null || outranks(refused, refusal)) {
          refusal = refused;
        }
      } else if (failure != null && first == null) {
        first = failure;
      }
    }
    return refusal != null ? refusal : first;
  }

  private static boolean outranks(SourceRefusedException a, SourceRefusedException b) {
    if (a.isBan() != b.isBan()) {
      return a.isBan();
    }
    return a.retryAfter().compareTo(b.retryAfter()) > 0;
  }

  private static Throwable failureOf(CompletableFuture<?> future) {
    if (!future.isCompletedExceptionally()) {
      return null;
    }
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return unwrap(e.getCause());
    } catch (CancellationException e) {
      return e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e;
    }
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** Configures a {@link RollupSource}; every setter may be called once. Not thread-safe. */
  public static final class Builder {
    private final Source<String, List<Candle>> oneMinute;
    private final int symbolsPerCall;
    private Clock clock;
    private int maxKeysPerCall;

    private Builder(Source<String, List<Candle>> oneMinute) {
      this.oneMinute = Objects.requireNonNull(oneMinute, "oneMinute");
      this.symbolsPerCall = oneMinute.maxKeysPerCall();
      if (symbolsPerCall <= 0) {
        throw new IllegalArgumentException(
            "oneMinute.maxKeysPerCall() must be positive but was " + symbolsPerCall
                + " (source '" + oneMinute.name() + "')");
      }
    }

    /**
     * The clock whose {@code instant()} decides which buckets are closed; default {@link
     * Clock#systemUTC()}.
     *
     * @throws IllegalStateException when the clock was already set
     */
    public Builder clock(Clock clock) {
      Objects.requireNonNull(clock, "clock");
      if (this.clock != null) {
        throw new IllegalStateException("clock was already set");
      }
      this.clock = clock;
      return this;
    }

    /**
     * Most keys one fetch may carry; default {@value RollupSource#DEFAULT_MAX_KEYS_PER_CALL}. Keep it a
     * multiple of the number of timeframes you serve, so a symbol's keys stay in one fetch.
     *
     * @throws IllegalArgumentException when {@code maxKeysPerCall} is not positive
     * @throws IllegalStateException when it was already set
     */
    public Builder maxKeysPerCall(int maxKeysPerCall) {
      if (maxKeysPerCall <= 0) {
        throw new IllegalArgumentException("maxKeysPerCall must be positive but was " + maxKeysPerCall);
      }
      if (this.maxKeysPerCall != 0) {
        throw new IllegalStateException("maxKeysPerCall was already set");
      }
      this.maxKeysPerCall = maxKeysPerCall;
      return this;
    }

    /** The roll-up source; the builder may be used again. */
    public RollupSource build() {
      return new RollupSource(this);
    }
  }
}
