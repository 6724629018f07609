package dev.hotpath.ratelimit;

import static java.util.Objects.requireNonNull;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The limiter key of a client known only by its network address, for limits that protect a host's
 * own API per client: {@code ip:10.0.0.7} for an IPv4 address, {@code ip:2001:db8:1:2::/64} for an
 * IPv6 one.
 *
 * <p>An IPv6 client counts by its /64 network, not by its address: one host is normally given a
 * whole /64 and can pick any of its 2<sup>64</sup> addresses for each request, so a key per address
 * would give it a fresh bucket per request (and the limiter a key per request to keep). A /64 is
 * written as its four 16-bit groups in lower-case hex without leading zeros, then {@code ::/64}; an
 * IPv4-mapped IPv6 address ({@code ::ffff:10.0.0.7}) is the IPv4 client it maps. A plan assignment
 * ({@link TenantPlans}) names such a client by this key.
 *
 * <p>Stateless and thread-safe; no method looks a name up in DNS.
 */
public final class ClientAddress {

  /** The prefix of every key this class makes, so that no other kind of client id can equal one. */
  public static final String PREFIX = "ip:";

  private ClientAddress() {
  }

  /**
   * The key of the client at {@code address}.
   *
   * @param address the client's address (for example {@code HttpExchange.getRemoteAddress().getAddress()}); not null
   * @return {@code ip:} and the IPv4 address, or {@code ip:} and the IPv6 address's /64 network
   * @throws NullPointerException if {@code address} is null
   */
  public static String key(InetAddress address) {
    requireNonNull(address, "address");
    if (address instanceof Inet6Address) {
      byte[] bytes = address.getAddress();
      if (isIpv4Mapped(bytes)) { // InetAddress.getByName maps these itself, Inet6Address.getByAddress does not
        return PREFIX + (bytes[12] & 0xff) + '.' + (bytes[13] & 0xff) + '.' + (bytes[14] & 0xff) + '.' + (bytes[15] & 0xff);
      }
      StringBuilder key = new StringBuilder(PREFIX.length() + 24).append(PREFIX);
      for (int group = 0; group < 4; group++) {
        key.append(Integer.toHexString((bytes[2 * group] & 0xff) << 8 | bytes[2 * group + 1] & 0xff)).append(':');
      }
      return key.append(":/64").toString();
    }
    return PREFIX + address.getHostAddress();
  }

  private static boolean isIpv4Mapped(byte[] ipv6) {
    for (int i = 0; i < 10; i++) {
      if (ipv6[i] != 0) {
        return false;
      }
    }
    return ipv6[10] == (byte) 0xff && ipv6[11] == (byte) 0xff;
  }

  /**
   * The key of the client at the address written as {@code literal}, as a servlet container's
   * {@code getRemoteAddr()} gives it: dotted IPv4 or IPv6 text, with or without brackets and a zone
   * ({@code %eth0}, ignored: the key has no zone).
   *
   * @param literal an IP address literal; not null
   * @return the same key as {@link #key(InetAddress)} of that address
   * @throws NullPointerException if {@code literal} is null
   * @throws IllegalArgumentException if {@code literal} is not an IP address literal (a host name
   *     is refused, never looked up)
   */
  public static String key(String literal) {
    requireNonNull(literal, "literal");
    String address = literal.indexOf(':') >= 0 ? ipv6Text(literal) : literal;
    if (address == null || !(address.indexOf(':') >= 0 || isDottedQuad(address))) {
      throw new IllegalArgumentException("'" + literal + "' is not an IP address literal");
    }
    try {
      return key(InetAddress.getByName(address)); // only literals get here: parsed, never resolved
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + literal + "' is not an IP address literal", e);
    }
  }

  /**
   * The address part of IPv6 text (brackets and zone removed) when it is made only of ASCII hex
   * digits, colons and dots, or null: {@link InetAddress#getByName} parses such text as an IPv6
   * literal and refuses it if it is not one, while text starting with any other character (a
   * non-ASCII digit, a dot, a zone with no address before it) would be looked up as a host name.
   */
  private static String ipv6Text(String text) {
    String address = text.length() > 1 && text.startsWith("[") && text.endsWith("]")
        ? text.substring(1, text.length() - 1) : text;
    int zone = address.indexOf('%');
    if (zone >= 0) {
      address = address.substring(0, zone);
    }
    if (address.isEmpty() || address.charAt(0) == '.') {
      return null;
    }
    for (int i = 0; i < address.length(); i++) {
      char c = address.charAt(i);
      if (!(c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
        return null;
      }
    }
    return address;
  }

  /** Four dot-separated ASCII decimal numbers up to 255: text {@code getByName} parses as IPv4. */
  private static boolean isDottedQuad(String text) {
    int dots = 0;
    int digits = 0;
    int value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '.' && digits > 0) {
        dots++;
        digits = 0;
        value = 0;
      } else if (c >= '0' && c <= '9' && digits < 3 && (value = value * 10 + (c - '0')) <= 255) {
        digits++;
      } else {
        return false;
      }
    }
    return dots == 3 && digits > 0;
  }
}
