package dev.hotpath.cache.redis;

/**
 * Counters of a {@link RedisTier} and its invalidation bus since it was built. Per-namespace hits,
 * misses, errors and undecodable entries are in the cache's own {@code NamespaceStats}.
 *
 * @param circuitOpen whether calls are being refused now because Redis did not answer
 * @param timesOpened how often the circuit opened
 * @param failures calls that failed or timed out because Redis was unreachable or unwell
 * @param rejected calls refused at once while the circuit was open
 * @param skippedWrites writes (puts, invalidations) not sent because the circuit was open
 * @param messagesReceived invalidation messages received on the channel
 * @param recordsReadFromLog invalidation records read from the log to fill a gap
 * @param eventsPossiblyLost times subscribers were told to clear their in-process entries
 * @param publishFailures events of namespaces not stored in Redis that could not be recorded
 */
public record RedisTierStats(
    boolean circuitOpen,
    long timesOpened,
    long failures,
    long rejected,
    long skippedWrites,
    long messagesReceived,
    long recordsReadFromLog,
    long eventsPossiblyLost,
    long publishFailures) {}
