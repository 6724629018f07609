package dev.hotpath.examples.spring;

import java.math.BigDecimal;
import java.time.Instant;

/** The best bid and ask of a symbol at a moment. Immutable. */
public record Quote(String symbol, BigDecimal bid, BigDecimal ask, Instant at) {}
