package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientAddressTest {

  @Test
  void anIpv4ClientIsItsAddress() throws UnknownHostException {
    assertThat(ClientAddress.key(InetAddress.getByAddress(new byte[] {10, 0, 0, 7}))).isEqualTo("ip:10.0.0.7");
    assertThat(ClientAddress.key("10.0.0.7")).isEqualTo("ip:10.0.0.7");
    assertThat(ClientAddress.key("255.255.255.255")).isEqualTo("ip:255.255.255.255");
  }

  @Test
  void anIpv6ClientIsItsSlash64Network() throws UnknownHostException {
    String network = "ip:2001:db8:1:2::/64";
    // Any address of the /64, written any way, is the same client.
    for (String address : List.of("2001:db8:1:2::1", "2001:0db8:0001:0002:ffff:ffff:ffff:fffe", "[2001:db8:1:2::abcd]",
        "2001:DB8:1:2:0:0:0:9")) {
      assertThat(ClientAddress.key(address)).as(address).isEqualTo(network);
      assertThat(ClientAddress.key(InetAddress.getByName(address))).as(address).isEqualTo(network);
    }
    assertThat(ClientAddress.key("2001:db8:1:3::1")).isEqualTo("ip:2001:db8:1:3::/64");
    assertThat(ClientAddress.key("2001:db8::1")).isEqualTo("ip:2001:db8:0:0::/64");
    assertThat(ClientAddress.key("::1")).isEqualTo("ip:0:0:0:0::/64");
    assertThat(ClientAddress.key("fe80::1%1")).isEqualTo("ip:fe80:0:0:0::/64");
    // A zone is dropped, whether or not this host has such an interface.
    assertThat(ClientAddress.key("fe80::1%no-such-interface")).isEqualTo("ip:fe80:0:0:0::/64");
    assertThat(ClientAddress.key("[fe80::1%eth9]")).isEqualTo("ip:fe80:0:0:0::/64");
  }

  @Test
  void anIpv4MappedIpv6AddressIsTheIpv4Client() throws UnknownHostException {
    assertThat(ClientAddress.key("::ffff:10.0.0.7")).isEqualTo("ip:10.0.0.7");
    assertThat(ClientAddress.key("::ffff:10.0.0.7%1")).isEqualTo("ip:10.0.0.7");
    byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 0, (byte) 200};
    InetAddress kept = Inet6Address.getByAddress(null, mapped, -1); // not turned into an Inet4Address
    assertThat(kept).isInstanceOf(Inet6Address.class);
    assertThat(ClientAddress.key(kept)).isEqualTo("ip:10.0.0.200");
  }

  /** "localhost" would resolve (to 127.0.0.1 or ::1) if it were looked up: it is refused instead. */
  @Test
  void aHostNameOrOtherTextIsRefusedNotLookedUp() {
    for (String text : List.of("localhost", "example.com", "abc", "zz:1", "1.2.3", "1.2.3.4.5", "256.1.1.1",
        "1..2.3", "1.2.3.", "", "1.2.3.4 ", "[1.2.3.4]", "12345::1", "2001:db8::1/64",
        // Text the JDK would take for a host name, not an IPv6 literal: refused before it gets there.
        "%:", "%x:y", ".:", ".1::2", ".:.", "\u0662\u0660\u0660\u0661:db8::1", "\uff21::1", "\uff10:", "[", "[]", "%",
        "1.2.3.4%x", "[:]", ":")) {
      assertThatThrownBy(() -> ClientAddress.key(text)).as(text)
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessage("'" + text + "' is not an IP address literal");
    }
    assertThatThrownBy(() -> ClientAddress.key((String) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("literal");
    assertThatThrownBy(() -> ClientAddress.key((InetAddress) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("address");
  }

  /** What the /64 buys: addresses of one network share one bucket. */
  @Test
  void addressesOfOneNetworkDrawFromOneBucket() {
    LocalRateLimiter limiter = LocalRateLimiter.builder().name("clients")
        .limit(RateLimit.of(Bandwidth.perPeriod(3, Duration.ofHours(1)))).build();
    for (int host = 1; host <= 3; host++) {
      assertThat(limiter.tryConsume(ClientAddress.key("2001:db8:1:2::" + host), 1)).as("host %d", host).isTrue();
    }
    assertThat(limiter.tryConsume(ClientAddress.key("2001:db8:1:2::4"), 1)).isFalse();
    assertThat(limiter.tryConsume(ClientAddress.key("2001:db8:1:3::4"), 1)).isTrue();
  }
}
