package dev.hotpath.testing.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(RedisExtension.class)
class TestRedisTest {

    @Test
    void answersAndGivesEachTestItsOwnPrefix(TestRedis redis, RedisKeyPrefix prefix) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertThat(c.sync().ping()).isEqualTo("PONG");
            c.sync().set(prefix.key("a"), "1");
            assertThat(c.sync().get(prefix.key("a"))).isEqualTo("1");
        } finally {
            client.shutdown();
        }
        assertThat(prefix.value()).startsWith("hp-test:TestRedisTest.answersAndGivesEachTestItsOwnPrefix:").endsWith(":");
        assertThat(redis.newKeyPrefix("x")).isNotEqualTo(redis.newKeyPrefix("x"));
        assertThat(redis.toString()).doesNotContain("@");
    }

    @Test
    void embeddedServerRestartsOnTheSamePort(TestRedis redis) {
        assumeTrue(redis.isRestartable(), "only a server this JVM started can be stopped");
        int port = redis.uri().getPort();
        redis.stop();
        assertThat(redis.isRunning()).isFalse();
        redis.start();
        assertThat(redis.uri().getPort()).isEqualTo(port);
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertThat(c.sync().ping()).isEqualTo("PONG");
        } finally {
            client.shutdown();
        }
    }

    @Test
    void stopKeepingDataComesBackWithTheDataOnceAndAPlainStopLosesIt(TestRedis redis, RedisKeyPrefix prefix) {
        assumeTrue(redis.isRestartable(), "only a server this JVM started can be stopped");
        RedisClient client = RedisClient.create(redis.uri());
        try {
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                c.sync().set(prefix.key("kept"), "1");
            }
            redis.stopKeepingData();
            assertThat(redis.isRunning()).isFalse();
            redis.start();
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertThat(c.sync().get(prefix.key("kept"))).isEqualTo("1");
            }
            redis.stop();
            redis.start();
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                assertThat(c.sync().get(prefix.key("kept"))).isNull();
            }
        } finally {
            client.shutdown();
        }
    }
}
