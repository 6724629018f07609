package dev.hotpath.testing.postgres;

import static java.util.Objects.requireNonNull;

/**
 * A schema name owned by one test, injected by {@link PostgresExtension}: no other test in any JVM
 * uses it, and it is dropped after the test. The schema itself is not created: the code under test
 * creates it.
 *
 * @param name a lower-case identifier, never null
 */
public record PostgresSchema(String name) {
  public PostgresSchema {
    requireNonNull(name, "name");
  }

  /** {@code "name"."table"}. */
  public String qualify(String table) {
    return '"' + name + "\".\"" + requireNonNull(table, "table") + '"';
  }

  @Override
  public String toString() {
    return name;
  }
}
