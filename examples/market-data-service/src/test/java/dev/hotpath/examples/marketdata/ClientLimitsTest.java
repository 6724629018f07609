package dev.hotpath.examples.marketdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client limits of a service on its defaults, over HTTP on real Redis and PostgreSQL: no
 * header is trusted, so a client is its address whatever it says it is.
 */
class ClientLimitsTest {
  @Test
  void byDefaultAClientSendingAFreshIdOrKeyWithEveryRequestStillGets429AndClaimsNoPlan() {
    ServiceConfig config = Services.onFixtures("mds-limits").trustedClientHeader(null).build();
    try (MarketDataService service = MarketDataService.start(config)) {
      Client client = new Client(service.url());
      HttpResponse<String> claimed = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER,
          Services.PRO_CLIENT);
      assertThat(claimed.headers().firstValue("RateLimit-Limit")).as("the Free plan's, not the Pro client's")
          .hasValue("10");

      HttpResponse<String> refused = null;
      for (int i = 0; i < 500 && refused == null; i++) {
        String header = i % 2 == 0 ? ClientLimits.CLIENT_HEADER : "X-API-Key";
        HttpResponse<String> r = client.get("/api/indicators?kind=nope", header, "rotating-" + i);
        if (r.statusCode() == 429) {
          refused = r;
        } else {
          assertThat(r.statusCode()).isEqualTo(400); // admitted, then refused for its kind
          assertThat(r.headers().firstValue("RateLimit-Limit")).hasValue("10");
        }
      }

      assertThat(refused).as("a 429 within 500 requests of a 10/s client, each with an id of its own").isNotNull();
      assertThat(Client.parse(refused).at("/error/message").asText()).contains("client 'ip:127.0.0.1'");
    }
  }

  @Test
  void aTrustedHeadersValueNamesAnIdNeverAnAddressOrItsPlanAndIsAtMost128Characters() {
    ServiceConfig config = Services.onFixtures("mds-limits-id")
        .clientPlans(Map.of("ip:10.0.0.7", "pro", Services.PRO_CLIENT, "pro")).build();
    try (MarketDataService service = MarketDataService.start(config)) {
      Client client = new Client(service.url());

      HttpResponse<String> posing = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER, "ip:10.0.0.7");
      assertThat(posing.headers().firstValue("RateLimit-Limit")).as("the Free plan's, not 10.0.0.7's")
          .hasValue("10");
      HttpResponse<String> known = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER,
          Services.PRO_CLIENT);
      assertThat(known.headers().firstValue("RateLimit-Limit")).as("an unprefixed key names an id").hasValue("100");

      HttpResponse<String> longest = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER,
          "x".repeat(ClientLimits.MAX_CLIENT_ID_LENGTH));
      assertThat(longest.statusCode()).as("admitted, then refused for its kind").isEqualTo(400);
      assertThat(longest.headers().firstValue("RateLimit-Limit")).hasValue("10");
      HttpResponse<String> tooLong = client.get("/api/indicators?kind=nope", ClientLimits.CLIENT_HEADER,
          "x".repeat(ClientLimits.MAX_CLIENT_ID_LENGTH + 1));
      assertThat(tooLong.statusCode()).isEqualTo(400);
      assertThat(tooLong.headers().firstValue("RateLimit-Limit")).as("refused before any bucket").isEmpty();
      assertThat(Client.parse(tooLong).at("/error/message").asText())
          .isEqualTo("X-Client-Id is longer than 128 characters");
    }
  }
}
