package dev.hotpath.cache.redis;

import dev.hotpath.cache.spi.UrlMasking;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where the tier's builder checks a Redis address when it is given, so that a URL that cannot work
 * fails at {@code uri(...)} rather than at {@code build()}, and where it says who it logs in as.
 * Lettuce parses leniently: {@code redis://:pw@host:notaport} becomes host {@code
 * "host:notaport"}, an explicit port 0 becomes 6379. Messages show a URL only through {@link
 * UrlMasking}, and never Lettuce's parse errors, which echo the raw URL.
 */
final class RedisUris {
  /** A host name, an IPv4 address, or an IPv6 address with an optional zone, bracketed or not. */
  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?|\\[?[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._~-]+)?]?");
  private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");
  private static final Duration CREDENTIALS_WAIT = Duration.ofMillis(500);
  /** Lettuce's Unix domain socket schemes: a path instead of an authority, so no host or port to check. */
  private static final List<String> SOCKET_SCHEMES = List.of("redis-socket", "redis+socket");
  private static final List<String> SCHEMES = List.of(
      "redis", "rediss", "redis+ssl", "redis+tls", "redis-sentinel", "rediss-sentinel", "redis-socket", "redis+socket");

  private RedisUris() {}

  /**
   * Parses and checks a URL.
   *
   * @throws IllegalArgumentException naming {@code field} and the URL with its password masked
   */
  static RedisURI parse(String url, String field) {
    String shown = field + " '" + UrlMasking.mask(url) + "'";
    int separator = url.indexOf("://");
    String scheme = separator < 0 ? "" : url.substring(0, separator).toLowerCase(Locale.ROOT);
    if (!SCHEMES.contains(scheme)) {
      throw new IllegalArgumentException(shown + " is not a Redis URL: it must start with one of "
          + String.join("://, ", SCHEMES) + "://");
    }
    if (!SOCKET_SCHEMES.contains(scheme)) {
      checkAuthority(url.substring(separator + 3), shown);
    }
    RedisURI parsed;
    try {
      parsed = RedisURI.create(url);
    } catch (RuntimeException e) {
      // Not e's message: java.net.URI's errors quote the whole URL, password included.
      throw new IllegalArgumentException(shown + " is not a Redis URL Lettuce can parse");
    }
    return check(parsed, shown);
  }

  /**
   * Checks the host and port of the authority of a URL, {@code [user-info@]host[:port][,host[:port]]…}.
   * The values are not echoed: with a password that holds an unescaped {@code /}, a piece of it
   * could be what is taken for a port.
   */
  private static void checkAuthority(String rest, String shown) {
    int end = rest.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = rest.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String authority = rest.substring(0, end);
    String hosts = authority.substring(authority.lastIndexOf('@') + 1);
    for (String hostAndPort : hosts.split(",", -1)) {
      String host = hostAndPort;
      String port = null;
      if (hostAndPort.startsWith("[")) {
        int close = hostAndPort.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException(shown + " has an IPv6 address without its closing ']'");
        }
        host = hostAndPort.substring(1, close);
        String after = hostAndPort.substring(close + 1);
        if (!after.isEmpty()) {
          if (!after.startsWith(":")) {
            throw new IllegalArgumentException(shown + " has text after its IPv6 address that is not a port");
          }
          port = after.substring(1);
        }
      } else {
        int colon = hostAndPort.indexOf(':');
        if (colon >= 0) {
          host = hostAndPort.substring(0, colon);
          port = hostAndPort.substring(colon + 1);
        }
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException(shown + " has no host");
      }
      if (!HOST.matcher(host).matches()) {
        throw new IllegalArgumentException(shown + " has a host that is not a host name or IP address");
      }
      if (port != null && !validPort(port)) {
        throw new IllegalArgumentException(shown + " has an invalid port: it must be a number in 1..65535");
      }
    }
  }

  private static boolean validPort(String port) {
    if (!PORT.matcher(port).matches()) {
      return false;
    }
    int n = Integer.parseInt(port);
    return n >= 1 && n <= 65535;
  }

  /**
   * Checks a {@link RedisURI} built by the host: a standalone server and each sentinel need a host
   * name or address and a port in 1..65535.
   *
   * @param shown how messages name it (never with a password)
   * @throws IllegalArgumentException naming what is wrong
   */
  static RedisURI check(RedisURI uri, String shown) {
    if (uri.getSocket() != null) {
      return uri;
    }
    if (!uri.getSentinels().isEmpty()) {
      // Lettuce itself refuses sentinels without a master id.
      for (RedisURI sentinel : uri.getSentinels()) {
        checkHostAndPort(sentinel, shown + " sentinel");
      }
      return uri;
    }
    checkHostAndPort(uri, shown);
    return uri;
  }

  /**
   * A copy of {@code uri} (a {@link RedisURI} is mutable, and the host may change its own later).
   * Lettuce's {@code RedisURI.builder(uri)} leaves out the sentinels, so they are added here: without
   * them, a Sentinel URI could not be copied at all.
   */
  static RedisURI copy(RedisURI uri) {
    RedisURI.Builder copy = RedisURI.builder(uri);
    for (RedisURI sentinel : uri.getSentinels()) {
      copy.withSentinel(sentinel);
    }
    if (uri.getSentinelMasterId() != null) {
      copy.withSentinelMasterId(uri.getSentinelMasterId());
    }
    return copy.build();
  }

  private static void checkHostAndPort(RedisURI uri, String shown) {
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException(shown + " has no host");
    }
    if (!HOST.matcher(host).matches()) {
      throw new IllegalArgumentException(shown + " has host '" + withoutUserInfo(host)
          + "', which is not a host name or IP address");
    }
    if (uri.getPort() < 1 || uri.getPort() > 65535) {
      throw new IllegalArgumentException(shown + " has port " + uri.getPort() + ", which is not in 1..65535");
    }
  }

  /** A host as Lettuce may have parsed it from a URL whose password held an {@code @}: only what follows it. */
  private static String withoutUserInfo(String host) {
    int at = host.lastIndexOf('@');
    return at < 0 ? host : UrlMasking.MASK + host.substring(at);
  }

  /**
   * The user {@code uri} logs in as, for messages: its ACL user, {@code "default"} when it gives
   * only a password, or null when it carries none or they cannot be had within a moment.
   */
  static String user(RedisURI uri) {
    RedisCredentialsProvider provider = uri == null ? null : uri.getCredentialsProvider();
    if (provider == null) {
      return null;
    }
    try {
      // Only after the server refused a login: a provider that fetches tokens may take a moment.
      RedisCredentials credentials =
          provider instanceof RedisCredentialsProvider.ImmediateRedisCredentialsProvider immediate
              ? immediate.resolveCredentialsNow()
              : provider.resolveCredentials().block(CREDENTIALS_WAIT);
      if (credentials == null || !credentials.hasPassword()) {
        return null;
      }
      return credentials.hasUsername() ? credentials.getUsername() : "default";
    } catch (RuntimeException e) {
      return null;
    }
  }
}
