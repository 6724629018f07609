package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.ratelimit.ClientAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service's configuration: the lookback, checked when built; the trusted client header. */
class ServiceConfigTest {
  @Test
  void lookbackDefaultsToWhatOneKlinesCallReturns() {
    assertThat(ServiceConfig.builder().build().lookback).isEqualTo(Duration.ofMinutes(1_000));
  }

  @Test
  void lookbackIsReadFromTheEnvironmentInMinutes() {
    ServiceConfig config = ServiceConfig.fromEnvironment(Map.of("MARKET_DATA_LOOKBACK_MINUTES", "120")).build();

    assertThat(config.lookback).isEqualTo(Duration.ofMinutes(120));
  }

  @Test
  void lookbackOutsideOneTo1000WholeMinutesIsRefusedAtBuildNamingFieldAndValue() {
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMinutes(-5), Duration.ofMinutes(1_001),
        Duration.ofSeconds(90)}) {
      ServiceConfig.Builder builder = ServiceConfig.builder().lookback(bad);

      assertThatThrownBy(builder::build).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lookback").hasMessageContaining(bad.toString());
    }
  }

  @Test
  void noClientHeaderIsTrustedUnlessConfigured() {
    assertThat(ServiceConfig.builder().build().trustedClientHeader).isNull();
    assertThat(ServiceConfig.fromEnvironment(Map.of("MARKET_DATA_TRUSTED_CLIENT_HEADER", " X-Client-Id "))
        .build().trustedClientHeader).isEqualTo("X-Client-Id");
  }

  @Test
  void aTrustedClientHeaderThatIsNotAHeaderNameIsRefusedNamingTheVariable() {
    Map<String, String> env = Map.of("MARKET_DATA_TRUSTED_CLIENT_HEADER", "X-Client-Id: acme");

    assertThatThrownBy(() -> ServiceConfig.fromEnvironment(env)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MARKET_DATA_TRUSTED_CLIENT_HEADER cannot be 'X-Client-Id: acme'")
        .hasMessageContaining("must be an HTTP header name");
  }

  @Test
  void plansMayNameClientsByAddressOrByIdWithOrWithoutItsPrefix() {
    ServiceConfig config = ServiceConfig.fromEnvironment(
        Map.of("MARKET_DATA_CLIENTS", "acme=pro,id:bigfund=enterprise,ip:10.0.0.7=enterprise")).build();

    assertThat(config.planOf("ip:10.0.0.7")).isEqualTo("enterprise");
    assertThat(config.planOf("id:acme")).isEqualTo("pro");
    assertThat(config.planOf("id:bigfund")).isEqualTo("enterprise");
    assertThat(config.planOf("ip:10.0.0.8")).isEqualTo("free");
    assertThat(config.planOf("acme")).as("no client is unprefixed").isEqualTo("free");
  }

  /** An IPv6 client counts by its /64 (ClientAddress), so its plan is the /64's, however it is written. */
  @Test
  void anIpv6ClientsPlanIsItsNetworksWhicheverWayTheConfigurationWritesIt() {
    ServiceConfig config = ServiceConfig.fromEnvironment(
        Map.of("MARKET_DATA_CLIENTS", "ip:2001:db8:1:2::5=pro,ip:2001:0db8:0:7::/64=enterprise")).build();

    assertThat(config.planOf(ClientAddress.key("2001:db8:1:2::99"))).isEqualTo("pro");
    assertThat(config.planOf("ip:2001:db8:1:2::/64")).isEqualTo("pro");
    assertThat(config.planOf(ClientAddress.key("2001:db8:0:7:1:2:3:4"))).isEqualTo("enterprise");
    assertThat(config.planOf(ClientAddress.key("2001:db8:1:3::5"))).isEqualTo("free");
  }

  @Test
  void anIpClientThatIsNoAddressOrSlash64IsRefusedNamingIt() {
    for (String client : List.of("ip:gateway.local", "ip:2001:db8::/48", "ip:10.0.0.0/24", "ip:2001:db8::1/64x")) {
      assertThatThrownBy(() -> ServiceConfig.fromEnvironment(Map.of("MARKET_DATA_CLIENTS", client + "=pro")).build())
          .as(client).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("MARKET_DATA_CLIENTS cannot be '" + client + "=pro': client '" + client + "' is not ip: and an IPv4"
              + " address, an IPv6 address or an IPv6 /64 such as ip:2001:db8:1:2::/64");
    }
  }

  @Test
  void twoEntriesForOneClientMustAgree() {
    ServiceConfig same = ServiceConfig.fromEnvironment(
        Map.of("MARKET_DATA_CLIENTS", "ip:2001:db8:1:2::5=pro,ip:2001:db8:1:2::6=pro")).build();
    assertThat(same.planOf("ip:2001:db8:1:2::/64")).isEqualTo("pro");
    assertThatThrownBy(() -> ServiceConfig.fromEnvironment(
            Map.of("MARKET_DATA_CLIENTS", "ip:2001:db8:1:2::5=pro,ip:2001:db8:1:2:0:0:0:6/64=enterprise")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("client 'ip:2001:db8:1:2:0:0:0:6/64' is ip:2001:db8:1:2::/64, which an earlier entry put on"
            + " plan 'pro', not 'enterprise'");
  }
}
