package dev.hotpath.cache.redis;

/**
 * Counters of a {@link RedisTier} and its invalidation bus since it was built. Per-namespace hits,
 * misses, errors and undecodable entries are in the cache's own {@code NamespaceStats}.
 *
 * @param circuitOpen whether calls are being refused now because Redis did not answer
 * @param timesOpened how often the circuit opened
 * @param failures calls that failed or timed out because Redis was unreachable or unwell
 * @param rejected calls refused at once while the circuit was open
 * @param skippedWrites writes (puts, invalidations) not sent because the circuit was open; each is
 *     remembered and made in Redis (as a delete with its invalidation record) once Redis answers
 * @param skippedFills entries a read found elsewhere or loaded that were not stored in Redis because
 *     the key held a value already, or an invalidation of it was not yet delivered to this node; and
 *     refresh-ahead values not stored for the second reason
 * @param messagesReceived invalidation messages received on the channel, and Redis's reports of
 *     changed keys (client tracking)
 * @param recordsReadFromLog invalidation records read from the log to fill a gap
 * @param keysChangedInRedis entry keys Redis reported changed by a connection other than this
 *     tier's (another program, another node, an expiry or eviction), dropped from in-process copies
 * @param eventsPossiblyLost times subscribers were told to clear their in-process entries
 * @param publishFailures events of namespaces not stored in Redis that could not be recorded when
 *     published; they are recorded once Redis answers
 * @param unsentChanges changes this node made that Redis has not seen yet (keys; a namespace to be
 *     invalidated whole counts as one): the tier resends them before it reads from Redis again,
 *     and reads none of these keys from Redis until then
 */
public record RedisTierStats(
    boolean circuitOpen,
    long timesOpened,
    long failures,
    long rejected,
    long skippedWrites,
    long skippedFills,
    long messagesReceived,
    long recordsReadFromLog,
    long keysChangedInRedis,
    long eventsPossiblyLost,
    long publishFailures,
    long unsentChanges) {}
