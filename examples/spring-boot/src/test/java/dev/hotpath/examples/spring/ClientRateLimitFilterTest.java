package dev.hotpath.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.ratelimit.Bandwidth;
import dev.hotpath.ratelimit.LocalRateLimiter;
import dev.hotpath.ratelimit.RateLimit;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * Which bucket the filter charges for a remote address, without a server: the limit is 3 requests an
 * hour, so the fourth request of one bucket is refused whatever the machine's speed.
 */
class ClientRateLimitFilterTest {

  private final HotpathConfiguration.ClientRateLimitFilter filter = new HotpathConfiguration.ClientRateLimitFilter(
      LocalRateLimiter.builder().name("clients").limit(RateLimit.of(Bandwidth.perPeriod(3, Duration.ofHours(1)))).build(),
      null);

  private int statusFrom(String remoteAddress) throws Exception {
    MockHttpServletRequest request = new MockHttpServletRequest("GET", "/api/quotes/BTCUSDT");
    request.setRemoteAddr(remoteAddress);
    MockHttpServletResponse response = new MockHttpServletResponse();
    filter.doFilter(request, response, new MockFilterChain());
    return response.getStatus();
  }

  @Test
  void anIpv6ClientWalkingItsSlash64TakesFromOneBucket() throws Exception {
    for (int host = 1; host <= 3; host++) {
      assertThat(statusFrom("2001:db8:1:2::" + host)).as("host %d", host).isEqualTo(200);
    }
    assertThat(statusFrom("2001:db8:1:2:ffff::4")).isEqualTo(429);
    assertThat(statusFrom("2001:db8:1:3::4")).as("another /64").isEqualTo(200);
  }

  /**
   * A forwarded address that is no IP literal is neither a 500 nor a bucket of the client's own
   * choosing: all such requests share one.
   */
  @Test
  void requestsWhoseAddressIsNoIpLiteralShareOneBucket() throws Exception {
    assertThat(statusFrom("unknown")).isEqualTo(200);
    assertThat(statusFrom("_hidden")).isEqualTo(200);
    assertThat(statusFrom("10.0.0.7:5678")).isEqualTo(200);
    assertThat(statusFrom("unknown-" + System.nanoTime())).isEqualTo(429);
    assertThat(statusFrom("10.0.0.7")).as("an address is its own client").isEqualTo(200);
    assertThat(HotpathConfiguration.ClientRateLimitFilter.addressKey("gateway.local")).isEqualTo("ip:unparsed");
    assertThat(HotpathConfiguration.ClientRateLimitFilter.addressKey(null)).isEqualTo("ip:unparsed");
  }
}
