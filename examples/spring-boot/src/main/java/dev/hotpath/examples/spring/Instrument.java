package dev.hotpath.examples.spring;

import java.math.BigDecimal;

/** A symbol's trading configuration: what it trades against what, and its price step. Immutable. */
public record Instrument(String symbol, String baseAsset, String quoteAsset, BigDecimal tickSize) {}
