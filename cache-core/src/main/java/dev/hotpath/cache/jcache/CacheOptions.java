package dev.hotpath.cache.jcache;

import dev.hotpath.cache.Codec;
import dev.hotpath.cache.KeyCodec;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * What JSR-107 cannot say about one JCache cache and Hotpath needs: the namespace's {@link
 * TtlProfile} (which tiers hold the cache's entries and for at most how long), its size bound, the
 * codecs for tiers outside the process, and whether its changes cross nodes. Given per cache name
 * through {@link JCacheSettings}.
 *
 * <p>The profile bounds how long each tier keeps an entry; the cache's JSR-107 {@code
 * ExpiryPolicy} decides when an entry expires, checked on every read. An entry therefore lives
 * until the earlier of the two. The default profile keeps entries in process only, without a TTL
 * of its own, so the expiry policy alone decides (and {@link #maximumSize()}, since a JSR-107
 * cache is otherwise unbounded). Give a profile no longer than the policy's longest duration, so
 * that tiers free expired entries themselves.
 *
 * <p>Immutable and thread-safe.
 */
public final class CacheOptions {
  /** The in-process TTL of the default profile: none, in effect. */
  public static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

  private static final long DEFAULT_MAXIMUM_SIZE = 10_000;
  private static final CacheOptions DEFAULTS = builder().build();

  private final TtlProfile ttl;
  private final long maximumSize;
  private final KeyCodec<?> keyCodec;
  private final Codec<?> valueCodec;
  private final boolean crossNodeInvalidation;

  private CacheOptions(Builder b) {
    this.ttl = b.ttl != null ? b.ttl : TtlProfile.builder().l1(FOREVER).build();
    this.maximumSize = b.maximumSize != null ? b.maximumSize : DEFAULT_MAXIMUM_SIZE;
    this.keyCodec = b.keyCodec;
    this.valueCodec = b.valueCodec;
    this.crossNodeInvalidation = b.crossNodeInvalidation != null && b.crossNodeInvalidation;
  }

  /** In process only, no TTL of Hotpath's (the expiry policy decides), at most 10,000 entries. */
  public static CacheOptions defaults() {
    return DEFAULTS;
  }

  /** A new builder; unset values take the {@linkplain #defaults() defaults}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these options, to derive a changed copy; each value may be replaced once. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.ttl = ttl;
    b.maximumSize = maximumSize;
    b.keyCodec = keyCodec;
    b.valueCodec = valueCodec;
    b.crossNodeInvalidation = crossNodeInvalidation;
    return b;
  }

  /** The namespace's TTL profile; never null. */
  public TtlProfile ttl() {
    return ttl;
  }

  /** Most entries held in process. */
  public long maximumSize() {
    return maximumSize;
  }

  /**
   * The key codec for tiers outside the process and for store-by-value copies, or null: then the
   * built-in one for the cache's key type, if any (see {@link NamespaceSpec#builder(String, Class,
   * Class)}).
   */
  public KeyCodec<?> keyCodec() {
    return keyCodec;
  }

  /** The value codec, as {@link #keyCodec()} is for keys; or null. */
  public Codec<?> valueCodec() {
    return valueCodec;
  }

  /** Whether the cache's changes are published to other nodes although it is kept in process only. */
  public boolean crossNodeInvalidation() {
    return crossNodeInvalidation;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CacheOptions c
        && ttl.equals(c.ttl)
        && maximumSize == c.maximumSize
        && Objects.equals(keyCodec, c.keyCodec)
        && Objects.equals(valueCodec, c.valueCodec)
        && crossNodeInvalidation == c.crossNodeInvalidation;
  }

  @Override
  public int hashCode() {
    return Objects.hash(ttl, maximumSize, keyCodec, valueCodec, crossNodeInvalidation);
  }

  @Override
  public String toString() {
    return "CacheOptions[" + ttl + ", maximumSize=" + maximumSize
        + (keyCodec != null ? ", keyCodec=" + keyCodec : "")
        + (valueCodec != null ? ", valueCodec=" + valueCodec : "")
        + (crossNodeInvalidation ? ", crossNodeInvalidation" : "") + "]";
  }

  /**
   * Builds {@link CacheOptions}. Each value may be set once ({@link IllegalStateException}
   * otherwise; from {@link CacheOptions#toBuilder()}, replaced once). Not thread-safe.
   */
  public static final class Builder {
    private final Set<String> assigned = new HashSet<>();
    private TtlProfile ttl;
    private Long maximumSize;
    private KeyCodec<?> keyCodec;
    private Codec<?> valueCodec;
    private Boolean crossNodeInvalidation;

    private Builder() {}

    /**
     * The namespace's TTL profile: a tier outside the process holds the cache's entries only when
     * the profile gives it a TTL ({@link TtlProfile.Builder#l2} or {@link TtlProfile.Builder#tier}).
     * Refresh-ahead and negative caching are refused at {@link #build()}: the JCache read-through
     * loader and absences are the cache's, not the namespace's.
     */
    public Builder ttl(TtlProfile profile) {
      once("ttl");
      this.ttl = Objects.requireNonNull(profile, "ttl");
      return this;
    }

    /** Most entries held in process (default 10,000). @throws IllegalArgumentException if not positive */
    public Builder maximumSize(long entries) {
      if (entries <= 0) {
        throw new IllegalArgumentException("maximumSize must be positive but was " + entries);
      }
      once("maximumSize");
      this.maximumSize = entries;
      return this;
    }

    /**
     * The codec for keys in tiers outside the process and in invalidation events, also used for
     * store-by-value copies. It must handle every key the cache is given.
     */
    public Builder keyCodec(KeyCodec<?> codec) {
      once("keyCodec");
      this.keyCodec = Objects.requireNonNull(codec, "keyCodec");
      return this;
    }

    /**
     * The codec for values in tiers outside the process, also used for store-by-value copies. It
     * must handle every value the cache is given.
     */
    public Builder valueCodec(Codec<?> codec) {
      once("valueCodec");
      this.valueCodec = Objects.requireNonNull(codec, "valueCodec");
      return this;
    }

    /** See {@link NamespaceSpec.Builder#crossNodeInvalidation()}; default false. */
    public Builder crossNodeInvalidation(boolean enabled) {
      once("crossNodeInvalidation");
      this.crossNodeInvalidation = enabled;
      return this;
    }

    private void once(String field) {
      if (!assigned.add(field)) {
        throw new IllegalStateException(field + " was already set");
      }
    }

    /**
     * The options.
     *
     * @throws IllegalStateException when the profile has a refresh-ahead age or a negative TTL
     */
    public CacheOptions build() {
      if (ttl != null && ttl.refreshAfter() != null) {
        throw new IllegalStateException("ttl.refreshAfter (" + ttl.refreshAfter() + ") needs a Hotpath loader;"
            + " a JCache cache loads through its own CacheLoader (MutableConfiguration.setReadThrough)");
      }
      if (ttl != null && ttl.negative() != null) {
        throw new IllegalStateException("ttl.negative (" + ttl.negative() + ") has no effect on a JCache cache,"
            + " which does not cache absences");
      }
      return new CacheOptions(this);
    }
  }
}
