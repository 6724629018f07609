package dev.hotpath.examples.marketdata;

import static java.util.Objects.requireNonNull;

import dev.hotpath.ratelimit.ClientAddress;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What the service is configured with, read from environment variables ({@link #fromEnvironment})
 * or set by a test through {@link #builder()}. Every value has a default, so the service starts
 * with none set: simulated exchange, embedded Redis and PostgreSQL, port 8080 on loopback.
 *
 * <p>Immutable; {@link #toString()} never prints a password.
 */
final class ServiceConfig {
  /** The plans a client can be on; their limits are {@code TenantPlans.standardApiPlans()}'s. */
  static final List<String> PLANS = List.of("free", "pro", "enterprise");
  /** Clients named by an address, and by the trusted header's value: neither can pass for the other. */
  static final String ID_PREFIX = "id:";
  static final String LOOKBACK_VARIABLE = "MARKET_DATA_LOOKBACK_MINUTES";
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+"); // RFC 9110 token

  final String bindAddress;
  final int port;
  final String source;
  final URI binanceUrl;
  final int simulatedSymbols;
  final Duration simulatedLatency;
  final String redisUrl;
  final String postgresUrl;
  final String postgresUser;
  final String postgresPassword;
  final String nodeId;
  final boolean limitsFailOpen;
  final Duration candleTtl;
  final Duration lookback;
  final Map<String, String> clientPlans;
  /** The header naming the client, set by a proxy in front; null: clients are their addresses. */
  final String trustedClientHeader;
  final int maxSymbols;
  final int maxBodyBytes;
  final String schema;
  final String redisKeyPrefix;
  final Duration marketDataRetention;
  final Duration indicatorRetention;
  final Duration signalRetention;
  final Duration logRetention;

  private ServiceConfig(Builder b) {
    this.bindAddress = b.bindAddress;
    this.port = b.port;
    this.source = b.source;
    this.binanceUrl = b.binanceUrl;
    this.simulatedSymbols = b.simulatedSymbols;
    this.simulatedLatency = b.simulatedLatency;
    this.redisUrl = b.redisUrl;
    this.postgresUrl = b.postgresUrl;
    this.postgresUser = b.postgresUser;
    this.postgresPassword = b.postgresPassword;
    this.nodeId = b.nodeId;
    this.limitsFailOpen = b.limitsFailOpen;
    this.candleTtl = b.candleTtl;
    this.lookback = b.lookback;
    this.clientPlans = Map.copyOf(b.clientPlans);
    this.trustedClientHeader = b.trustedClientHeader;
    this.maxSymbols = b.maxSymbols;
    this.maxBodyBytes = b.maxBodyBytes;
    this.schema = b.schema;
    this.redisKeyPrefix = b.redisKeyPrefix;
    this.marketDataRetention = b.marketDataRetention;
    this.indicatorRetention = b.indicatorRetention;
    this.signalRetention = b.signalRetention;
    this.logRetention = b.logRetention;
  }

  static Builder builder() {
    return new Builder();
  }

  /**
   * The configuration the environment describes; unset or blank variables keep their defaults.
   * The variables and their defaults are listed in the README's market-data-service section.
   *
   * @throws IllegalArgumentException naming the variable and its value (never a password) when a
   *     value is refused
   */
  static Builder fromEnvironment(Map<String, String> env) {
    Builder b = builder();
    set(env, "MARKET_DATA_BIND", b::bindAddress, Function.identity());
    set(env, "MARKET_DATA_PORT", b::port, Integer::parseInt);
    set(env, "MARKET_DATA_SOURCE", b::source, Function.identity());
    set(env, "MARKET_DATA_BINANCE_URL", b::binanceUrl, URI::create);
    set(env, "MARKET_DATA_SIMULATED_SYMBOLS", b::simulatedSymbols, Integer::parseInt);
    set(env, "HOTPATH_REDIS_URL", b::redisUrl, Function.identity());
    set(env, "HOTPATH_POSTGRES_URL", b::postgresUrl, Function.identity());
    set(env, "HOTPATH_POSTGRES_USER", b::postgresUser, Function.identity());
    set(env, "HOTPATH_POSTGRES_PASSWORD", b::postgresPassword, Function.identity());
    set(env, "HOTPATH_NODE_ID", b::nodeId, Function.identity());
    set(env, "MARKET_DATA_LIMITS_WHEN_REDIS_DOWN", b::limitsWhenRedisDown, Function.identity());
    set(env, "MARKET_DATA_CANDLE_TTL_SECONDS", b::candleTtl, v -> Duration.ofSeconds(Long.parseLong(v)));
    set(env, LOOKBACK_VARIABLE, b::lookback, v -> Duration.ofMinutes(Long.parseLong(v)));
    set(env, "MARKET_DATA_CLIENTS", b::clientPlans, ServiceConfig::parsePlans);
    set(env, "MARKET_DATA_TRUSTED_CLIENT_HEADER", b::trustedClientHeader, Function.identity());
    set(env, "MARKET_DATA_MAX_SYMBOLS", b::maxSymbols, Integer::parseInt);
    set(env, "MARKET_DATA_MAX_BODY_BYTES", b::maxBodyBytes, Integer::parseInt);
    set(env, "MARKET_DATA_SCHEMA", b::schema, Function.identity());
    set(env, "MARKET_DATA_RETENTION_MARKET_DAYS", b::marketDataRetention, ServiceConfig::days);
    set(env, "MARKET_DATA_RETENTION_INDICATOR_DAYS", b::indicatorRetention, ServiceConfig::days);
    set(env, "MARKET_DATA_RETENTION_SIGNAL_DAYS", b::signalRetention, ServiceConfig::days);
    set(env, "MARKET_DATA_RETENTION_LOG_DAYS", b::logRetention, ServiceConfig::days);
    return b;
  }

  private static <T> void set(Map<String, String> env, String variable, java.util.function.Consumer<T> setter,
      Function<String, T> parse) {
    String raw = env.get(variable);
    if (raw == null || raw.isBlank()) {
      return;
    }
    try {
      setter.accept(parse.apply(raw.trim()));
    } catch (RuntimeException e) {
      String shown = variable.endsWith("PASSWORD") ? "****" : raw;
      throw new IllegalArgumentException(variable + " cannot be '" + shown + "': " + e.getMessage(), e);
    }
  }

  private static Duration days(String value) {
    return Duration.ofDays(Long.parseLong(value));
  }

  /**
   * {@code acme=pro,ip:10.0.0.7=enterprise}: client (an id, or {@code ip:} and an address; IPv6 ones
   * stand for their /64) to plan;
   * {@link Builder#clientPlans} prefixes the ids.
   */
  static Map<String, String> parsePlans(String value) {
    Map<String, String> plans = new LinkedHashMap<>();
    for (String entry : value.split(",")) {
      String[] parts = entry.trim().split("=", 2);
      if (parts.length != 2 || parts[0].isBlank()) {
        throw new IllegalArgumentException("expected client=plan pairs separated by commas, as in acme=pro");
      }
      plans.put(parts[0].trim(), parts[1].trim());
    }
    return plans;
  }

  /** The plan of {@code client} ({@code id:acme} or {@code ip:10.0.0.7}): its assignment, else {@code free}. */
  String planOf(String client) {
    return clientPlans.getOrDefault(client, "free");
  }

  boolean simulated() {
    return "simulated".equals(source);
  }

  @Override
  public String toString() {
    return "ServiceConfig[" + bindAddress + ":" + port + ", source=" + source
        + (simulated() ? "" : " " + binanceUrl) + ", redis=" + (redisUrl != null ? "configured" : "embedded")
        + ", postgres=" + (postgresUrl != null ? "configured" : "embedded") + ", candleTtl=" + candleTtl
        + ", lookback=" + lookback
        + ", clients=" + clientPlans + ", trustedClientHeader=" + trustedClientHeader
        + ", limitsWhenRedisDown=" + (limitsFailOpen ? "fail-open" : "fail-closed") + "]";
  }

  /** Builds a {@link ServiceConfig}; each value is checked when set, naming the field. Not thread-safe. */
  static final class Builder {
    private String bindAddress = "127.0.0.1";
    private int port = 8080;
    private String source = "simulated";
    private URI binanceUrl = BinanceSource.BINANCE;
    private int simulatedSymbols = 520;
    private Duration simulatedLatency = Duration.ofMillis(5);
    private String redisUrl;
    private String postgresUrl;
    private String postgresUser;
    private String postgresPassword;
    private String nodeId;
    private boolean limitsFailOpen = true;
    private Duration candleTtl = Duration.ofSeconds(60);
    private Duration lookback = Duration.ofMinutes(BinanceSource.MAX_KLINES);
    private Map<String, String> clientPlans = Map.of();
    private String trustedClientHeader;
    private int maxSymbols = 500;
    private int maxBodyBytes = 64 * 1024;
    private String schema = "market";
    private String redisKeyPrefix = "marketdata";
    private Duration marketDataRetention = Duration.ofDays(30);
    private Duration indicatorRetention = Duration.ofDays(30);
    private Duration signalRetention = Duration.ofDays(90);
    private Duration logRetention = Duration.ofDays(7);

    private Builder() {}

    Builder bindAddress(String address) {
      this.bindAddress = requireNonNull(address, "bindAddress");
      return this;
    }

    /** 0 picks a free port (tests, the demo). */
    Builder port(int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0 to 65535 but was " + port);
      }
      this.port = port;
      return this;
    }

    /** {@code simulated} (the default, offline) or {@code binance}. */
    Builder source(String source) {
      if (!"simulated".equals(source) && !"binance".equals(source)) {
        throw new IllegalArgumentException("source must be 'simulated' or 'binance' but was '" + source + "'");
      }
      this.source = source;
      return this;
    }

    Builder binanceUrl(URI url) {
      this.binanceUrl = requireNonNull(url, "binanceUrl");
      return this;
    }

    Builder simulatedSymbols(int count) {
      this.simulatedSymbols = positive("simulatedSymbols", count);
      return this;
    }

    Builder simulatedLatency(Duration latency) {
      if (latency.isNegative()) {
        throw new IllegalArgumentException("simulatedLatency must not be negative but was " + latency);
      }
      this.simulatedLatency = latency;
      return this;
    }

    /** Redis to use; null starts an embedded one. */
    Builder redisUrl(String url) {
      this.redisUrl = url;
      return this;
    }

    /** PostgreSQL to use; null starts an embedded one. */
    Builder postgresUrl(String url) {
      this.postgresUrl = url;
      return this;
    }

    Builder postgresUser(String user) {
      this.postgresUser = user;
      return this;
    }

    Builder postgresPassword(String password) {
      this.postgresPassword = password;
      return this;
    }

    Builder nodeId(String nodeId) {
      this.nodeId = nodeId;
      return this;
    }

    /** {@code fail-open} (default: a local share of each limit answers) or {@code fail-closed}. */
    Builder limitsWhenRedisDown(String policy) {
      if (!"fail-open".equals(policy) && !"fail-closed".equals(policy)) {
        throw new IllegalArgumentException("must be 'fail-open' or 'fail-closed' but was '" + policy + "'");
      }
      this.limitsFailOpen = "fail-open".equals(policy);
      return this;
    }

    Builder candleTtl(Duration ttl) {
      if (ttl.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("candleTtl must be at least 1 s but was " + ttl);
      }
      this.candleTtl = ttl;
      return this;
    }

    /**
     * How far back the 1m candles of a symbol are read from the exchange, and so how many candles
     * of each timeframe the cache holds: whole minutes, 1 to {@value BinanceSource#MAX_KLINES}
     * (Binance's most per call), checked by {@link #build()}; default 1,000 minutes. The cost of
     * a cold read (exchange reply, roll-up, cache writes, {@code candles_1m} rows) grows with it.
     */
    Builder lookback(Duration lookback) {
      this.lookback = requireNonNull(lookback, "lookback");
      return this;
    }

    /**
     * Plans of known clients: a key is {@code ip:} and an address (an IPv6 address stands for its
     * /64 network, the way {@link ClientAddress} counts IPv6 clients; {@code ip:2001:db8:1:2::/64}
     * names it too), or the trusted header's value, with or without {@code id:} (the prefix every
     * header value gets, so none names an address).
     *
     * @throws IllegalArgumentException when a plan is not one of {@link ServiceConfig#PLANS}, an
     *     {@code ip:} client is not an IP address or IPv6 /64, or two entries name one client (two
     *     addresses of one /64, say) with different plans
     */
    Builder clientPlans(Map<String, String> plans) {
      Map<String, String> byClient = new LinkedHashMap<>();
      plans.forEach((client, plan) -> {
        if (!PLANS.contains(plan)) {
          throw new IllegalArgumentException("client '" + client + "' is on plan '" + plan + "', not one of " + PLANS);
        }
        String key = client.startsWith(ClientAddress.PREFIX) ? addressKey(client)
            : client.startsWith(ID_PREFIX) ? client : ID_PREFIX + client;
        String before = byClient.putIfAbsent(key, plan);
        if (before != null && !before.equals(plan)) {
          throw new IllegalArgumentException("client '" + client + "' is " + key + ", which an earlier entry put on plan '"
              + before + "', not '" + plan + "'");
        }
      });
      this.clientPlans = Map.copyOf(byClient);
      return this;
    }

    /**
     * The key {@link ClientLimits} gives requests from the address {@code client} names: {@code ip:}
     * and an IPv4 address, an IPv6 address, or an IPv6 network written with {@code /64}.
     */
    private static String addressKey(String client) {
      String address = client.substring(ClientAddress.PREFIX.length());
      int slash = address.lastIndexOf('/');
      boolean network = slash >= 0 && address.substring(slash + 1).equals("64") && address.indexOf(':') >= 0;
      try {
        if (slash < 0 || network) {
          return ClientAddress.key(network ? address.substring(0, slash) : address);
        }
      } catch (IllegalArgumentException e) {
        // said below, with what is accepted
      }
      throw new IllegalArgumentException("client '" + client + "' is not ip: and an IPv4 address, an IPv6 address or"
          + " an IPv6 /64 such as ip:2001:db8:1:2::/64");
    }

    /**
     * The header whose value names the client, where a request carries it (else the client is the
     * caller's address); null or blank, the default: none, every client is its address. Name one
     * only behind a proxy or an authentication layer that sets it and strips it from clients'
     * requests: a client that reaches the service with it chooses whose limit it takes from (a
     * fresh one per request, or another client's) and which plan it is on.
     *
     * @throws IllegalArgumentException when {@code header} is not an HTTP header name
     */
    Builder trustedClientHeader(String header) {
      if (header == null || header.isBlank()) {
        this.trustedClientHeader = null;
        return this;
      }
      if (!HEADER_NAME.matcher(header.trim()).matches()) {
        throw new IllegalArgumentException("trustedClientHeader must be an HTTP header name such as X-Client-Id"
            + " but was '" + header + "'");
      }
      this.trustedClientHeader = header.trim();
      return this;
    }

    Builder maxSymbols(int max) {
      this.maxSymbols = positive("maxSymbols", max);
      return this;
    }

    Builder maxBodyBytes(int max) {
      this.maxBodyBytes = positive("maxBodyBytes", max);
      return this;
    }

    Builder schema(String schema) {
      if (!schema.matches("[a-z_][a-z0-9_]{0,62}")) {
        throw new IllegalArgumentException("schema must match [a-z_][a-z0-9_]* but was '" + schema + "'");
      }
      this.schema = schema;
      return this;
    }

    Builder redisKeyPrefix(String prefix) {
      this.redisKeyPrefix = requireNonNull(prefix, "redisKeyPrefix");
      return this;
    }

    Builder marketDataRetention(Duration retention) {
      this.marketDataRetention = retention;
      return this;
    }

    Builder indicatorRetention(Duration retention) {
      this.indicatorRetention = retention;
      return this;
    }

    Builder signalRetention(Duration retention) {
      this.signalRetention = retention;
      return this;
    }

    Builder logRetention(Duration retention) {
      this.logRetention = retention;
      return this;
    }

    ServiceConfig build() {
      if (lookback.compareTo(Duration.ofMinutes(1)) < 0 || lookback.compareTo(Duration.ofMinutes(BinanceSource.MAX_KLINES)) > 0
          || !lookback.equals(Duration.ofMinutes(lookback.toMinutes()))) {
        throw new IllegalArgumentException("lookback (" + LOOKBACK_VARIABLE + ") must be whole minutes from 1 to "
            + BinanceSource.MAX_KLINES + " but was " + lookback);
      }
      if (postgresUrl == null && (postgresUser != null || postgresPassword != null)) {
        throw new IllegalStateException("a PostgreSQL user or password is set but HOTPATH_POSTGRES_URL is not");
      }
      return new ServiceConfig(this);
    }

    private static int positive(String field, int value) {
      if (value <= 0) {
        throw new IllegalArgumentException(field + " must be positive but was " + value);
      }
      return value;
    }
  }
}
