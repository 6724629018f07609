package dev.hotpath.examples.marketdata;

import com.sun.net.httpserver.HttpExchange;
import dev.hotpath.Hotpath;
import dev.hotpath.ratelimit.ClientAddress;
import dev.hotpath.ratelimit.RateLimit;
import dev.hotpath.ratelimit.RateLimitDecision;
import dev.hotpath.ratelimit.RateLimitHeaders;
import dev.hotpath.ratelimit.RateLimiter;
import dev.hotpath.ratelimit.RateLimiterUnavailableException;
import dev.hotpath.ratelimit.TenantPlans;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-client request limits: a client is the caller's address ({@code ip:10.0.0.7}, or an IPv6
 * caller's /64 network: {@link ClientAddress}; behind a proxy
 * or load balancer the proxy's, so all clients behind it share one bucket), or, only when {@link
 * ServiceConfig#trustedClientHeader} names a header, that header's value where a request carries it
 * ({@code id:acme}; a header a proxy in front sets: one a client could send would let it choose its
 * limit and plan);
 * a request without that header counts against its address's bucket. Its plan (Free 10/s, Pro 100/s, Enterprise 1,000/s; unknown clients are Free)
 * names the limiter, and each request takes one permit with {@code tryAcquire}, which never waits:
 * a client over its limit gets 429 at once with {@code Retry-After}, and every reply carries the
 * {@code RateLimit-*} headers. The limiters are the Hotpath's, so with Redis configured they live
 * in Redis and every instance of the service shares each client's limit. Thread-safe.
 */
final class ClientLimits {
  /** The header the demo and the tests trust, playing the proxy that sets it. */
  static final String CLIENT_HEADER = "X-Client-Id";
  /** The longest trusted header value, trimmed: a longer one is refused rather than kept as a Redis key. */
  static final int MAX_CLIENT_ID_LENGTH = 128;
  private static final TenantPlans PLANS = TenantPlans.standardApiPlans().build();

  private final ServiceConfig config;
  private final Map<String, RateLimiter> byPlan = new LinkedHashMap<>();
  private final Map<String, LongAdder> refused = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> allowed = new ConcurrentHashMap<>();

  ClientLimits(ServiceConfig config, Hotpath hotpath) {
    this.config = config;
    for (String plan : ServiceConfig.PLANS) {
      byPlan.put(plan, hotpath.rateLimiter(limiterName(plan)));
    }
  }

  /** Adds a limiter per plan to {@code builder}: {@code api-free}, {@code api-pro}, {@code api-enterprise}. */
  static Hotpath.Builder configure(Hotpath.Builder builder) {
    for (String plan : ServiceConfig.PLANS) {
      RateLimit limit = PLANS.plan(plan);
      builder.rateLimiter(limiterName(plan), limit);
    }
    return builder;
  }

  private static String limiterName(String plan) {
    return "api-" + plan;
  }

  /**
   * Takes a permit for the request's client and sets the {@code RateLimit-*} headers.
   *
   * @throws ApiException 400 when the trusted header's value is longer than {@link
   *     #MAX_CLIENT_ID_LENGTH} characters; 429 with {@code Retry-After} set when the client is over
   *     its limit; 503 when the limit cannot be decided (Redis away under fail-closed)
   */
  void admit(HttpExchange exchange) {
    String client = client(exchange);
    String plan = config.planOf(client);
    RateLimitDecision decision;
    try {
      decision = byPlan.get(plan).tryAcquire(client, 1);
    } catch (RateLimiterUnavailableException e) {
      exchange.getResponseHeaders().set(RateLimitHeaders.RETRY_AFTER, "1");
      throw new ApiException(503, null, "the rate limits cannot be checked now (Redis is not answering); retry");
    }
    RateLimitHeaders.of(decision).forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    if (!decision.allowed()) {
      refused.computeIfAbsent(plan, p -> new LongAdder()).increment();
      throw new ApiException(429, null, "client '" + client + "' is over its " + plan + " plan's limit of "
          + decision.limit() + " requests; retry after " + RateLimitHeaders.retryAfter(decision) + " s");
    }
    allowed.computeIfAbsent(plan, p -> new LongAdder()).increment();
  }

  /**
   * The client a request counts against: {@code id:} and the trusted header's value, else the
   * address's key ({@code ip:10.0.0.7}, or an IPv6 client's /64 network: {@code
   * ip:2001:db8:1:2::/64}). Prefixed, so that no header value can name an address's bucket or plan.
   */
  private String client(HttpExchange exchange) {
    String id = config.trustedClientHeader != null
        ? exchange.getRequestHeaders().getFirst(config.trustedClientHeader) : null;
    if (id == null || id.isBlank()) {
      return ClientAddress.key(exchange.getRemoteAddress().getAddress());
    }
    if (id.trim().length() > MAX_CLIENT_ID_LENGTH) {
      throw new ApiException(400, null, config.trustedClientHeader + " is longer than " + MAX_CLIENT_ID_LENGTH
          + " characters");
    }
    return ServiceConfig.ID_PREFIX + id.trim();
  }

  /** 429s served, by plan. */
  Map<String, Long> refusedByPlan() {
    return counts(refused);
  }

  /** Requests admitted, by plan. */
  Map<String, Long> allowedByPlan() {
    return counts(allowed);
  }

  long refusedTotal() {
    return refused.values().stream().mapToLong(LongAdder::sum).sum();
  }

  private static Map<String, Long> counts(Map<String, LongAdder> adders) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String plan : ServiceConfig.PLANS) {
      LongAdder n = adders.get(plan);
      out.put(plan, n == null ? 0 : n.sum());
    }
    return out;
  }
}
