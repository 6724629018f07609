package dev.hotpath.cache;

import dev.hotpath.cache.spi.NamespaceContext;
import dev.hotpath.cache.spi.NamespaceStore;
import dev.hotpath.cache.spi.Tier;
import dev.hotpath.cache.spi.TierValue;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shared-tier stand-in for cache-core's own tests: stores the same versioned payloads a Redis or
 * PostgreSQL tier stores, in a map, with TTLs on an injectable ticker. It can be made to fail
 * ("down") and counts operations. It is not a Redis or PostgreSQL substitute: those tiers are
 * tested against real servers in their modules.
 */
public final class ByteMapTier implements Tier {
  private final String name;
  private final Ticker ticker;
  final Map<String, Stored> data = new ConcurrentHashMap<>();
  final AtomicBoolean down = new AtomicBoolean();
  /** Fails writes only, as a read-only replica or a full disk would. */
  final AtomicBoolean failWrites = new AtomicBoolean();
  final AtomicInteger reads = new AtomicInteger();
  final AtomicInteger bulkReads = new AtomicInteger();
  /** When set, {@code clear()} waits for it after announcing itself on {@link #clearStarted}, as a long scan would. */
  volatile java.util.concurrent.CountDownLatch clearGate;
  final java.util.concurrent.Semaphore clearStarted = new java.util.concurrent.Semaphore(0);
  /** Widens race windows: a write yields its thread before it lands, as a network write would. */
  volatile boolean slowWrites;
  /**
   * When set, writes wait for it after announcing themselves on {@link #writeStarted}, as writes to
   * a server that stopped taking them would.
   */
  volatile java.util.concurrent.CountDownLatch writeGate;
  final java.util.concurrent.Semaphore writeStarted = new java.util.concurrent.Semaphore(0);
  /** When set, single reads wait for it after announcing themselves on {@link #readStarted}, as a slow server's would. */
  volatile java.util.concurrent.CountDownLatch readGate;
  final java.util.concurrent.Semaphore readStarted = new java.util.concurrent.Semaphore(0);
  /** The thread of the last single read. */
  volatile Thread lastReader;
  /** Whether its stores claim to make their failed changes themselves, as the Redis tier does. */
  volatile boolean retriesFailedChanges;
  /** When set, each invalidation and clear appends "NAME invalidate KEY" / "NAME clear" to it (tiers may share one). */
  volatile java.util.Queue<String> changeLog;

  record Stored(byte[] payload, long expiresAt) {}

  public ByteMapTier(String name, Ticker ticker) {
    this.name = name;
    this.ticker = ticker;
  }

  @Override
  public String name() {
    return name;
  }

  /** Raw access for tests: the stored bytes of a key, or null. */
  byte[] raw(String namespace, String key) {
    Stored s = data.get(namespace + "\u0000" + key);
    return s == null ? null : s.payload;
  }

  void putRaw(String namespace, String key, byte[] payload) {
    data.put(namespace + "\u0000" + key, new Stored(payload, Long.MAX_VALUE));
  }

  @Override
  public <K, V> NamespaceStore<K, V> open(NamespaceContext<K, V> binding) {
    String ns = binding.namespace() + "\u0000";
    return new NamespaceStore<>() {
      private void check() {
        if (down.get()) {
          throw new IllegalStateException("tier " + name + " is down");
        }
      }

      @Override
      public TierValue<V> get(K key) {
        check();
        reads.incrementAndGet();
        lastReader = Thread.currentThread();
        java.util.concurrent.CountDownLatch gate = readGate;
        if (gate != null) {
          readStarted.release();
          try {
            if (!gate.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
              throw new IllegalStateException("readGate was never opened");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
        }
        Stored s = data.get(ns + binding.encodeKey(key));
        if (s == null || ticker.read() - s.expiresAt >= 0) {
          return null;
        }
        return binding.decodeValue(s.payload);
      }

      @Override
      public Map<K, TierValue<V>> getAll(Collection<? extends K> keys) {
        check();
        bulkReads.incrementAndGet();
        Map<K, TierValue<V>> found = new HashMap<>();
        for (K key : keys) {
          Stored s = data.get(ns + binding.encodeKey(key));
          if (s != null && ticker.read() - s.expiresAt < 0) {
            TierValue<V> v = binding.decodeValue(s.payload);
            if (v != null) {
              found.put(key, v);
            }
          }
        }
        return found;
      }

      @Override
      public void put(K key, TierValue<V> value, Duration ttl) {
        check();
        if (failWrites.get()) {
          throw new IllegalStateException("tier " + name + " refuses writes");
        }
        if (slowWrites) {
          Thread.yield();
        }
        java.util.concurrent.CountDownLatch gate = writeGate;
        if (gate != null) {
          writeStarted.release();
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        data.put(ns + binding.encodeKey(key), new Stored(binding.encodeValue(value), ticker.read() + ttl.toNanos()));
      }

      @Override
      public void putAll(Map<? extends K, TierValue<V>> entries, Duration ttl) {
        entries.forEach((k, v) -> put(k, v, ttl));
      }

      @Override
      public boolean retriesFailedChanges() {
        return retriesFailedChanges;
      }

      @Override
      public void invalidate(K key) {
        check();
        log("invalidate " + key);
        data.remove(ns + binding.encodeKey(key));
      }

      @Override
      public void invalidateAll(Collection<? extends K> keys) {
        keys.forEach(this::invalidate);
      }

      @Override
      public void clear() {
        check();
        log("clear");
        java.util.concurrent.CountDownLatch gate = clearGate;
        if (gate != null) {
          clearStarted.release();
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        data.keySet().removeIf(k -> k.startsWith(ns));
      }
    };
  }

  private void log(String change) {
    java.util.Queue<String> log = changeLog;
    if (log != null) {
      log.add(name + " " + change);
    }
  }
}
