package dev.hotpath.cache;

import java.util.List;
import java.util.Objects;

/**
 * Entries of a namespace changed or were removed: listed keys (in their {@link KeyCodec} string
 * form), or the whole namespace. Published on the {@link InvalidationBus} by the node that made
 * the change; other nodes drop their in-process copies when they receive it.
 *
 * <p>Immutable and thread-safe.
 */
public final class InvalidationEvent {
  private final String namespace;
  private final List<String> keys;
  private final String origin;

  private InvalidationEvent(String namespace, List<String> keys, String origin) {
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.keys = keys;
    this.origin = Objects.requireNonNull(origin, "origin");
  }

  /**
   * An event for the listed keys.
   *
   * @throws NullPointerException if an argument or a key is null
   */
  public static InvalidationEvent ofKeys(String namespace, List<String> keys, String origin) {
    return new InvalidationEvent(namespace, List.copyOf(keys), origin);
  }

  /** An event for every key of the namespace. */
  public static InvalidationEvent ofNamespace(String namespace, String origin) {
    return new InvalidationEvent(namespace, null, origin);
  }

  /** The namespace's name. */
  public String namespace() {
    return namespace;
  }

  /**
   * Whether the whole namespace was invalidated; then {@link #keys()} is empty. A bus that had to
   * drop events of a namespace delivers such an event in their place (see {@link
   * InvalidationBus#inProcess()}).
   */
  public boolean isWholeNamespace() {
    return keys == null;
  }

  /** The keys' string forms; empty for a whole-namespace event. Unmodifiable. */
  public List<String> keys() {
    return keys == null ? List.of() : keys;
  }

  /** The id of the cache instance (node) that published the event. */
  public String origin() {
    return origin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InvalidationEvent e
        && namespace.equals(e.namespace)
        && Objects.equals(keys, e.keys)
        && origin.equals(e.origin);
  }

  @Override
  public int hashCode() {
    return Objects.hash(namespace, keys, origin);
  }

  @Override
  public String toString() {
    return "InvalidationEvent[" + namespace + ", " + (keys == null ? "*" : keys) + ", from "
        + origin + "]";
  }
}
