package dev.hotpath.cache;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
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
   * @throws IllegalStateException when the subclass does not give a type argument, or the type
   *     holds a type variable ({@code new TypeToken<List<T>>() {}} inside a generic method captures
   *     {@code T}, not the caller's type, so two such tokens would look equal and a codec would
   *     not know what to build)
   */
  protected TypeToken() {
    Type superclass = getClass().getGenericSuperclass();
    if (!(superclass instanceof ParameterizedType parameterized)) {
      throw new IllegalStateException(
          "create a TypeToken with a type argument, as in new TypeToken<List<Candle>>() {}");
    }
    Type captured = parameterized.getActualTypeArguments()[0];
    TypeVariable<?> variable = typeVariableIn(captured);
    if (variable != null) {
      throw new IllegalStateException(
          "a TypeToken needs a concrete type, but " + captured.getTypeName() + " holds the type variable "
              + variable.getName() + "; pass the TypeToken in from where the type is known");
    }
    this.type = captured;
  }

  /** The first type variable {@code type} holds, or null. */
  private static TypeVariable<?> typeVariableIn(Type type) {
    if (type instanceof TypeVariable<?> variable) {
      return variable;
    }
    if (type instanceof ParameterizedType parameterized) {
      for (Type argument : parameterized.getActualTypeArguments()) {
        TypeVariable<?> found = typeVariableIn(argument);
        if (found != null) {
          return found;
        }
      }
      return parameterized.getOwnerType() == null ? null : typeVariableIn(parameterized.getOwnerType());
    }
    if (type instanceof GenericArrayType array) {
      return typeVariableIn(array.getGenericComponentType());
    }
    if (type instanceof WildcardType wildcard) {
      for (Type bound : wildcard.getUpperBounds()) {
        TypeVariable<?> found = typeVariableIn(bound);
        if (found != null) {
          return found;
        }
      }
      for (Type bound : wildcard.getLowerBounds()) {
        TypeVariable<?> found = typeVariableIn(bound);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
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
