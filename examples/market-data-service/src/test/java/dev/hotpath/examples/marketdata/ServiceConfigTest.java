package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
}
