package dev.hotpath.benchmarks.report;

import com.zaxxer.hikari.HikariDataSource;
import dev.hotpath.benchmarks.BenchPostgres;
import dev.hotpath.benchmarks.BenchRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The machine a report was measured on, as {@code name: value} lines: CPU, cores, memory, OS,
 * JDK, and the Redis and PostgreSQL versions of the servers the benchmarks use (the ones {@link
 * BenchRedis} and {@link BenchPostgres} open: the configured URL's server or the embedded one).
 */
final class Machine {
  private Machine() {}

  /** Describes this machine; a value that cannot be read says why instead. Starts and stops servers. */
  static Map<String, String> describe() {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("CPU", firstValue(Path.of("/proc/cpuinfo"), "model name").orElse("unknown (no /proc/cpuinfo)"));
    facts.put("cores", Runtime.getRuntime().availableProcessors() + " available to the JVM");
    facts.put("memory", firstValue(Path.of("/proc/meminfo"), "MemTotal").map(Machine::gibibytes)
        .orElse("unknown (no /proc/meminfo)"));
    facts.put("OS", System.getProperty("os.name") + " " + System.getProperty("os.version") + " ("
        + System.getProperty("os.arch") + ")");
    facts.put("JDK", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version") + " ("
        + System.getProperty("java.vm.vendor") + ")");
    facts.put("Redis", redisVersion());
    facts.put("PostgreSQL", postgresVersion());
    return facts;
  }

  /** The value of the first {@code key: value} line for {@code key}, as {@code /proc} files have them. */
  static Optional<String> firstValue(Path file, String key) {
    try {
      List<String> lines = Files.readAllLines(file);
      return lines.stream()
          .filter(line -> line.startsWith(key) && line.indexOf(':') > 0
              && line.substring(0, line.indexOf(':')).trim().equals(key))
          .map(line -> line.substring(line.indexOf(':') + 1).trim())
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** {@code 24683656 kB} as {@code 23.5 GiB}; anything else as it is. */
  static String gibibytes(String meminfo) {
    String[] parts = meminfo.trim().split("\\s+");
    if (parts.length == 2 && parts[1].equals("kB") && parts[0].matches("\\d+")) {
      return String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(parts[0]) / (1024.0 * 1024.0));
    }
    return meminfo;
  }

  private static String redisVersion() {
    try (BenchRedis redis = BenchRedis.open()) {
      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        String version = infoField(connection.sync().info("server"), "redis_version").orElse("unknown");
        return version + (redis.isEmbedded() ? " (embedded)" : " (the configured server)");
      } finally {
        client.shutdown();
      }
    } catch (RuntimeException e) {
      return "unknown (" + e.getClass().getSimpleName() + ")";
    }
  }

  private static String postgresVersion() {
    try (BenchPostgres postgres = BenchPostgres.open();
        HikariDataSource pool = postgres.pool(1);
        Connection connection = pool.getConnection();
        Statement statement = connection.createStatement();
        ResultSet result = statement.executeQuery("SHOW server_version")) {
      result.next();
      return result.getString(1) + (postgres.isEmbedded() ? " (embedded)" : " (the configured server)");
    } catch (Exception e) {
      // The URL may carry a password: name the failure's type only.
      return "unknown (" + e.getClass().getSimpleName() + ")";
    }
  }

  /** A field of Redis's {@code INFO} reply ({@code name:value} lines). */
  private static Optional<String> infoField(String info, String key) {
    return info.lines()
        .filter(line -> line.startsWith(key + ":"))
        .map(line -> line.substring(key.length() + 1).trim())
        .findFirst();
  }
}
