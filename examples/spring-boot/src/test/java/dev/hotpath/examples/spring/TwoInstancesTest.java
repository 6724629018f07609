package dev.hotpath.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hotpath.examples.spring.Instances.Storage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the application in one JVM, each a context of its own with its own exchange,
 * sharing a Redis and a PostgreSQL schema: what one caches, changes or evicts, the other serves.
 * Each instance's exchange is its own, so a value an instance did not get from its exchange came
 * from the shared tiers.
 */
class TwoInstancesTest {
  private static final Storage STORAGE = Storage.fresh("spring-two");
  private static ConfigurableApplicationContext a;
  private static ConfigurableApplicationContext b;

  @BeforeAll
  static void start() {
    a = start("two-a");
    b = start("two-b");
  }

  private static ConfigurableApplicationContext start(String nodeId) {
    // As command-line arguments, which win over application.yml (default properties would not).
    List<String> args = new ArrayList<>();
    Instances.properties(STORAGE, nodeId).forEach((name, value) -> args.add("--" + name + "=" + value));
    args.add("--hotpath.client-limit.requests=100000"); // polling takes many requests: a limit they never reach
    return new SpringApplicationBuilder(QuotesApplication.class).run(args.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  private static Api api(ConfigurableApplicationContext instance) {
    return new Api(Integer.parseInt(instance.getEnvironment().getRequiredProperty("local.server.port")));
  }

  private static SimulatedExchange exchange(ConfigurableApplicationContext instance) {
    return instance.getBean(SimulatedExchange.class);
  }

  @Test
  void aTickSizeChangedOnOneInstanceIsServedByTheOther() throws Exception {
    String path = "/api/instruments/ETHUSDT";
    long bCalls = exchange(b).instrumentCalls();
    assertThat(api(b).getJson(path, "b").get("tickSize").decimalValue()).isEqualByComparingTo("0.01");
    long aCalls = exchange(a).instrumentCalls();
    assertThat(api(a).getJson(path, "a").get("tickSize").decimalValue()).isEqualByComparingTo("0.01");
    assertThat(exchange(a).instrumentCalls()).as("a read what b cached, from Redis").isEqualTo(aCalls);

    assertThat(api(a).put(path + "/tick-size?value=0.05", "a").statusCode()).isEqualTo(200);

    // b's exchange still says 0.01: 0.05 can only come from the entry a put in the shared tiers,
    // once a's invalidation has dropped b's in-process copy.
    JsonNode served = api(b).awaitJson(path, "b",
        json -> json.get("tickSize").decimalValue().compareTo(new BigDecimal("0.05")) == 0);
    assertThat(served.get("tickSize").decimalValue()).isEqualByComparingTo("0.05");
    assertThat(exchange(b).instrumentCalls()).as("b asked its exchange once, before the change")
        .isEqualTo(bCalls + 1);
  }

  @Test
  void anInstrumentEvictedOnOneInstanceIsReadAgainFromTheExchangeByTheOther() throws Exception {
    String path = "/api/instruments/SOLUSDT";
    long bCalls = exchange(b).instrumentCalls();
    assertThat(api(b).getJson(path, "b").get("symbol").asText()).isEqualTo("SOLUSDT");
    assertThat(exchange(b).instrumentCalls()).isEqualTo(bCalls + 1);

    assertThat(api(a).delete(path + "/cached", "a").statusCode()).isEqualTo(204);

    long deadline = System.nanoTime() + Api.PATIENCE.toNanos();
    while (exchange(b).instrumentCalls() == bCalls + 1 && System.nanoTime() < deadline) {
      api(b).getJson(path, "b");
      Thread.sleep(20);
    }
    assertThat(exchange(b).instrumentCalls()).as("b asked its exchange again").isEqualTo(bCalls + 2);
  }
}
