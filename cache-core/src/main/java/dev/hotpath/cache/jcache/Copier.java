package dev.hotpath.cache.jcache;

import dev.hotpath.cache.Codec;
import dev.hotpath.cache.KeyCodec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.MonthDay;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.Year;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * JSR-107's store-by-value: the cache keeps its own copies of keys and values and hands out copies,
 * so a caller that changes an object after {@code put} or {@code get} does not change the cache.
 *
 * <p>A copy is made, in this order: not at all for immutable types (strings, boxed primitives,
 * {@code BigDecimal}, {@code UUID}, {@code java.time} values, enums); by cloning a primitive array;
 * through the cache's codec when {@link CacheOptions} names one; else by Java serialization. The
 * serialization here never leaves the process: it copies an object the caller has just handed over
 * (or one the cache made that way), so no bytes from outside are deserialized, which is why it is
 * acceptable here although Hotpath's tiers never use it. A value that none of these can copy is
 * refused with {@link IllegalArgumentException}.
 */
abstract class Copier {
  /** Store-by-reference: no copies. */
  static final Copier BY_REFERENCE =
      new Copier() {
        @Override
        <K> K copyKey(K key) {
          return key;
        }

        @Override
        <V> V copyValue(V value) {
          return value;
        }
      };

  private static final Set<Class<?>> IMMUTABLE = Set.of(
      String.class, Boolean.class, Character.class, Byte.class, Short.class, Integer.class, Long.class,
      Float.class, Double.class, BigInteger.class, BigDecimal.class, UUID.class, URI.class, Class.class,
      Instant.class, LocalDate.class, LocalTime.class, LocalDateTime.class, OffsetDateTime.class,
      OffsetTime.class, ZonedDateTime.class, Duration.class, Period.class, Year.class, YearMonth.class,
      MonthDay.class);

  /** The copy of a key this cache may keep or hand out. */
  abstract <K> K copyKey(K key);

  /** The copy of a value this cache may keep or hand out. */
  abstract <V> V copyValue(V value);

  /**
   * Store-by-value.
   *
   * @param loader resolves the classes of serialized copies (the cache manager's class loader; the
   *     default one when that is gone)
   * @param keyCodec copies keys, or null
   * @param valueCodec copies values, or null
   */
  static Copier byValue(Supplier<ClassLoader> loader, KeyCodec<?> keyCodec, Codec<?> valueCodec) {
    return new ByValue(loader, keyCodec, valueCodec);
  }

  static boolean isImmutable(Object o) {
    return o instanceof String || IMMUTABLE.contains(o.getClass()) || o instanceof Enum<?> || o instanceof ZoneId;
  }

  private static final class ByValue extends Copier {
    private final Supplier<ClassLoader> loader;
    private final KeyCodec<Object> keyCodec;
    private final Codec<Object> valueCodec;

    @SuppressWarnings("unchecked")
    ByValue(Supplier<ClassLoader> loader, KeyCodec<?> keyCodec, Codec<?> valueCodec) {
      this.loader = loader;
      this.keyCodec = (KeyCodec<Object>) keyCodec;
      this.valueCodec = (Codec<Object>) valueCodec;
    }

    @Override
    @SuppressWarnings("unchecked")
    <K> K copyKey(K key) {
      if (isImmutable(key)) {
        return key;
      }
      return keyCodec != null ? (K) keyCodec.decode(keyCodec.encode(key)) : copy(key);
    }

    @Override
    @SuppressWarnings("unchecked")
    <V> V copyValue(V value) {
      if (isImmutable(value)) {
        return value;
      }
      if (value.getClass().isArray() && value.getClass().getComponentType().isPrimitive()) {
        return copyArray(value);
      }
      return valueCodec != null ? (V) valueCodec.decode(valueCodec.encode(value)) : copy(value);
    }

    @SuppressWarnings("unchecked")
    private static <T> T copyArray(T array) {
      int length = Array.getLength(array);
      Object copy = Array.newInstance(array.getClass().getComponentType(), length);
      System.arraycopy(array, 0, copy, 0, length);
      return (T) copy;
    }

    @SuppressWarnings("unchecked")
    private <T> T copy(T object) {
      if (!(object instanceof Serializable)) {
        throw new IllegalArgumentException(
            "store-by-value cannot copy a " + object.getClass().getName() + ": it is not Serializable and the"
                + " cache has no codec for it; give CacheOptions a codec, or use"
                + " MutableConfiguration.setStoreByValue(false)");
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(object);
      } catch (IOException e) {
        throw new IllegalArgumentException("store-by-value cannot copy a " + object.getClass().getName(), e);
      }
      try (ObjectInputStream in = new LoaderObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()), loader.get())) {
        return (T) in.readObject();
      } catch (IOException | ClassNotFoundException e) {
        throw new IllegalArgumentException("store-by-value cannot copy a " + object.getClass().getName(), e);
      }
    }
  }

  /** Resolves classes through the cache manager's class loader, as JSR-107 asks. */
  private static final class LoaderObjectInputStream extends ObjectInputStream {
    private final ClassLoader loader;

    LoaderObjectInputStream(InputStream in, ClassLoader loader) throws IOException {
      super(in);
      this.loader = loader;
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
      if (loader != null) {
        try {
          return Class.forName(desc.getName(), false, loader);
        } catch (ClassNotFoundException e) {
          // a class the manager's loader does not see: the default resolution may
        }
      }
      return super.resolveClass(desc);
    }
  }
}
