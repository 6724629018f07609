package dev.hotpath.testing.redis;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import redis.embedded.RedisServer;

/**
 * The Redis server that tests in this JVM share, found once per JVM.
 *
 * <p>Order: the {@code HOTPATH_TEST_REDIS_URL} environment variable (a {@code redis://} URL, never
 * logged with its password); else Testcontainers when it is on the test classpath and a Docker
 * engine answers; else an embedded Redis (com.github.codemonstur:embedded-redis) on a free local
 * port, started once and stopped by a shutdown hook.
 *
 * <p>Only the embedded server can be stopped and restarted (on the same port) by outage tests, losing
 * its data ({@link #stop()}) or keeping it ({@link #stopKeepingData()}); tests
 * that need that call {@code Assumptions.assumeTrue(redis.isRestartable(), ...)}, because an
 * external server is not ours to stop. Tests never flush a server: each uses its own
 * {@link #newKeyPrefix(String) key prefix}. Thread-safe.
 */
public final class TestRedis {

    /** Where the server came from. */
    public enum Source { ENVIRONMENT, TESTCONTAINERS, EMBEDDED }

    static final String URL_VARIABLE = "HOTPATH_TEST_REDIS_URL";
    private static final String SNAPSHOT = "dump.rdb";

    private static final AtomicLong PREFIXES = new AtomicLong();
    private static volatile TestRedis shared;

    private final Source source;
    private final RedisURI uri;
    private final RedisServer embedded;
    /** The embedded server's data directory, where {@link #stopKeepingData()} leaves its snapshot. */
    private final Path dataDir;

    private TestRedis(Source source, RedisURI uri, RedisServer embedded, Path dataDir) {
        this.source = source;
        this.uri = uri;
        this.embedded = embedded;
        this.dataDir = dataDir;
    }

    /** Returns the server for this JVM, finding or starting it on first use. */
    public static TestRedis get() {
        TestRedis found = shared;
        if (found == null) {
            synchronized (TestRedis.class) {
                found = shared;
                if (found == null) {
                    found = find();
                    shared = found;
                }
            }
        }
        return found;
    }

    private static TestRedis find() {
        String url = System.getenv(URL_VARIABLE);
        if (url != null && !url.isBlank()) {
            return new TestRedis(Source.ENVIRONMENT, RedisURI.create(url.trim()), null, null);
        }
        if (ContainerRedis.dockerAnswers()) {
            return new TestRedis(Source.TESTCONTAINERS, RedisURI.create(ContainerRedis.start()), null, null);
        }
        return startEmbedded();
    }

    private static TestRedis startEmbedded() {
        IOException last = null;
        // A free port can be taken between probing and binding by another build on the machine: retry.
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            try {
                Path dir = Files.createTempDirectory("hotpath-test-redis");
                RedisServer server = RedisServer.newRedisServer()
                        .port(port)
                        .bind("127.0.0.1")
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .setting("dir " + dir.toAbsolutePath())
                        .build();
                server.start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stopQuietly(server), "test-redis-stop"));
                return new TestRedis(Source.EMBEDDED, RedisURI.create("127.0.0.1", port), server, dir);
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? io : new IOException(e);
            }
        }
        throw new UncheckedIOException("could not start an embedded Redis", last);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stopQuietly(RedisServer server) {
        try {
            if (server.isActive()) {
                server.stop();
            }
        } catch (IOException ignored) {
            // The JVM is exiting; nothing useful to do with it.
        }
    }

    /** A fresh copy of the server's URI (RedisURI is mutable, so each caller gets its own). */
    public RedisURI uri() {
        return RedisURI.builder(uri).build();
    }

    /** The server's URL; may carry a password, so never log it. */
    public String url() {
        return uri.toURI().toString();
    }

    public Source source() {
        return source;
    }

    /** True when this JVM started the server and so may stop and restart it. */
    public boolean isRestartable() {
        return embedded != null;
    }

    /** True unless an outage test has {@link #stop() stopped} the embedded server. */
    public boolean isRunning() {
        return embedded == null || embedded.isActive();
    }

    /**
     * Stops the embedded server; {@link #start()} brings it back on the same port.
     *
     * @throws UnsupportedOperationException if the server was not started by this JVM
     */
    public synchronized void stop() {
        requireRestartable();
        try {
            if (embedded.isActive()) {
                embedded.stop();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Stops the embedded server the way a server with persistence stops ({@code SHUTDOWN SAVE}): the
     * next {@link #start()} comes back with every key, stream and counter it held, as after a
     * network partition or a restart from disk. The snapshot serves that one start only.
     *
     * @throws UnsupportedOperationException if the server was not started by this JVM
     */
    public synchronized void stopKeepingData() {
        requireRestartable();
        if (!embedded.isActive()) {
            return;
        }
        RedisClient client = RedisClient.create(uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            c.sync().shutdown(true);
        } catch (RuntimeException expected) {
            // The server closes the connection instead of answering SHUTDOWN.
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
        }
        stop(); // waits for the process to end (it is ending already) and marks it stopped
        if (!Files.exists(dataDir.resolve(SNAPSHOT))) {
            throw new IllegalStateException("SHUTDOWN SAVE left no " + SNAPSHOT + " in " + dataDir);
        }
    }

    /**
     * Starts the embedded server again on the same port (no-op when running). Its data is gone,
     * unless it was stopped with {@link #stopKeepingData()}.
     *
     * @throws UnsupportedOperationException if the server was not started by this JVM
     */
    public synchronized void start() {
        requireRestartable();
        try {
            if (!embedded.isActive()) {
                embedded.start();
                // Loaded by now (the server answers only once it has): a later stop and start
                // must not bring this data back.
                Files.deleteIfExists(dataDir.resolve(SNAPSHOT));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void requireRestartable() {
        if (embedded == null) {
            throw new UnsupportedOperationException("a " + source + " Redis was not started by this JVM: it cannot be stopped");
        }
    }

    /**
     * A key prefix no other test in any JVM uses, ending in {@code ':'}.
     *
     * @param hint a readable part, usually the test's name; not null
     */
    public String newKeyPrefix(String hint) {
        requireNonNull(hint, "hint");
        String readable = hint.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (readable.length() > 60) {
            readable = readable.substring(0, 60);
        }
        return "hp-test:" + readable + ":" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet() + ":";
    }

    @Override
    public String toString() {
        return "TestRedis[" + source + " " + uri.getHost() + ":" + uri.getPort() + "]";
    }
}
