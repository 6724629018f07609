package dev.hotpath.cache;

/**
 * Something the cache was given is larger than a configured limit in bytes: a key over its
 * namespace's {@link NamespaceSpec#maxKeySize()} ({@link KeyTooLargeException}) or a value over a
 * shared tier's limit (the Redis tier's {@code ValueTooLargeException}). Catch this type to handle
 * both. Messages name the namespace, the size and the limit, and show at most the key's first
 * {@value #SHOWN_CHARS} characters, never a whole huge key. Immutable.
 */
public abstract class SizeLimitException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  /** How much of a key a message shows: enough to recognise it. */
  static final int SHOWN_CHARS = 32;

  private final String namespace;
  private final int size;
  private final int limit;

  /**
   * For the cache's own subclasses in other modules (the Redis tier's), not for hosts.
   *
   * @param message the whole message; write keys in it with {@link #abbreviate(String)}
   * @param namespace the namespace of the refused key or value; not null
   * @param size the refused key's or value's size in bytes
   * @param limit the limit it exceeded, in bytes
   */
  protected SizeLimitException(String message, String namespace, int size, int limit) {
    super(message);
    this.namespace = namespace;
    this.size = size;
    this.limit = limit;
  }

  /** The namespace of the refused key or value. */
  public final String namespace() {
    return namespace;
  }

  /** The refused key's or value's encoded size in bytes. */
  public final int size() {
    return size;
  }

  /** The limit it exceeded, in bytes. */
  public final int limit() {
    return limit;
  }

  /** {@code key} as a message shows it: its first {@value #SHOWN_CHARS} characters and "…" if longer. */
  protected static String abbreviate(String key) {
    return key.length() <= SHOWN_CHARS ? key : key.substring(0, SHOWN_CHARS) + "…";
  }
}
