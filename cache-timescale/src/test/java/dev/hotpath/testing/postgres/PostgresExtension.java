package dev.hotpath.testing.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests the shared {@link TestPostgres} and a {@link PostgresSchema} of
 * their own, as {@code @BeforeEach} or test method parameters.
 *
 * <p>After each test it starts the embedded server again if the test stopped it (so an outage test
 * that fails half-way does not take the server from the tests after it), and drops the schemas it
 * handed out: only those, never anything else on a shared server.
 */
public final class PostgresExtension implements ParameterResolver, AfterEachCallback {
  private static final Set<String> HANDED_OUT = ConcurrentHashMap.newKeySet();

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == TestPostgres.class || type == PostgresSchema.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    TestPostgres postgres = TestPostgres.get();
    if (parameter.getParameter().getType() == TestPostgres.class) {
      return postgres;
    }
    String hint =
        context.getRequiredTestClass().getSimpleName()
            + context.getTestMethod().map(m -> "_" + m.getName()).orElse("");
    PostgresSchema schema = new PostgresSchema(postgres.newSchemaName(hint));
    HANDED_OUT.add(schema.name());
    return schema;
  }

  @Override
  public void afterEach(ExtensionContext context) throws SQLException {
    TestPostgres postgres = TestPostgres.get();
    if (postgres.isRestartable() && !postgres.isRunning()) {
      postgres.start();
    }
    for (String name : HANDED_OUT) {
      try (Connection c = postgres.connect();
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS \"" + name + "\" CASCADE");
      }
      HANDED_OUT.remove(name);
    }
  }
}
