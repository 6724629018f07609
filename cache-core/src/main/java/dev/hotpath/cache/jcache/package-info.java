/**
 * Hotpath's JCache (JSR-107) provider: {@link dev.hotpath.cache.jcache.HotpathCachingProvider},
 * found by {@code Caching.getCachingProvider(HotpathCachingProvider.class.getName())}. It needs
 * {@code javax.cache:cache-api} 1.1.1, which cache-core declares optional: add it to use this
 * package. It passes the JSR-107 TCK 1.1.1 (cache-core's {@code JCacheTckTest} runs it).
 *
 * <p>Each JCache {@code Cache} is a Hotpath namespace, named after the cache (see {@link
 * dev.hotpath.cache.jcache.HotpathCacheManager#namespaceName}), in a {@code TieredCache} of its
 * own over the shared tiers and the invalidation bus of its manager's {@link
 * dev.hotpath.cache.jcache.JCacheSettings}, with the {@link dev.hotpath.cache.jcache.CacheOptions}
 * they give for its name. Standard {@code MutableConfiguration} works as JSR-107 says: expiry
 * policies, read-through {@code CacheLoader}, write-through {@code CacheWriter},
 * store-by-value and by-reference, statistics and management MXBeans, entry listeners with
 * filters, synchronous and asynchronous, and entry processors.
 *
 * <h2>Where JSR-107 semantics and tiered semantics meet</h2>
 *
 * <ul>
 *   <li><b>Atomic per key on this node, not across nodes.</b> Every operation that reads and then
 *       changes an entry ({@code put}, {@code getAndPut}, {@code putIfAbsent}, {@code replace},
 *       {@code remove}, {@code invoke}, a read-through load) holds the key's lock on this node from
 *       the read to its last listener. Two nodes sharing a tier do not share locks: their {@code
 *       putIfAbsent} of one key may both succeed, and two {@code invoke}s may both start from the
 *       same value, the later write winning in the tier. Use {@code invoke} for read-modify-write
 *       within a node; across nodes, route a key's writers to one node or use a store with its own
 *       atomic operations.
 *   <li><b>What an operation costs on a shared tier.</b> A cache whose {@code CacheOptions} profile
 *       gives a shared tier a TTL stores every entry there. Each changing operation first reads the
 *       key (from process when held there, else from the tiers), because JSR-107's events, expiry
 *       and statistics tell a created entry from an updated one: {@code put} and {@code getAndPut}
 *       cost one tier read on an in-process miss plus one write to every tier plus one published
 *       invalidation; {@code invoke} costs the same read, and a write only when the processor
 *       changed the entry. {@code get} is a namespace read: an in-process hit costs no I/O; a miss
 *       reads the tiers in order and promotes what it finds. {@code clear()}, {@code removeAll()}
 *       and {@code CacheManager.destroyCache} empty the shared tiers too, for every node.
 *   <li><b>Expiry policy and TTL profile.</b> The JSR-107 expiry policy decides when an entry
 *       expires: its time (epoch milliseconds of {@link
 *       dev.hotpath.cache.jcache.JCacheSettings#clock()}) is stored with the value, travels through
 *       the shared tiers, and is checked on every read on every node (so nodes need synchronized
 *       clocks). The profile bounds how long each tier keeps an entry, whatever the policy says.
 *       The default profile keeps entries in process with no TTL of its own, bounded only by
 *       {@code maximumSize} (10,000): a JSR-107 cache is unbounded, a Hotpath namespace never.
 *       An access that changes the expiry ({@code AccessedExpiryPolicy}, {@code
 *       TouchedExpiryPolicy}) changes it in this node's in-process copy only: the copy in a shared
 *       tier keeps its creation or update time, so another node, or this one after an eviction,
 *       may see the entry expire earlier than the accesses would have kept it.
 *   <li><b>Store-by-value with a codec.</b> Store-by-value copies keys and values on the way in
 *       and out. Immutable types are not copied; with a codec in {@code CacheOptions} a copy is
 *       {@code decode(encode(x))}, the same bytes the shared tiers hold; without one, Java
 *       serialization copies in process (never for tier payloads, which always go through a
 *       codec). A cache stored in a shared tier needs codecs for its key and value types, as any
 *       namespace does; with them, what another node reads is always a decoded copy, whatever
 *       the store-by setting.
 *   <li><b>Listeners and cross-node invalidations.</b> Entry listeners hear this node's
 *       operations only. A change made on another node reaches this node as a Hotpath
 *       invalidation that drops the in-process copy, not as a JSR-107 event; an eviction for size
 *       or a tier's TTL is not an event either. Expiry events are sent when an operation finds an
 *       entry expired. Synchronous listeners run in the caller's thread while it holds the key's
 *       lock; asynchronous ones run on {@link dev.hotpath.cache.jcache.JCacheSettings#executor()},
 *       in order per listener.
 *   <li><b>Iteration.</b> {@code iterator()} and {@code removeAll()} visit the entries this node
 *       holds in process; the Tier SPI has no scan, so entries only a shared tier holds are not
 *       visited ({@code removeAll()} then clears the shared tiers of them, without events or
 *       writer calls).
 *   <li><b>Read-through and write-through.</b> The JCache {@code CacheLoader} runs under the key's
 *       lock, after the shared tiers missed: a value one node loaded is read from the tier by the
 *       others without loading. The {@code CacheWriter} runs before the tiers are changed; when it
 *       fails, no tier is. Hotpath's write-behind is not offered through JSR-107.
 *   <li><b>Key size.</b> A cache stored in a shared tier (or with cross-node invalidation) has its
 *       namespace's {@code maxKeySize}: every operation taking keys refuses one over it with
 *       {@link dev.hotpath.cache.KeyTooLargeException} before the writer, the loader or a listener
 *       hears of any key, so a bulk operation with one such key changes nothing.
 *   <li><b>Statistics.</b> The {@code CacheStatistics} MXBean counts as JSR-107 defines; the
 *       namespace's Hotpath meters ({@link dev.hotpath.cache.jcache.HotpathCacheManager#bindTo})
 *       count tier reads, including the reads writes make.
 * </ul>
 *
 * <p>An entry processor or a synchronous listener may use the cache for the key it was called
 * for; changing other keys of the same cache from there may deadlock with another thread doing
 * the reverse (JSR-107 leaves it undefined).
 */
package dev.hotpath.cache.jcache;
