package dev.hotpath.cache;

import java.util.Objects;
import java.util.function.ToIntBiFunction;
import java.util.regex.Pattern;

/**
 * The settings of one namespace: a named, typed cache (say {@code symbols}, {@code accounts},
 * {@code ohlc}) with its own TTL profile, size bound, codecs, loader and write mode. Register it
 * with {@link TieredCache.Builder#namespace} and look it up with {@link TieredCache#namespace}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class NamespaceSpec<K, V> {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  /**
   * The default {@link #maxKeySize()}: 2 KiB of encoded key. Below what a PostgreSQL B-tree index
   * row may hold (2,704 bytes on 8 KiB pages, namespace included), so a key the cache accepts is
   * never refused later by a tier; and above any key a trading backend uses (symbols, ids,
   * {@code "BTCUSDT:1m:1700000000000"}) or an HTTP request line a client sends (about 2 KB).
   */
  public static final int DEFAULT_MAX_KEY_SIZE = 2048;

  private final String name;
  private final TypeToken<K> keyType;
  private final TypeToken<V> valueType;
  private final TtlProfile ttl;
  private final long maximumSize;
  private final long maximumWeight;
  private final ToIntBiFunction<? super K, ? super V> weigher;
  private final KeyCodec<K> keyCodec;
  private final Codec<V> valueCodec;
  private final CacheLoader<K, V> loader;
  private final WriteMode writeMode;
  private final CacheWriter<K, V> writer;
  private final WriteBehind writeBehind;
  private final DeadLetterHandler<? super K, ? super V> deadLetters;
  private final boolean crossNodeInvalidation;
  private final int maxKeySize;

  private NamespaceSpec(Builder<K, V> b) {
    this.name = b.name;
    this.keyType = b.keyType;
    this.valueType = b.valueType;
    this.ttl = b.ttl;
    this.maximumSize = b.maximumSize == null ? (b.weigher == null ? 10_000 : -1) : b.maximumSize;
    this.maximumWeight = b.maximumWeight == null ? -1 : b.maximumWeight;
    this.weigher = b.weigher;
    this.keyCodec = b.keyCodec != null ? b.keyCodec : BuiltInCodecs.keyCodecFor(keyType);
    this.valueCodec = b.valueCodec != null ? b.valueCodec : BuiltInCodecs.forType(valueType);
    this.loader = b.loader;
    this.writeMode = b.writeMode;
    this.writer = b.writer;
    this.writeBehind = b.writeBehind != null ? b.writeBehind : WriteBehind.defaults();
    this.deadLetters = b.deadLetters != null ? b.deadLetters : DeadLetterHandler.logging();
    this.crossNodeInvalidation = b.crossNodeInvalidation != null;
    this.maxKeySize = b.maxKeySize != null ? b.maxKeySize : DEFAULT_MAX_KEY_SIZE;
  }

  /**
   * A builder for a namespace called {@code name} holding {@code keyType} keys and {@code
   * valueType} values. Key and value codecs default to the built-in ones for {@code String},
   * {@code Long}, {@code Integer}, {@code UUID} keys and {@code String}, {@code byte[]}, {@code
   * Long}, {@code Integer}, {@code Double}, {@code BigDecimal} values.
   *
   * @param name 1 to 64 characters of {@code [A-Za-z0-9_.-]}, starting with a letter or digit
   * @throws IllegalArgumentException when {@code name} does not match
   * @throws NullPointerException when an argument is null
   */
  public static <K, V> Builder<K, V> builder(String name, Class<K> keyType, Class<V> valueType) {
    return new Builder<>(
        name, TypeToken.of(Objects.requireNonNull(keyType, "keyType")),
        TypeToken.of(Objects.requireNonNull(valueType, "valueType")));
  }

  /**
   * A builder for a namespace of generic key or value types, such as {@code List<Candle>}
   * values: {@code NamespaceSpec.builder("ohlc", TypeToken.of(String.class), new
   * TypeToken<List<Candle>>() {})}. Generic types have no built-in codec: a namespace stored in a
   * tier outside the process needs {@link Builder#valueCodec} (for example {@link
   * JsonCodec#of(TypeToken)}), checked when the cache is built.
   *
   * @param name as for {@link #builder(String, Class, Class)}
   * @throws IllegalArgumentException when {@code name} does not match
   * @throws NullPointerException when an argument is null
   */
  public static <K, V> Builder<K, V> builder(String name, TypeToken<K> keyType, TypeToken<V> valueType) {
    return new Builder<>(name, keyType, valueType);
  }

  /** The namespace's name. */
  public String name() {
    return name;
  }

  /** The key type. */
  public TypeToken<K> keyType() {
    return keyType;
  }

  /** The value type. */
  public TypeToken<V> valueType() {
    return valueType;
  }

  /** The TTL profile. */
  public TtlProfile ttl() {
    return ttl;
  }

  /** Most entries held in process, or -1 when bounded by weight instead. */
  public long maximumSize() {
    return maximumSize;
  }

  /** Most total weight held in process, or -1 when bounded by entry count instead. */
  public long maximumWeight() {
    return maximumWeight;
  }

  /** The weigher for {@link #maximumWeight()}, or {@code null}. */
  public ToIntBiFunction<? super K, ? super V> weigher() {
    return weigher;
  }

  /** The key codec for tiers outside the process, or {@code null} when the key type has none. */
  public KeyCodec<K> keyCodec() {
    return keyCodec;
  }

  /** The value codec for tiers outside the process, or {@code null} when the value type has none. */
  public Codec<V> valueCodec() {
    return valueCodec;
  }

  /** The loader, or {@code null}: then a read that no tier answers returns null. */
  public CacheLoader<K, V> loader() {
    return loader;
  }

  /**
   * Whether {@link Builder#crossNodeInvalidation()} was set: the namespace's changes are published
   * to other nodes even when it is kept in process only. A namespace stored in a tier outside the
   * process publishes them in any case.
   */
  public boolean crossNodeInvalidation() {
    return crossNodeInvalidation;
  }

  /**
   * The largest key, in bytes of the UTF-8 form its {@link #keyCodec()} gives, that the namespace
   * sends out of the process (default {@value #DEFAULT_MAX_KEY_SIZE}). Applies to namespaces
   * stored in a tier outside the process or built with {@link Builder#crossNodeInvalidation()}:
   * every call that would send a longer key to a tier or to other nodes throws {@link
   * KeyTooLargeException} before anything is sent. Keys of namespaces kept in process only are
   * not limited.
   */
  public int maxKeySize() {
    return maxKeySize;
  }

  WriteMode writeMode() {
    return writeMode;
  }

  /** The writer of the write-through and write-behind modes, or {@code null}. */
  CacheWriter<K, V> writer() {
    return writer;
  }

  /** The write-behind settings (used in {@link WriteMode#WRITE_BEHIND} only). */
  WriteBehind writeBehind() {
    return writeBehind;
  }

  /** Where write-behind hands the writes it gave up (used in {@link WriteMode#WRITE_BEHIND} only). */
  DeadLetterHandler<? super K, ? super V> deadLetters() {
    return deadLetters;
  }

  @Override
  public String toString() {
    return "NamespaceSpec[" + name + ", " + keyType + " -> " + valueType + ", " + ttl
        + ", maximumSize=" + maximumSize + ", maximumWeight=" + maximumWeight + ", loader=" + (loader != null)
        + ", writeMode=" + writeMode + (crossNodeInvalidation ? ", crossNodeInvalidation" : "")
        + ", maxKeySize=" + maxKeySize + "]";
  }

  /**
   * Builds a {@link NamespaceSpec}. Setting a value twice is an error. Not thread-safe.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private final String name;
    private final TypeToken<K> keyType;
    private final TypeToken<V> valueType;
    private TtlProfile ttl;
    private Long maximumSize;
    private Long maximumWeight;
    private ToIntBiFunction<? super K, ? super V> weigher;
    private KeyCodec<K> keyCodec;
    private Codec<V> valueCodec;
    private CacheLoader<K, V> loader;
    private WriteMode writeMode = WriteMode.CACHE_ASIDE;
    private CacheWriter<K, V> writer;
    private WriteBehind writeBehind;
    private DeadLetterHandler<? super K, ? super V> deadLetters;
    private Boolean crossNodeInvalidation;
    private Integer maxKeySize;

    private Builder(String name, TypeToken<K> keyType, TypeToken<V> valueType) {
      Objects.requireNonNull(name, "name");
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "name must match " + NAME.pattern() + " but was '" + name + "'");
      }
      this.name = name;
      this.keyType = Objects.requireNonNull(keyType, "keyType");
      this.valueType = Objects.requireNonNull(valueType, "valueType");
    }

    /** The TTL profile (required); start from a preset such as {@link TtlProfile#SYMBOL_CONFIG}. */
    public Builder<K, V> ttl(TtlProfile profile) {
      Arguments.unset(ttl, "ttl");
      this.ttl = Objects.requireNonNull(profile, "ttl");
      return this;
    }

    /**
     * Most entries held in process (default 10,000).
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder<K, V> maximumSize(long maximumSize) {
      Arguments.unset(this.maximumSize, "maximumSize");
      this.maximumSize = Arguments.positive(maximumSize, "maximumSize");
      return this;
    }

    /**
     * Bound the in-process tier by total weight instead of entry count.
     *
     * @throws IllegalArgumentException if {@code maximumWeight} is not positive
     */
    public Builder<K, V> maximumWeight(long maximumWeight, ToIntBiFunction<? super K, ? super V> weigher) {
      Arguments.unset(this.maximumWeight, "maximumWeight");
      this.maximumWeight = Arguments.positive(maximumWeight, "maximumWeight");
      this.weigher = Objects.requireNonNull(weigher, "weigher");
      return this;
    }

    /** The key codec, needed for tiers outside the process when the key type has no built-in one. */
    public Builder<K, V> keyCodec(KeyCodec<K> codec) {
      Arguments.unset(keyCodec, "keyCodec");
      this.keyCodec = Objects.requireNonNull(codec, "keyCodec");
      return this;
    }

    /** The value codec, needed for tiers outside the process when the value type has no built-in one. */
    public Builder<K, V> valueCodec(Codec<V> codec) {
      Arguments.unset(valueCodec, "valueCodec");
      this.valueCodec = Objects.requireNonNull(codec, "valueCodec");
      return this;
    }

    /** The loader for keys no tier holds. */
    public Builder<K, V> loader(CacheLoader<K, V> loader) {
      Arguments.unset(this.loader, "loader");
      this.loader = Objects.requireNonNull(loader, "loader");
      return this;
    }

    /**
     * Write-through: {@code put} calls {@code writer} first, in the caller's thread, and updates
     * the tiers only when it succeeds. Without this or {@link #writeBehind}, the namespace is
     * cache-aside: {@code put} updates the tiers only.
     *
     * @throws IllegalStateException when a write mode was already set
     */
    public Builder<K, V> writeThrough(CacheWriter<K, V> writer) {
      return writeMode(WriteMode.WRITE_THROUGH, writer, null);
    }

    /**
     * Write-behind: {@code put} updates the tiers at once and queues the write in a bounded buffer
     * flushed to {@code writer} in batches, as {@code settings} say. A write the writer keeps
     * failing is retried up to {@link WriteBehind#maxAttempts()} times, then given up to the
     * {@linkplain #deadLetters dead-letter handler}, while the other writes go on. Until a write is
     * written or given up, a read that no tier answers is answered with it instead of the loader.
     *
     * @throws IllegalStateException when a write mode was already set
     */
    public Builder<K, V> writeBehind(CacheWriter<K, V> writer, WriteBehind settings) {
      return writeMode(WriteMode.WRITE_BEHIND, writer, Objects.requireNonNull(settings, "settings"));
    }

    /**
     * Where write-behind hands the writes it gave up after {@link WriteBehind#maxAttempts()}
     * failed attempts (default {@link DeadLetterHandler#logging()}). Requires {@link #writeBehind},
     * checked at {@link #build()}.
     */
    public Builder<K, V> deadLetters(DeadLetterHandler<? super K, ? super V> handler) {
      Arguments.unset(deadLetters, "deadLetters");
      this.deadLetters = Objects.requireNonNull(handler, "deadLetters");
      return this;
    }

    /**
     * Publishes this namespace's changes to other nodes although it is kept in process only: for
     * a namespace each node loads from a shared source (a database), whose other nodes must drop
     * their copies when one node changes an entry. Without it, a namespace stored only in process
     * tells this process's invalidation listeners of its changes and nothing else, so it costs no
     * bus traffic (with the Redis bus, no Redis command per change). A namespace stored in a tier
     * outside the process publishes its changes to other nodes in any case.
     */
    public Builder<K, V> crossNodeInvalidation() {
      Arguments.unset(crossNodeInvalidation, "crossNodeInvalidation");
      this.crossNodeInvalidation = Boolean.TRUE;
      return this;
    }

    /**
     * The largest key, in bytes of its encoded (UTF-8) form, the namespace sends to tiers outside
     * the process and to other nodes; default {@value NamespaceSpec#DEFAULT_MAX_KEY_SIZE}. A
     * longer key is refused with {@link KeyTooLargeException} before anything is sent: an
     * unbounded key would cost every tier and every node that is told of its change. A tier may
     * refuse a namespace whose limit it cannot store (PostgreSQL indexes keys up to about 2.6 KB).
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     */
    public Builder<K, V> maxKeySize(int bytes) {
      Arguments.unset(maxKeySize, "maxKeySize");
      this.maxKeySize = Arguments.positive(bytes, "maxKeySize");
      return this;
    }

    private Builder<K, V> writeMode(WriteMode mode, CacheWriter<K, V> writer, WriteBehind settings) {
      Arguments.unset(this.writer, "write mode (writeThrough or writeBehind)");
      this.writer = Objects.requireNonNull(writer, "writer");
      this.writeMode = mode;
      this.writeBehind = settings;
      return this;
    }

    /**
     * The spec.
     *
     * @throws IllegalStateException when {@code ttl} is unset, {@code refreshAfter} is set without
     *     a loader, or {@code deadLetters} without {@code writeBehind}
     */
    public NamespaceSpec<K, V> build() {
      if (ttl == null) {
        throw new IllegalStateException("namespace '" + name + "': ttl is required");
      }
      if (maximumSize != null && maximumWeight != null) {
        throw new IllegalStateException(
            "namespace '" + name + "': set maximumSize or maximumWeight, not both");
      }
      if (ttl.refreshAfter() != null && loader == null) {
        throw new IllegalStateException(
            "namespace '" + name + "': ttl.refreshAfter=" + ttl.refreshAfter() + " requires a loader");
      }
      if (deadLetters != null && writeMode != WriteMode.WRITE_BEHIND) {
        throw new IllegalStateException(
            "namespace '" + name + "': deadLetters requires writeBehind, but the write mode is " + writeMode);
      }
      Codec<V> codec = valueCodec != null ? valueCodec : BuiltInCodecs.forType(valueType);
      if (codec != null && (codec.version() < 0 || codec.version() > 255)) {
        throw new IllegalArgumentException(
            "namespace '" + name + "': valueCodec.version() must be in [0, 255] but was " + codec.version());
      }
      return new NamespaceSpec<>(this);
    }
  }
}
