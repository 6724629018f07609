package dev.hotpath.cache.redis;

import io.lettuce.core.api.push.PushListener;
import io.lettuce.core.api.push.PushMessage;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Opens the bus's channel connection and turns what arrives on it into calls of the bus: messages
 * on the invalidation channel (the fast path of the log), client tracking's {@code invalidate}
 * pushes (RESP3), and (re)subscriptions. It exists apart from the bus because these arrive on a
 * Lettuce thread, where the rules differ from the bus thread's: copy what the connection's buffers
 * hold, count, and hand off, never block. The bus holds the connection this returns and closes it.
 */
final class InvalidationChannel {
  private static final String INVALIDATE = "invalidate";

  private final RedisLink link;
  private final Consumer<byte[]> onMessage;
  private final Consumer<List<byte[]>> onRedisChanged;
  private final Runnable onSubscribed;
  private final LongAdder received = new LongAdder();

  /**
   * The handlers run on a Lettuce thread and must only hand work off.
   *
   * @param onMessage a message on the channel
   * @param onRedisChanged the keys client tracking reported changed, or null for a flush
   * @param onSubscribed the channel was subscribed, also when Lettuce resubscribes after a
   *     reconnect: messages may have been missed
   */
  InvalidationChannel(
      RedisLink link, Consumer<byte[]> onMessage, Consumer<List<byte[]>> onRedisChanged, Runnable onSubscribed) {
    this.link = link;
    this.onMessage = onMessage;
    this.onRedisChanged = onRedisChanged;
    this.onSubscribed = onSubscribed;
  }

  /** Messages and tracking reports received, on every connection this opened. */
  long received() {
    return received.sum();
  }

  /**
   * Opens a channel connection and subscribes it, within the command timeout.
   *
   * @throws RedisTierException when it could not subscribe (the connection is closed then)
   */
  StatefulRedisPubSubConnection<byte[], byte[]> open() {
    StatefulRedisPubSubConnection<byte[], byte[]> c = link.connectPubSub();
    c.addListener(
        new PushListener() {
          /** RESP3: client tracking's reports arrive as "invalidate" pushes on this connection. */
          @Override
          public void onPushMessage(PushMessage message) {
            if (INVALIDATE.equals(message.getType())) {
              received.increment();
              // Copied here: the buffers belong to the connection's thread.
              onRedisChanged.accept(changedKeys(message.getContent(InvalidationChannel::copy)));
            }
          }
        });
    c.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(byte[] channel, byte[] message) {
            received.increment();
            onMessage.accept(message);
          }

          /** Also called when Lettuce resubscribes after a reconnect: messages may have been missed. */
          @Override
          public void subscribed(byte[] channel, long count) {
            onSubscribed.run();
          }
        });
    try {
      c.async().subscribe(link.layout.channel()).get(link.timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (Exception e) {
      c.closeAsync();
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new RedisTierException("could not subscribe to the invalidation channel", e);
    }
    return c;
  }

  /** The keys of an "invalidate" push, or null when Redis reports a flush. */
  private static List<byte[]> changedKeys(List<Object> content) {
    for (Object item : content) {
      if (item instanceof List<?> keys) {
        List<byte[]> copies = new ArrayList<>(keys.size());
        for (Object key : keys) {
          byte[] bytes = key instanceof ByteBuffer b ? (byte[]) copy(b) : (byte[]) key;
          if (bytes != null) {
            copies.add(bytes);
          }
        }
        return copies;
      }
    }
    return null;
  }

  private static Object copy(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
