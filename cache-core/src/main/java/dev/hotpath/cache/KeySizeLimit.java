package dev.hotpath.cache;

import java.util.Collection;

/**
 * A namespace's {@link NamespaceSpec#maxKeySize()}, checked where a key is about to leave the
 * process: before a tier outside the process sees it and before an invalidation event carries it
 * to other nodes. Namespaces whose keys never leave the process, or that cannot encode them, are
 * not limited (the in-process tier holds any key). Thread-safe; immutable.
 *
 * @param <K> the key type
 */
final class KeySizeLimit<K> {
  private final String namespace;
  /** Null when keys are not limited. */
  private final KeyCodec<K> codec;
  private final int maxBytes;
  /** Strings of at most this many chars are within the limit whatever they hold (3 UTF-8 bytes per char at most). */
  private final int safeChars;

  KeySizeLimit(NamespaceSpec<K, ?> spec, boolean keysLeaveProcess) {
    this.namespace = spec.name();
    this.codec = keysLeaveProcess ? spec.keyCodec() : null;
    this.maxBytes = spec.maxKeySize();
    this.safeChars = maxBytes / 3;
  }

  /** @throws KeyTooLargeException when {@code key}'s encoded form is over the limit */
  void check(K key) {
    if (codec == null) {
      return;
    }
    String encoded;
    try {
      encoded = codec.encode(key);
    } catch (RuntimeException e) {
      return; // a key the codec refuses fails in the tiers as it always did
    }
    if (encoded.length() <= safeChars) {
      return;
    }
    int bytes = utf8Length(encoded);
    if (bytes > maxBytes) {
      throw new KeyTooLargeException(namespace, encoded, bytes, maxBytes);
    }
  }

  /** {@link #check} of every key, before any of them is used. */
  void checkAll(Collection<? extends K> keys) {
    if (codec != null) {
      for (K key : keys) {
        check(key);
      }
    }
  }

  /** The UTF-8 length of {@code s} without encoding it; a lone surrogate counts 3 (more than the encoder writes for it). */
  static int utf8Length(CharSequence s) {
    int bytes = 0;
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
