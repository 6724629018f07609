package dev.hotpath.cache;

/**
 * A key's encoded form is longer than its namespace's {@link NamespaceSpec#maxKeySize()}: the call
 * was refused before anything was sent to a tier or published to other nodes. Thrown by the call
 * itself (by the asynchronous view too, like a null key), never counted as a tier error. The
 * message names the namespace, the size and the limit, and shows at most the key's first {@value
 * #SHOWN_CHARS} characters.
 */
public final class KeyTooLargeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  /** How much of the key a message shows: enough to recognise it, never a whole huge key. */
  static final int SHOWN_CHARS = 32;

  private final String namespace;
  private final int size;
  private final int limit;

  KeyTooLargeException(String namespace, String encodedKey, int size, int limit) {
    super("namespace '" + namespace + "': key '" + abbreviate(encodedKey) + "' is " + size
        + " bytes encoded (UTF-8), over maxKeySize of " + limit + " bytes; refused before reaching any tier");
    this.namespace = namespace;
    this.size = size;
    this.limit = limit;
  }

  /** The namespace of the refused key. */
  public String namespace() {
    return namespace;
  }

  /** The key's encoded size in bytes (UTF-8 of its {@link KeyCodec} form). */
  public int size() {
    return size;
  }

  /** The namespace's {@link NamespaceSpec#maxKeySize()} in bytes. */
  public int limit() {
    return limit;
  }

  private static String abbreviate(String key) {
    return key.length() <= SHOWN_CHARS ? key : key.substring(0, SHOWN_CHARS) + "…";
  }
}
