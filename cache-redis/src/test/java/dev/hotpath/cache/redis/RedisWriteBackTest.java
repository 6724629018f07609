package dev.hotpath.cache.redis;

import static dev.hotpath.cache.redis.TestNode.PATIENCE;
import static dev.hotpath.cache.redis.TestNode.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hotpath.cache.Namespace;
import dev.hotpath.cache.NamespaceSpec;
import dev.hotpath.cache.TtlProfile;
import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.RedisKeyPrefix;
import dev.hotpath.testing.redis.TestRedis;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A read that loads copies the value into Redis afterwards (a write-back). A Redis that answers
 * reads but holds writes (CLIENT PAUSE … WRITE, which also holds the fill script) must not hold
 * the reader: before, a read waited for its write-back, so a read whose lookup timed out could wait
 * a second timeout for it. Pausing the server is for a server this JVM started only.
 */
@ExtendWith(RedisExtension.class)
class RedisWriteBackTest {
  /** Longer than any wait in the test: the write-back cannot time out while the test looks at it. */
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration PAUSE = Duration.ofSeconds(120);

  enum Read {
    GET(ns -> CompletableFuture.supplyAsync(() -> ns.get("EURUSD"))),
    GET_ALL(ns -> CompletableFuture.supplyAsync(() -> ns.getAll(List.of("EURUSD")).get("EURUSD")));

    final Function<Namespace<String, String>, CompletableFuture<String>> read;

    Read(Function<Namespace<String, String>, CompletableFuture<String>> read) {
      this.read = read;
    }
  }

  @ParameterizedTest
  @EnumSource(Read.class)
  void aReadReturnsWhileRedisHoldsItsWriteBack(Read read, TestRedis redis, RedisKeyPrefix prefix) throws Exception {
    assumeTrue(redis.isRestartable(), "pauses the server: only a Redis this JVM started");
    NamespaceSpec<String, String> quotes =
        NamespaceSpec.builder("quotes", String.class, String.class)
            .ttl(TtlProfile.builder().l1(TestNode.LONG).l2(TestNode.LONG).build())
            .loader(key -> "source-" + key)
            .build();
    try (TestNode node = TestNode.start(redis, prefix, b -> b.commandTimeout(COMMAND_TIMEOUT), quotes);
        RawRedis raw = new RawRedis(redis.uri())) {
      Namespace<String, String> ns = node.cache.namespace(quotes);
      byte[] stored = RawRedis.utf8(prefix.value() + "quotes:EURUSD");
      client(raw, "PAUSE", String.valueOf(PAUSE.toMillis()), "WRITE");
      try {
        // Before, this waited for the fill script, which the pause holds for two minutes.
        assertThat(read.read.apply(ns).get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("source-EURUSD");
        assertThat(raw.sync().get(stored)).as("the write-back is still held by the pause").isNull();
        assertThat(node.tier.stats().skippedFills()).isZero();
        assertThat(ns.stats().tier("redis").errors()).as("nor did it fail").isZero();
      } finally {
        client(raw, "UNPAUSE");
      }
      assertThat(eventually(PATIENCE, () -> raw.sync().get(stored) != null))
          .as("written back once Redis took writes again").isTrue();
    }
  }

  /** CLIENT {@code args}: Lettuce has no call for the WRITE mode of PAUSE, nor for UNPAUSE. */
  private static void client(RawRedis raw, String... args) {
    CommandArgs<byte[], byte[]> command = new CommandArgs<>(ByteArrayCodec.INSTANCE);
    for (String arg : args) {
      command.add(arg);
    }
    raw.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(ByteArrayCodec.INSTANCE), command);
  }
}
