package dev.hotpath.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the batch engine fetches what the cache does not hold: an exchange's REST API, a database,
 * another service. One call may fetch several keys where the API allows it ({@link
 * #maxKeysPerCall()}), and each call costs {@link #weight} permits of the engine's rate limiter,
 * taken before the call is made.
 *
 * <p>A call that the source's server refused for rate reasons completes exceptionally with a
 * {@link SourceRefusedException} (HTTP 429 or 418, with its {@code Retry-After}); the engine then
 * pauses every call to this source until that time. Any other exception is a source error, retried
 * by the engine's retry policy when {@link #isRetryable} says so.
 *
 * <p>Implementations are thread-safe: the engine calls {@link #fetch} from several threads at
 * once, up to its concurrency limit. {@code fetch} should not block; return a future.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface Source<K, V> {

  /** A short name for meters, logs and exception messages, such as {@code "binance-klines"}. */
  String name();

  /** Most keys one {@link #fetch} may carry; at least 1. Default 1. */
  default int maxKeysPerCall() {
    return 1;
  }

  /**
   * The permits one call for {@code keys} takes from the engine's rate limiter (the exchange's
   * request weight); at least 1. Default 1.
   */
  default long weight(List<K> keys) {
    return 1;
  }

  /**
   * Fetches {@code keys} (1 to {@link #maxKeysPerCall()} distinct keys). The reply's map holds the
   * keys found; a key left out is reported to the batch as not found. Completes exceptionally with
   * {@link SourceRefusedException} when the server refused the call for rate reasons. Never returns
   * null nor completes with null: the engine takes either for a source error (a {@link
   * NullPointerException}).
   */
  CompletableFuture<SourceReply<K, V>> fetch(List<K> keys);

  /**
   * Whether a failed call may succeed when tried again (a timeout, a 5xx); default: every failure
   * but an {@link IllegalArgumentException}. Refusals are never retried before their {@code
   * Retry-After}.
   */
  default boolean isRetryable(Throwable failure) {
    return !(failure instanceof IllegalArgumentException);
  }
}
