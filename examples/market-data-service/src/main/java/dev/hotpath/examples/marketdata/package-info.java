/**
 * The market-data service: a template of a Hotpath backend on the JDK's {@code HttpServer}. Start
 * with {@link dev.hotpath.examples.marketdata.MarketDataService}.
 */
package dev.hotpath.examples.marketdata;
