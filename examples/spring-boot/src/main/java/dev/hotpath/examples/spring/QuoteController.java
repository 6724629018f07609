package dev.hotpath.examples.spring;

import java.math.BigDecimal;
import java.util.Locale;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The HTTP API, under {@code /api/} (so under the per-client limit). Symbols are case-insensitive. */
@RestController
@RequestMapping("/api")
public class QuoteController {
  private final QuoteService quotes;

  public QuoteController(QuoteService quotes) {
    this.quotes = quotes;
  }

  @GetMapping("/quotes/{symbol}")
  public Quote quote(@PathVariable String symbol) {
    return quotes.quote(normalized(symbol));
  }

  @GetMapping("/instruments/{symbol}")
  public Instrument instrument(@PathVariable String symbol) {
    return quotes.instrument(normalized(symbol));
  }

  @PutMapping("/instruments/{symbol}/tick-size")
  public Instrument changeTickSize(@PathVariable String symbol, @RequestParam BigDecimal value) {
    return quotes.changeTickSize(normalized(symbol), value);
  }

  @DeleteMapping("/instruments/{symbol}/cached")
  public ResponseEntity<Void> forgetInstrument(@PathVariable String symbol) {
    quotes.forgetInstrument(normalized(symbol));
    return ResponseEntity.noContent().build();
  }

  /** One cache key per symbol, whatever case the caller wrote it in. */
  private static String normalized(String symbol) {
    return symbol.trim().toUpperCase(Locale.ROOT);
  }
}
