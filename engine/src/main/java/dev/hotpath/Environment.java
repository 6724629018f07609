package dev.hotpath;

import java.util.Map;
import java.util.function.Consumer;

/**
 * The environment variables {@link Hotpath#fromEnvironment()} reads: where the servers are and who
 * this node is, the settings that differ between environments. What the application is made of
 * (namespaces, limiters, engines) stays in code.
 */
final class Environment {
  static final String REDIS_URL = "HOTPATH_REDIS_URL";
  static final String POSTGRES_URL = "HOTPATH_POSTGRES_URL";
  static final String POSTGRES_USER = "HOTPATH_POSTGRES_USER";
  static final String POSTGRES_PASSWORD = "HOTPATH_POSTGRES_PASSWORD";
  static final String NODE_ID = "HOTPATH_NODE_ID";

  private Environment() {}

  /**
   * Sets on {@code builder} what {@code environment} holds; unset and blank variables set nothing
   * (a compose file's {@code HOTPATH_REDIS_URL=} means "no Redis").
   *
   * @throws IllegalArgumentException when the builder refuses a value; the message names the variable
   * @throws IllegalStateException when a PostgreSQL user or password is set without its URL
   */
  static Hotpath.Builder configure(Hotpath.Builder builder, Map<String, String> environment) {
    String redisUrl = trimmed(value(environment, REDIS_URL));
    String postgresUrl = trimmed(value(environment, POSTGRES_URL));
    String user = value(environment, POSTGRES_USER);
    String password = value(environment, POSTGRES_PASSWORD);
    String nodeId = trimmed(value(environment, NODE_ID));
    if (postgresUrl == null && (user != null || password != null)) {
      throw new IllegalStateException((user != null ? POSTGRES_USER : POSTGRES_PASSWORD) + " is set but "
          + POSTGRES_URL + " is not");
    }
    set(REDIS_URL, redisUrl, builder::redis);
    set(POSTGRES_URL, postgresUrl, url -> {
      builder.postgres(url, user, password);
      builder.postgresFromEnvironment = true;
    });
    set(NODE_ID, nodeId, builder::nodeId);
    return builder;
  }

  /** Gives {@code value}, when set, to {@code setter}; a refusal names the variable. */
  private static void set(String variable, String value, Consumer<String> setter) {
    if (value == null) {
      return;
    }
    try {
      setter.accept(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(variable + ": " + e.getMessage());
    }
  }

  /** The variable's value, or null when unset or blank; as it is, since a password may begin or end with a space. */
  private static String value(Map<String, String> environment, String name) {
    String value = environment.get(name);
    return value == null || value.isBlank() ? null : value;
  }

  /** For URLs and names, where surrounding white space is a slip of the pen (a trailing newline, say). */
  private static String trimmed(String value) {
    return value == null ? null : value.trim();
  }
}
