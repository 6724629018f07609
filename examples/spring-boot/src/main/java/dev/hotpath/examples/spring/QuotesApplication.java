package dev.hotpath.examples.spring;

import dev.hotpath.examples.spring.HotpathConfiguration.CacheDefinition;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A quotes service on Spring Boot whose {@code @Cacheable} methods ({@link QuoteService}) and
 * per-client limits run on Hotpath ({@link HotpathConfiguration}), over a simulated exchange.
 * Without {@code HOTPATH_REDIS_URL} and {@code HOTPATH_POSTGRES_URL} it caches in process only.
 */
@SpringBootApplication
public class QuotesApplication {
  public static void main(String[] args) {
    SpringApplication.run(QuotesApplication.class, args);
  }

  /** Each cache the service names, with its types; its TTLs are in application.yml. */
  @Bean
  CacheDefinition<String, Quote> quotesCache() {
    return CacheDefinition.json(QuoteService.QUOTES, String.class, Quote.class);
  }

  @Bean
  CacheDefinition<String, Instrument> instrumentsCache() {
    return CacheDefinition.json(QuoteService.INSTRUMENTS, String.class, Instrument.class);
  }

  @Bean
  SimulatedExchange exchange() {
    return new SimulatedExchange();
  }
}
