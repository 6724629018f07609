package dev.hotpath.cache;

import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * Turns keys into the strings that tiers outside the process store them under, and back (keys
 * travel as strings in invalidation events between nodes).
 *
 * <p>{@code decode(encode(k))} must equal {@code k}, and distinct keys must encode to distinct
 * strings. Tiers escape the string themselves, so any string is safe. Implementations must be
 * thread-safe.
 *
 * @param <K> the key type
 */
public interface KeyCodec<K> {

  /** The key's string form; never null. */
  String encode(K key);

  /**
   * The key for {@code encoded}.
   *
   * @throws RuntimeException when {@code encoded} is not a valid encoding
   */
  K decode(String encoded);

  /** String keys, stored as they are. */
  static KeyCodec<String> strings() {
    return of(Function.identity(), Function.identity());
  }

  /** {@code Long} keys in decimal. */
  static KeyCodec<Long> longs() {
    return of(String::valueOf, Long::valueOf);
  }

  /** {@code Integer} keys in decimal. */
  static KeyCodec<Integer> integers() {
    return of(String::valueOf, Integer::valueOf);
  }

  /** {@code UUID} keys in their canonical form. */
  static KeyCodec<UUID> uuids() {
    return of(UUID::toString, UUID::fromString);
  }

  /**
   * A key codec from two functions.
   *
   * @throws NullPointerException if either function is null
   */
  static <K> KeyCodec<K> of(Function<? super K, String> encoder, Function<String, ? extends K> decoder) {
    Objects.requireNonNull(encoder, "encoder");
    Objects.requireNonNull(decoder, "decoder");
    return new KeyCodec<>() {
      @Override
      public String encode(K key) {
        return Objects.requireNonNull(encoder.apply(key), "encoded key");
      }

      @Override
      public K decode(String encoded) {
        return decoder.apply(encoded);
      }
    };
  }
}
