package dev.hotpath.engine;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * A batch of keys to get, with a priority, a deadline and an optional progress listener.
 * Immutable: {@link #priority}, {@link #deadline} and {@link #listener} return changed copies, so
 * a request can be a template. Thread-safe.
 *
 * <pre>{@code
 * BatchRequest<String> r = BatchRequest.of(symbols).priority(Priority.HIGH).deadline(Duration.ofSeconds(2));
 * }</pre>
 *
 * @param <K> the key type
 */
public final class BatchRequest<K> {
  /** The keys as given, duplicates included. */
  private final List<K> given;
  /**
   * The distinct keys, made on first use: a batch the in-process tier answers whole never needs
   * them (its answer's map drops duplicates), and for 30,000 keys a set costs as much as the reads.
   * A racy cache of an immutable value: two threads may both make it, either copy is right.
   */
  private volatile List<K> distinct;
  private final Priority priority;
  private final Duration deadline;
  private final BatchListener listener;

  private BatchRequest(List<K> given, List<K> distinct, Priority priority, Duration deadline, BatchListener listener) {
    this.given = given;
    this.distinct = distinct;
    this.priority = priority;
    this.deadline = deadline;
    this.listener = listener;
  }

  /**
   * A NORMAL-priority request for {@code keys}, with the engine's default deadline. Duplicate keys
   * count once; order is kept. An empty batch is allowed and completes at once.
   *
   * @throws NullPointerException if keys or a key is null
   */
  public static <K> BatchRequest<K> of(Collection<? extends K> keys) {
    requireNonNull(keys, "keys");
    for (K key : keys) {
      requireNonNull(key, "key in keys");
    }
    List<K> given = List.copyOf(keys);
    return new BatchRequest<>(given, null, Priority.NORMAL, null, null);
  }

  /** This request with {@code priority}. @throws NullPointerException if priority is null */
  public BatchRequest<K> priority(Priority priority) {
    return new BatchRequest<>(given, distinct, requireNonNull(priority, "priority"), deadline, listener);
  }

  /**
   * This request with {@code deadline}, counted from {@link BatchEngine#submit}: items not done by
   * then are returned as {@link FailureKind#TIMED_OUT}, and the batch's future completes then at
   * the latest.
   *
   * @throws IllegalArgumentException if deadline is not positive
   * @throws NullPointerException if deadline is null
   */
  public BatchRequest<K> deadline(Duration deadline) {
    Checks.positiveNanos("deadline", deadline);
    return new BatchRequest<>(given, distinct, priority, deadline, listener);
  }

  /** This request with a progress listener. @throws NullPointerException if listener is null */
  public BatchRequest<K> listener(BatchListener listener) {
    return new BatchRequest<>(given, distinct, priority, deadline, requireNonNull(listener, "listener"));
  }

  /** The distinct keys, in the order first given; unmodifiable. */
  public List<K> keys() {
    List<K> keys = distinct;
    if (keys == null) {
      keys = List.copyOf(new LinkedHashSet<>(given));
      distinct = keys;
    }
    return keys;
  }

  /** The keys as given, duplicates included; unmodifiable. */
  List<K> givenKeys() {
    return given;
  }

  /** The priority; NORMAL unless set. */
  public Priority priority() {
    return priority;
  }

  /** The deadline, if set; otherwise the engine's default applies. */
  public Optional<Duration> deadline() {
    return Optional.ofNullable(deadline);
  }

  Optional<BatchListener> listener() {
    return Optional.ofNullable(listener);
  }

  @Override
  public String toString() {
    return "BatchRequest[" + keys().size() + " keys, " + priority + (deadline == null ? "" : ", deadline " + deadline) + "]";
  }
}
