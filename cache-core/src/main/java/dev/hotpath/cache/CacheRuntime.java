package dev.hotpath.cache;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** What every namespace of one cache shares: node id, bus, clock, threads, and the closed flag. */
interface CacheRuntime {
  String nodeId();

  InvalidationBus bus();

  Ticker ticker();

  Executor executor();

  ScheduledExecutorService scheduler();

  boolean isClosed();
}
