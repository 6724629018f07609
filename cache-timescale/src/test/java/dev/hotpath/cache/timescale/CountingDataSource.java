package dev.hotpath.cache.timescale;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * A real data source that counts the statements executed through it, so a test can check how many
 * round trips an operation costs. Every call still reaches the real server.
 */
final class CountingDataSource extends ForwardingDataSource {
  private static final Set<String> EXECUTIONS =
      Set.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "executeBatch");

  private final AtomicInteger executions = new AtomicInteger();

  CountingDataSource(DataSource delegate) {
    super(delegate);
  }

  int executions() {
    return executions.get();
  }

  void reset() {
    executions.set(0);
  }

  @Override
  public Connection getConnection() throws SQLException {
    return wrap(delegate.getConnection());
  }

  @Override
  public Connection getConnection(String user, String password) throws SQLException {
    return wrap(delegate.getConnection(user, password));
  }

  private Connection wrap(Connection real) {
    InvocationHandler handler =
        (proxy, method, args) -> {
          Object result = invoke(real, method, args);
          if (result instanceof Statement statement) {
            Class<?> type =
                statement instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
            return Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {type},
                (p, m, a) -> {
                  if (EXECUTIONS.contains(m.getName())) {
                    executions.incrementAndGet();
                  }
                  return invoke(statement, m, a);
                });
          }
          return result;
        };
    return (Connection)
        Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
  }

  private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
      throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
