package dev.hotpath.cache;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Objects;

/**
 * A Java type, generic ones included, for {@link NamespaceSpec#builder(String, TypeToken,
 * TypeToken)} and {@link JsonCodec#of(TypeToken)}: a {@code Class} cannot say {@code List<Candle>}.
 * Capture a generic type with an anonymous subclass, a plain one with {@link #of(Class)}:
 *
 * <pre>{@code
 * TypeToken<List<Candle>> candles = new TypeToken<>() {};
 * TypeToken<String> symbol = TypeToken.of(String.class);
 * }</pre>
 *
 * <p>Two tokens are equal when they denote the same type. Immutable and thread-safe.
 *
 * @param <T> the type
 */
public abstract class TypeToken<T> {
  private final Type type;

  /**
   * Captures the type argument of the anonymous subclass being created.
   *
   * @throws IllegalStateException when the subclass does not give a type argument
   */
  protected TypeToken() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType parameterized)) {
      throw new IllegalStateException(
          "create a TypeToken with a type argument, as in new TypeToken<List<Candle>>() {}");
    }
    this.type = parameterized.getActualTypeArguments()[0];
  }

  private TypeToken(Type type) {
    this.type = type;
  }

  /**
   * The token of a non-generic type.
   *
   * @throws NullPointerException if {@code type} is null
   */
  public static <T> TypeToken<T> of(Class<T> type) {
    return new TypeToken<T>(Objects.requireNonNull(type, "type")) {};
  }

  /** The type; a {@code Class} or a {@code ParameterizedType}, say. */
  public Type type() {
    return type;
  }

  /** The type's class when it is a plain class, else {@code null}. */
  Class<?> rawClass() {
    return type instanceof Class<?> c ? c : null;
  }

  @Override
  public final boolean equals(Object o) {
    return o instanceof TypeToken<?> other && type.equals(other.type);
  }

  @Override
  public final int hashCode() {
    return type.hashCode();
  }

  /** The type's name, such as {@code java.util.List<dev.example.Candle>}. */
  @Override
  public final String toString() {
    return type.getTypeName();
  }
}
