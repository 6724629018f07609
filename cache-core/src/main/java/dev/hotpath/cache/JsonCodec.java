package dev.hotpath.cache;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A {@link Codec} that stores values as JSON through Jackson ({@code jackson-databind} is an
 * optional dependency: add it to use this class). Values are bound to one concrete type; no type
 * information is read from the bytes, so stored data cannot make the reader instantiate arbitrary
 * classes.
 *
 * <p>Thread-safe.
 *
 * @param <V> the value type
 */
public final class JsonCodec<V> implements Codec<V> {
  private final TypeToken<V> type;
  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final int version;

  private JsonCodec(ObjectMapper mapper, TypeToken<V> type, int version) {
    JavaType javaType = mapper.getTypeFactory().constructType(type.type());
    this.type = type;
    this.reader = mapper.readerFor(javaType);
    this.writer = mapper.writerFor(javaType);
    this.version = version;
  }

  /**
   * A codec for {@code type} with a default {@link ObjectMapper} that ignores unknown properties
   * (so adding a field is not a breaking change).
   */
  public static <V> JsonCodec<V> of(Class<V> type) {
    return of(TypeToken.of(type));
  }

  /**
   * A codec for a generic type such as {@code List<Candle>}, with the same default mapper as
   * {@link #of(Class)}: {@code JsonCodec.of(new TypeToken<List<Candle>>() {})}.
   */
  public static <V> JsonCodec<V> of(TypeToken<V> type) {
    ObjectMapper mapper =
        new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    return new JsonCodec<>(mapper, Objects.requireNonNull(type, "type"), 0);
  }

  /**
   * A codec for {@code type} with the host's mapper and a format version to bump on incompatible
   * changes of {@code type}.
   *
   * @throws IllegalArgumentException unless {@code 0 <= version <= 255}
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, Class<V> type, int version) {
    return of(mapper, TypeToken.of(type), version);
  }

  /**
   * A codec for a generic type with the host's mapper and a format version.
   *
   * @throws IllegalArgumentException unless {@code 0 <= version <= 255}
   */
  public static <V> JsonCodec<V> of(ObjectMapper mapper, TypeToken<V> type, int version) {
    if (version < 0 || version > 255) {
      throw new IllegalArgumentException("version must be in [0, 255] but was " + version);
    }
    return new JsonCodec<>(Objects.requireNonNull(mapper, "mapper"), Objects.requireNonNull(type, "type"), version);
  }

  @Override
  public byte[] encode(V value) {
    try {
      return writer.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + type + " as JSON", e);
    }
  }

  @Override
  public V decode(byte[] bytes) {
    try {
      return reader.readValue(bytes);
    } catch (IOException e) {
      throw new IllegalArgumentException("not a JSON " + type, e);
    }
  }

  @Override
  public int version() {
    return version;
  }

  @Override
  public String toString() {
    return "JsonCodec[" + type + ", version " + version + "]";
  }
}
