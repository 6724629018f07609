package dev.hotpath.cache;

/**
 * A key's encoded form is longer than its namespace's {@link NamespaceSpec#maxKeySize()}: the call
 * was refused before anything was sent to a tier or published to other nodes. Thrown by the call
 * itself (by the asynchronous view too, like a null key), never counted as a tier error. {@link
 * #size()} is the key's UTF-8 size in its {@link KeyCodec} form; {@link #limit()} the namespace's
 * {@code maxKeySize}.
 */
public final class KeyTooLargeException extends SizeLimitException {
  private static final long serialVersionUID = 1L;

  KeyTooLargeException(String namespace, String encodedKey, int size, int limit) {
    super("namespace '" + namespace + "': key '" + abbreviate(encodedKey) + "' is " + size
        + " bytes encoded (UTF-8), over maxKeySize of " + limit + " bytes; refused before reaching any tier",
        namespace, size, limit);
  }
}
