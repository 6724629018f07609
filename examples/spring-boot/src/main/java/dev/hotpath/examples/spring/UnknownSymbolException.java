package dev.hotpath.examples.spring;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.ResponseStatus;

/** The exchange lists no such symbol: 404. */
@ResponseStatus(HttpStatus.NOT_FOUND)
public class UnknownSymbolException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UnknownSymbolException(String symbol) {
    super("no symbol '" + symbol + "'");
  }
}
