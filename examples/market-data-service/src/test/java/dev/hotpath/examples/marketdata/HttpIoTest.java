package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service's servers are created with Nagle's algorithm off unless the host chose. What the
 * JDK's server then does with the property is not observable without timing, so this checks the
 * property at the point the server is created.
 */
class HttpIoTest {
  private String hostValue;

  @BeforeEach
  void rememberTheHostsValue() {
    hostValue = System.getProperty(HttpIo.NO_DELAY_PROPERTY);
    System.clearProperty(HttpIo.NO_DELAY_PROPERTY);
  }

  @AfterEach
  void restoreTheHostsValue() {
    if (hostValue == null) {
      System.clearProperty(HttpIo.NO_DELAY_PROPERTY);
    } else {
      System.setProperty(HttpIo.NO_DELAY_PROPERTY, hostValue);
    }
  }

  @Test
  void theSimulatedExchangesServerIsCreatedWithNoDelay() {
    try (SimulatedBinance binance = new SimulatedBinance(1, Duration.ZERO, Clock.systemUTC())) {
      assertThat(binance.baseUri().getPort()).isPositive();
      assertThat(System.getProperty(HttpIo.NO_DELAY_PROPERTY)).isEqualTo("true");
    }
  }

  @Test
  void aValueTheHostSetIsKept() {
    System.setProperty(HttpIo.NO_DELAY_PROPERTY, "false");

    HttpIo.noDelayUnlessSet();

    assertThat(System.getProperty(HttpIo.NO_DELAY_PROPERTY)).isEqualTo("false");
  }
}
