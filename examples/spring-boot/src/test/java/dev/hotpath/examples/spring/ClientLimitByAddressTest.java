package dev.hotpath.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The client limit as application.yml configures it, in process: no header is trusted, so a client
 * is its remote address, whatever {@code X-Client-Id} it sends.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    // Three requests, refilled one per 20 s: a slow machine sees the bucket empty within a few more.
    properties = {"hotpath.redis-url=", "hotpath.postgres-url=", "hotpath.client-limit.requests=3",
        "hotpath.client-limit.per=1m"})
class ClientLimitByAddressTest {
  @LocalServerPort
  int port;

  @Test
  void aClientSendingAFreshXClientIdWithEveryRequestStillGets429() {
    Api api = new Api(port);
    // Not read at all: an id over the trusted header's 128 characters is no 400 here.
    HttpResponse<String> first = api.get("/api/instruments/ETHUSDT", "x".repeat(129));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("RateLimit-Remaining")).hasValue("2");

    assertRefusedWithin20(api, i -> Map.of("X-Client-Id", "rotating-" + i));
  }

  /**
   * Sends up to 20 requests, the i-th with {@code headers.apply(i)}, and asserts one of them got
   * 429 from the 3-request limit.
   */
  static void assertRefusedWithin20(Api api, IntFunction<Map<String, String>> headers) {
    HttpResponse<String> refused = null;
    for (int i = 0; i < 20 && refused == null; i++) {
      HttpResponse<String> response = api.get("/api/instruments/ETHUSDT", null, headers.apply(i));
      if (response.statusCode() == 429) {
        refused = response;
      } else {
        assertThat(response.statusCode()).isEqualTo(200);
      }
    }

    assertThat(refused).as("a 429 within 20 requests, each with headers of its own").isNotNull();
    assertThat(refused.headers().firstValue("RateLimit-Limit")).hasValue("3");
    assertThat(refused.headers().firstValue("RateLimit-Remaining")).hasValue("0");
  }
}
