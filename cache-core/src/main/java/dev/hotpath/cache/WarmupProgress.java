package dev.hotpath.cache;

/** How a {@link WarmupStrategy} reports its progress. Thread-safe. */
public interface WarmupProgress {

  /** The number of entries the strategy expects to warm, once known. */
  void total(long entries);

  /** {@code entries} more were warmed. */
  void completed(long entries);
}
