package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.TierValue;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScanArgs;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * One namespace's view of the Redis tier. Reads are GET and MGET (Lettuce splits an MGET by slot
 * in Cluster and reassembles it in key order); every change goes through the write script, which
 * records its invalidation, attributed to the binding's node, in the same atomic step; fills go
 * through the fill script, which records nothing. Several scripts of one call are sent together
 * without waiting in between (pipelined) and awaited within one command timeout.
 *
 * <p><b>Fills and invalidations on other nodes.</b> A fill stores a value the cache read from a
 * lower tier or loaded from the source; the read may have started before another node changed
 * the source and invalidated the key. The fill script therefore stores an entry only if the key is
 * empty ({@code NX}) and no invalidation record of the key (or of its whole namespace) exists
 * that this node's caches have not been handed yet (see {@link InvalidationRecord#FILL_SCRIPT}).
 * Together with cache-core's stamps, which re-check after the fill and undo it when an event for
 * the key arrived meanwhile, a fill cannot outlive an invalidation recorded after its read began.
 * What remains:
 *
 * <ul>
 *   <li>Changes that bypass the log: keys deleted in Redis by other programs (or expired). {@code
 *       NX} keeps a fill from replacing a value another program set, but a fill that began before
 *       another program's DEL may re-insert the value it read; Redis then holds it until its TTL.
 *   <li>In Cluster, {@link #clear()} records in log shard 0 only, so a fill of a key in another
 *       shard does not see that record until it is delivered; the window is the delivery delay of
 *       that record (normally milliseconds; up to the reconcile interval when a message is lost).
 *   <li>The source itself: a load that read the source before another node wrote it, where that
 *       node invalidates the cache before writing the source, is a caller ordering problem no
 *       cache can fix; write the source first, then invalidate.
 * </ul>
 *
 * <p>A fill refused for any of these reasons, or while the bus has not yet found its place in the
 * log, is skipped and counted ({@link RedisTierStats#skippedFills()}): it costs a later miss.
 *
 * <p><b>Changes Redis did not see.</b> A change refused while the circuit is open, or whose write
 * failed, is handed to {@link UnsentChanges} (this store is its target for the namespace and the
 * binding's node), which resends it as a delete with its record; until then {@link #get} and
 * {@link #getAll} treat the key as a miss without asking Redis.
 */
final class RedisTierStore<K, V> implements NamespaceStore<K, V>, UnsentChanges.Target {
  private static final byte[] EMPTY = new byte[0];
  private static final long MAX_TTL_MILLIS = Duration.ofDays(36_500).toMillis();
  private static final byte[] OP_SET = {'S'};
  private static final byte[] OP_DELETE = {'D'};
  private static final byte[] OP_RECORD = {'N'};
  private static final byte[] FILL_MAX_GAP = ascii(InvalidationRecord.FILL_MAX_GAP);

  private final RedisLink link;
  private final NamespaceContext<K, V> binding;
  private final ValueEnvelope envelope;
  private final String namespace;
  private final byte[] logLength;
  private final byte[] channel;
  private final byte[] namespaceBytes;
  /** What every entry key of this namespace starts with, encoded once; null when it depends on the key (Cluster). */
  private final byte[] entryHead;
  /** Whether Redis reports changes of this namespace's keys (client tracking); see {@link #sendChange}. */
  private final boolean tracked;

  RedisTierStore(RedisLink link, NamespaceContext<K, V> binding, ValueEnvelope envelope) {
    this.link = link;
    this.binding = binding;
    this.envelope = envelope;
    this.namespace = binding.namespace();
    this.logLength = ascii(link.logLength);
    this.channel = link.layout.channel();
    this.namespaceBytes = KeyLayout.utf8(namespace);
    this.entryHead = link.layout.entryHead(namespace);
    this.tracked = link.tracks(namespace);
  }

  // ---- reads

  /**
   * A key whose change Redis has not seen yet (see {@link UnsentChanges}) is a miss without a
   * call: Redis may still hold the value this node replaced.
   */
  @Override
  public TierValue<V> get(K key) {
    String encoded = binding.encodeKey(key);
    link.ensureAvailable();
    if (link.unsent.isUnsent(this, encoded)) {
      return null;
    }
    return decode(link.await(link.commands().get(entryKey(encoded))));
  }

  @Override
  public CompletableFuture<TierValue<V>> getAsync(K key) {
    String encoded = binding.encodeKey(key);
    if (link.breaker.isOpen()) {
      link.rejected.increment();
      return CompletableFuture.failedFuture(RedisUnavailableException.INSTANCE);
    }
    if (link.unsent.isUnsent(this, encoded)) {
      return CompletableFuture.completedFuture(null);
    }
    return link.async(link.commands().get(entryKey(encoded)).toCompletableFuture()).thenApply(this::decode);
  }

  @Override
  public Map<K, TierValue<V>> getAll(Collection<? extends K> keys) {
    if (keys.isEmpty()) {
      return Map.of();
    }
    link.ensureAvailable();
    Lookup<K> lookup = lookup(keys);
    if (lookup.keys.isEmpty()) {
      return Map.of();
    }
    return collect(lookup.keys, link.await(link.commands().mget(lookup.redisKeys)));
  }

  @Override
  public CompletableFuture<Map<K, TierValue<V>>> getAllAsync(Collection<? extends K> keys) {
    if (keys.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    if (link.breaker.isOpen()) {
      link.rejected.increment();
      return CompletableFuture.failedFuture(RedisUnavailableException.INSTANCE);
    }
    Lookup<K> lookup = lookup(keys);
    if (lookup.keys.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return link.async(link.commands().mget(lookup.redisKeys).toCompletableFuture())
        .thenApply(found -> collect(lookup.keys, found));
  }

  /** The keys an MGET asks for, each once, and their entry keys, in the same order. */
  private record Lookup<K>(List<K> keys, byte[][] redisKeys) {}

  /**
   * {@code keys} once each, without those whose change Redis has not seen yet (reading them would
   * read the old value); each key is encoded once.
   */
  private Lookup<K> lookup(Collection<? extends K> keys) {
    Collection<? extends K> distinct = keys instanceof Set<?> ? keys : new LinkedHashSet<>(keys);
    List<K> sent = new ArrayList<>(distinct.size());
    byte[][] redisKeys = new byte[distinct.size()][];
    for (K key : distinct) {
      String encoded = binding.encodeKey(key);
      if (!link.unsent.isUnsent(this, encoded)) {
        redisKeys[sent.size()] = entryKey(encoded);
        sent.add(key);
      }
    }
    return new Lookup<>(sent, sent.size() == redisKeys.length ? redisKeys : Arrays.copyOf(redisKeys, sent.size()));
  }

  private Map<K, TierValue<V>> collect(List<K> keys, List<KeyValue<byte[], byte[]>> found) {
    if (found.size() != keys.size()) {
      throw new RedisTierException("MGET answered " + found.size() + " values for " + keys.size() + " keys", null);
    }
    Map<K, TierValue<V>> result = new HashMap<>(keys.size() * 2);
    for (int i = 0; i < keys.size(); i++) {
      KeyValue<byte[], byte[]> kv = found.get(i);
      if (kv.hasValue()) {
        TierValue<V> value = decode(kv.getValue());
        if (value != null) {
          result.put(keys.get(i), value);
        }
      }
    }
    return result;
  }

  /** Foreign, corrupt or other-version bytes are a miss, counted by the binding as a decode failure. */
  private TierValue<V> decode(byte[] stored) {
    if (stored == null) {
      return null;
    }
    byte[] payload = envelope.unwrap(stored);
    // A corrupt compressed value: hand the binding bytes it rejects, so it is counted like any other.
    return binding.decodeValue(payload != null ? payload : EMPTY);
  }

  // ---- writes

  @Override
  public void put(K key, TierValue<V> value, Duration ttl) {
    String encoded = binding.encodeKey(key);
    byte[] stored;
    try {
      stored = envelope.wrap(namespace, encoded, binding.encodeValue(value));
    } catch (RuntimeException e) {
      throw dropUnstorable(List.of(encoded), e);
    }
    List<String> keys = List.of(encoded);
    write(keys, () -> List.of(sendSet(keys, List.of(stored), ttl)));
  }

  @Override
  public CompletableFuture<Void> putAsync(K key, TierValue<V> value, Duration ttl) {
    String encoded;
    try {
      encoded = binding.encodeKey(key);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    byte[] stored;
    try {
      stored = envelope.wrap(namespace, encoded, binding.encodeValue(value));
    } catch (RuntimeException e) {
      return dropUnstorableAsync(encoded, e);
    }
    List<String> keys = List.of(encoded);
    return writeAsync(keys, () -> sendSet(keys, List.of(stored), ttl));
  }

  @Override
  public void putAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
    if (entries.isEmpty()) {
      return;
    }
    EncodedBatch batch = encode(entries);
    List<String> keys = batch.keys();
    if (batch.failure == null) {
      write(keys, () -> batch.send((shardKeys, values) -> sendSet(shardKeys, values, ttl)));
      return;
    }
    // Some values cannot be stored: the others are written as asked, and the refused keys are
    // deleted with their record, so neither Redis nor another node's L1 keeps their old values.
    try {
      write(keys, () -> {
        List<CompletableFuture<Object>> sent = batch.send((shardKeys, values) -> sendSet(shardKeys, values, ttl));
        sent.addAll(sendDeletes(batch.unstorable));
        return sent;
      });
    } catch (RuntimeException e) {
      batch.failure.addSuppressed(e);
    }
    throw batch.failure;
  }

  /** Changes Redis did not take are remembered and resent ({@link UnsentChanges}). */
  @Override
  public boolean retriesFailedChanges() {
    return true;
  }

  /** Stores without recording an invalidation, and only where it cannot hide a newer change; see the class comment. */
  @Override
  public void fill(K key, TierValue<V> value, Duration ttl) {
    fillAll(Map.of(key, value), ttl);
  }

  /**
   * {@link #fill} of several entries: one fill script per log shard and batch of keys (see {@link
   * InvalidationRecord#batches}), pipelined. A fill that fails is not remembered for resending (see {@link UnsentChanges}): a
   * fill that did not happen leaves nothing old in Redis and nothing for another node to drop.
   */
  @Override
  public void fillAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
    setGuarded(entries, ttl, Script.FILL);
  }

  /**
   * Stores a value a refresh-ahead loaded over the one Redis holds, unless a change of the key
   * was recorded after this node's fence, without recording anything (see {@link
   * InvalidationRecord#REFRESH_SCRIPT}). A refused or failed refresh leaves the older value, which
   * other nodes' changes replace or delete as usual. The log, not {@code readAge}, tells which
   * changes came after the read.
   */
  @Override
  public void refresh(K key, TierValue<V> value, Duration ttl, Duration readAge) {
    setGuarded(Map.of(key, value), ttl, Script.REFRESH);
  }

  private void setGuarded(Map<? extends K, TierValue<V>> entries, Duration ttl, Script script) {
    if (entries.isEmpty()) {
      return;
    }
    EncodedBatch batch = encode(entries);
    if (batch.failure != null) {
      // Nothing is recorded and nothing replaced: what Redis holds (nothing, for a fill) stays.
      throw batch.failure;
    }
    link.ensureAvailable();
    List<CompletableFuture<Object>> sent = batch.send((keys, values) -> sendGuarded(keys, values, ttl, script));
    link.awaitAll(sent);
  }

  /**
   * Entries' encoded keys and stored bytes, grouped by log shard (a script touches one slot). An
   * entry whose value cannot be encoded or stored is left out: its key goes to {@code unstorable}
   * and the first such error to {@code failure}, so the caller decides what to do with the rest.
   */
  private EncodedBatch encode(Map<? extends K, TierValue<V>> entries) {
    EncodedBatch batch = new EncodedBatch();
    for (Map.Entry<? extends K, TierValue<V>> e : entries.entrySet()) {
      String encoded = null;
      byte[] stored;
      try {
        encoded = binding.encodeKey(e.getKey());
        stored = envelope.wrap(namespace, encoded, binding.encodeValue(e.getValue()));
      } catch (RuntimeException error) {
        if (batch.failure == null) {
          batch.failure = error;
        }
        if (encoded != null) {
          batch.unstorable.add(encoded);
        }
        continue;
      }
      int shard = link.layout.shard(namespace, encoded);
      batch.keysByShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(encoded);
      batch.valuesByShard.computeIfAbsent(shard, s -> new ArrayList<>()).add(stored);
    }
    return batch;
  }

  private static final class EncodedBatch {
    final Map<Integer, List<String>> keysByShard = new LinkedHashMap<>();
    final Map<Integer, List<byte[]>> valuesByShard = new HashMap<>();
    /** Encoded keys whose values could not be encoded or stored. */
    final List<String> unstorable = new ArrayList<>();
    /** The first encoding error, or null. */
    RuntimeException failure;

    /** Every encoded key: those to store, then the unstorable ones. */
    List<String> keys() {
      List<String> all = new ArrayList<>(unstorable);
      keysByShard.values().forEach(all::addAll);
      return all;
    }

    /**
     * Sends one script per shard and batch of keys that fits one record (see {@link
     * InvalidationRecord#batches}), without waiting in between.
     */
    List<CompletableFuture<Object>> send(
        java.util.function.BiFunction<List<String>, List<byte[]>, CompletableFuture<Object>> script) {
      List<CompletableFuture<Object>> sent = new ArrayList<>();
      keysByShard.forEach(
          (shard, keys) -> {
            List<byte[]> values = valuesByShard.get(shard);
            for (InvalidationRecord.Batch b : InvalidationRecord.batches(keys)) {
              sent.add(script.apply(keys.subList(b.from(), b.to()), values.subList(b.from(), b.to())));
            }
          });
      return sent;
    }
  }

  @Override
  public void invalidate(K key) {
    List<String> keys = List.of(binding.encodeKey(key));
    write(keys, () -> List.of(sendDelete(keys)));
  }

  @Override
  public CompletableFuture<Void> invalidateAsync(K key) {
    List<String> keys;
    try {
      keys = List.of(binding.encodeKey(key));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return writeAsync(keys, () -> sendDelete(keys));
  }

  @Override
  public void invalidateAll(Collection<? extends K> keys) {
    if (keys.isEmpty()) {
      return;
    }
    List<String> encoded = new ArrayList<>();
    for (K key : new LinkedHashSet<>(keys)) {
      encoded.add(binding.encodeKey(key));
    }
    write(encoded, () -> sendDeletes(encoded));
  }

  /** Delete scripts for encoded keys: one per log shard and batch of keys that fits a record, pipelined. */
  private List<CompletableFuture<Object>> sendDeletes(Collection<String> encodedKeys) {
    Map<Integer, List<String>> keysByShard = new LinkedHashMap<>();
    for (String encoded : encodedKeys) {
      keysByShard.computeIfAbsent(link.layout.shard(namespace, encoded), s -> new ArrayList<>()).add(encoded);
    }
    List<CompletableFuture<Object>> sent = new ArrayList<>();
    keysByShard.forEach(
        (shard, list) -> {
          for (InvalidationRecord.Batch b : InvalidationRecord.batches(list)) {
            sent.add(sendDelete(list.subList(b.from(), b.to())));
          }
        });
    return sent;
  }

  /**
   * A new value for {@code keys} was refused (too large, or its codec failed) after the cache
   * changed its own copy: without a change in Redis there would be no record, so Redis would keep
   * serving the old value and other nodes would keep it in L1. Deletes the keys with their record
   * instead, and returns {@code cause} to throw (with the delete's failure, if any, suppressed: the
   * delete is then remembered and resent once Redis answers, see {@link UnsentChanges}).
   */
  private RuntimeException dropUnstorable(List<String> keys, RuntimeException cause) {
    try {
      write(keys, () -> sendDeletes(keys));
    } catch (RuntimeException e) {
      cause.addSuppressed(e);
    }
    return cause;
  }

  /** {@link #dropUnstorable} for {@link #putAsync}: fails with {@code cause} once the delete is done. */
  private CompletableFuture<Void> dropUnstorableAsync(String key, RuntimeException cause) {
    List<String> keys = List.of(key);
    return writeAsync(keys, () -> sendDelete(keys))
        .handle(
            (v, e) -> {
              if (e != null) {
                cause.addSuppressed(RedisLink.unwrap(e));
              }
              throw new CompletionException(cause);
            });
  }

  /**
   * Deletes the namespace's entries with SCAN and UNLINK in batches; this cannot be one atomic
   * step, so a whole-namespace record is written before and after: a node that reloads an entry
   * between the two drops it again on the second.
   */
  @Override
  public void clear() {
    if (link.unsent.rememberIf(link.breaker::isOpen, this, List.of(), true)) {
      link.skippedWrites.increment();
      throw RedisUnavailableException.INSTANCE;
    }
    try {
      clearNow();
    } catch (RuntimeException e) {
      link.rememberFailed(this, List.of(), true);
      throw e;
    }
  }

  private void clearNow() {
    byte[] record = InvalidationRecord.encode(InvalidationEvent.ofNamespace(namespace, binding.nodeId()));
    link.awaitAll(List.of(sendRecordOnly(record)));
    ScanArgs match = ScanArgs.Builder.matches(link.layout.namespacePattern(namespace)).limit(1000);
    KeyScanCursor<byte[]> cursor = link.await(link.commands().scan(match));
    while (true) {
      if (!cursor.getKeys().isEmpty()) {
        link.await(link.commands().unlink(cursor.getKeys().toArray(new byte[0][])));
      }
      if (cursor.isFinished()) {
        break;
      }
      // The cursor object itself: in Cluster it also remembers which node the scan is on.
      cursor = link.await(link.commands().scan(cursor, match));
    }
    link.awaitAll(List.of(sendRecordOnly(record)));
  }

  // ---- changes Redis has not seen (UnsentChanges.Target)

  @Override
  public String namespace() {
    return namespace;
  }

  /** Deletes the keys with their records, or clears the namespace; see {@link UnsentChanges}. */
  @Override
  public void resend(Collection<String> keys, boolean wholeNamespace) {
    if (wholeNamespace) {
      clearNow();
    } else {
      link.awaitAll(sendDeletes(keys));
    }
  }

  /**
   * Sends the change of {@code keys} and waits for it. While the circuit is open the change is not
   * sent but remembered, and resent before the tier reads from Redis again; a change that fails
   * or times out may or may not have happened, so it is remembered too. Either way the caller gets
   * the exception (the cache counts a skipped write).
   */
  private void write(List<String> keys, Supplier<List<CompletableFuture<Object>>> send) {
    skipWhileOpen(keys);
    try {
      link.awaitAll(send.get());
    } catch (RuntimeException e) {
      link.rememberFailed(this, keys, false);
      throw e;
    }
  }

  /** {@link #write} for the asynchronous variants. */
  private CompletableFuture<Void> writeAsync(List<String> keys, Supplier<CompletableFuture<Object>> send) {
    CompletableFuture<Object> sent;
    try {
      skipWhileOpen(keys);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    try {
      sent = link.async(send.get());
    } catch (RuntimeException e) {
      link.rememberFailed(this, keys, false);
      return CompletableFuture.failedFuture(e);
    }
    return sent.handle(
        (seq, e) -> {
          if (e != null) {
            link.rememberFailed(this, keys, false);
            throw new CompletionException(RedisLink.unwrap(e));
          }
          return null;
        });
  }

  /** Remembers the change and throws while the circuit is open; see {@link UnsentChanges#rememberIf}. */
  private void skipWhileOpen(List<String> keys) {
    if (link.unsent.rememberIf(link.breaker::isOpen, this, keys, false)) {
      link.skippedWrites.increment();
      throw RedisUnavailableException.INSTANCE;
    }
  }

  private CompletableFuture<Object> sendSet(List<String> keys, List<byte[]> values, Duration ttl) {
    int shard = link.layout.shard(namespace, keys.get(0));
    byte[] record = InvalidationRecord.encodeChange(namespace, keys, binding.nodeId());
    byte[][] redisKeys = scriptKeys(shard, keys);
    byte[][] args = new byte[6 + values.size()][];
    fillArgs(args, OP_SET, shard, record);
    args[5] = ascii(ttlMillis(ttl));
    for (int i = 0; i < values.size(); i++) {
      args[6 + i] = values.get(i);
    }
    return sendChange(redisKeys, args, Script.WRITE);
  }

  private CompletableFuture<Object> sendDelete(List<String> keys) {
    int shard = link.layout.shard(namespace, keys.get(0));
    byte[] record = InvalidationRecord.encodeChange(namespace, keys, binding.nodeId());
    byte[][] args = new byte[6][];
    fillArgs(args, OP_DELETE, shard, record);
    args[5] = EMPTY;
    return sendChange(scriptKeys(shard, keys), args, Script.WRITE);
  }

  /**
   * Sends the write or fill script for {@code redisKeys} (entries from index 2). When Redis
   * reports this namespace's changes (client tracking), the entries are registered as this
   * cache's changes first, so Redis's report of them does not drop the value this cache just wrote
   * (see {@link LocalWrites}).
   */
  private CompletableFuture<Object> sendChange(byte[][] redisKeys, byte[][] args, Script script) {
    if (!tracked) {
      return script.run(link, redisKeys, args);
    }
    link.localWrites.begin(redisKeys, 2, binding.nodeId());
    CompletableFuture<Object> sent;
    try {
      sent = script.run(link, redisKeys, args);
    } catch (RuntimeException e) {
      link.localWrites.settle(redisKeys, 2, null);
      throw e;
    }
    boolean guarded = script != Script.WRITE;
    return sent.whenComplete(
        (result, error) -> link.localWrites.settle(redisKeys, 2, error == null && guarded ? filled(result, redisKeys.length - 2) : null));
  }

  /** The scripts that change entries: a write (with its record), a fill, a refresh (guarded, no record). */
  private enum Script {
    WRITE, FILL, REFRESH;

    CompletableFuture<Object> run(RedisLink link, byte[][] keys, byte[][] args) {
      return switch (this) {
        case WRITE -> link.writeScript(keys, args);
        case FILL -> link.fillScript(keys, args);
        case REFRESH -> link.refreshScript(keys, args);
      };
    }
  }

  /** The fill script's answer as one flag per entry; an empty answer means none was stored. */
  private static boolean[] filled(Object result, int entries) {
    boolean[] flags = new boolean[entries];
    if (result instanceof List<?> list) {
      for (int i = 0; i < entries && i < list.size(); i++) {
        flags[i] = list.get(i) instanceof Number n && n.longValue() == 1;
      }
    }
    return flags;
  }

  /**
   * The fill script ({@code script} {@link Script#FILL}) or the refresh script for keys of one
   * shard; one the bus cannot fence yet is skipped without a call.
   */
  private CompletableFuture<Object> sendGuarded(List<String> keys, List<byte[]> values, Duration ttl, Script script) {
    int shard = link.layout.shard(namespace, keys.get(0));
    long fence = link.fence(shard);
    if (fence < 0) {
      link.skippedFills.add(keys.size());
      return CompletableFuture.completedFuture(0L);
    }
    byte[][] args = new byte[4 + 2 * keys.size()][];
    args[0] = ascii(fence);
    args[1] = FILL_MAX_GAP;
    args[2] = ascii(ttlMillis(ttl));
    args[3] = namespaceBytes;
    for (int i = 0; i < keys.size(); i++) {
      args[4 + 2 * i] = KeyLayout.utf8(keys.get(i));
      args[5 + 2 * i] = values.get(i);
    }
    return sendChange(scriptKeys(shard, keys), args, script)
        .thenApply(
            result -> {
              int stored = 0;
              for (boolean f : filled(result, keys.size())) {
                stored += f ? 1 : 0;
              }
              link.skippedFills.add(keys.size() - stored);
              return result;
            });
  }

  private CompletableFuture<Object> sendRecordOnly(byte[] record) {
    return recordOnly(link, record, logLength);
  }

  /** Appends {@code record} to log shard 0 and publishes it, without touching entries. */
  static CompletableFuture<Object> recordOnly(RedisLink link, byte[] record, byte[] logLength) {
    byte[][] keys = {link.layout.seqKey(0), link.layout.logKey(0)};
    byte[][] args = {OP_RECORD, logLength, link.layout.channel(), ascii(0), record, EMPTY};
    return link.writeScript(keys, args);
  }

  private void fillArgs(byte[][] args, byte[] op, int shard, byte[] record) {
    args[0] = op;
    args[1] = logLength;
    args[2] = channel;
    args[3] = ascii(shard);
    args[4] = record;
  }

  private byte[][] scriptKeys(int shard, List<String> keys) {
    byte[][] redisKeys = new byte[2 + keys.size()][];
    redisKeys[0] = link.layout.seqKey(shard);
    redisKeys[1] = link.layout.logKey(shard);
    for (int i = 0; i < keys.size(); i++) {
      redisKeys[2 + i] = entryKey(keys.get(i));
    }
    return redisKeys;
  }

  private byte[] entryKey(String encodedKey) {
    if (entryHead == null) {
      return link.layout.entryKey(namespace, encodedKey);
    }
    byte[] key = KeyLayout.utf8(encodedKey);
    byte[] entry = Arrays.copyOf(entryHead, entryHead.length + key.length);
    System.arraycopy(key, 0, entry, entryHead.length, key.length);
    return entry;
  }

  /** Whole milliseconds, rounded up so a sub-millisecond TTL still stores the entry briefly. */
  private static long ttlMillis(Duration ttl) {
    long millis;
    try {
      millis = ttl.toMillis();
      if (!ttl.minusMillis(millis).isZero()) {
        millis++;
      }
    } catch (ArithmeticException e) {
      millis = MAX_TTL_MILLIS;
    }
    // Redis refuses an expiry that overflows its clock; a century is "forever" for a cache.
    return Math.max(1, Math.min(millis, MAX_TTL_MILLIS));
  }

  static byte[] ascii(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public String toString() {
    return "RedisTierStore[" + namespace + "]";
  }
}
