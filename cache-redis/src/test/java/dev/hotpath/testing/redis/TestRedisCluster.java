package dev.hotpath.testing.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.embedded.RedisServer;

/**
 * A local 3-master Redis Cluster (no replicas) from the embedded Redis binary, started once per JVM
 * on first use and stopped by a shutdown hook. Slots are split evenly; the cluster is returned once
 * every node reports {@code cluster_state:ok} and knows every slot's owner.
 *
 * <p>It is always embedded (a cluster is not something to borrow from the environment), so it also
 * works on a machine with only a JDK. Tests use their own key prefixes; nothing is flushed.
 * Thread-safe.
 */
public final class TestRedisCluster {
    private static final int MASTERS = 3;
    private static final int SLOTS = 16384;
    private static volatile TestRedisCluster shared;

    private final List<RedisServer> servers;
    private final List<RedisURI> uris;

    private TestRedisCluster(List<RedisServer> servers, List<RedisURI> uris) {
        this.servers = servers;
        this.uris = uris;
    }

    /** The cluster for this JVM, starting it on first use. */
    public static TestRedisCluster get() {
        TestRedisCluster found = shared;
        if (found == null) {
            synchronized (TestRedisCluster.class) {
                found = shared;
                if (found == null) {
                    found = start();
                    shared = found;
                }
            }
        }
        return found;
    }

    /** Fresh copies of the masters' URIs (seed nodes). */
    public List<RedisURI> uris() {
        List<RedisURI> copies = new ArrayList<>();
        uris.forEach(u -> copies.add(RedisURI.builder(u).build()));
        return copies;
    }

    private static TestRedisCluster start() {
        List<RedisServer> servers = new ArrayList<>();
        List<RedisURI> uris = new ArrayList<>();
        try {
            for (int i = 0; i < MASTERS; i++) {
                int port = freePort();
                Path dir = Files.createTempDirectory("hotpath-test-cluster");
                RedisServer server = RedisServer.newRedisServer()
                        .port(port)
                        .bind("127.0.0.1")
                        .setting("cluster-enabled yes")
                        .setting("cluster-config-file " + dir.resolve("nodes.conf").toAbsolutePath())
                        .setting("cluster-node-timeout 15000") // no test needs a fast failover; a starved node must not look dead
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .setting("dir " + dir.toAbsolutePath())
                        .build();
                server.start();
                servers.add(server);
                uris.add(RedisURI.create("127.0.0.1", port));
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> servers.forEach(TestRedisCluster::stopQuietly),
                    "test-redis-cluster-stop"));
            form(uris);
            return new TestRedisCluster(servers, uris);
        } catch (IOException e) {
            servers.forEach(TestRedisCluster::stopQuietly);
            throw new UncheckedIOException("could not start an embedded Redis Cluster", e);
        } catch (RuntimeException e) {
            servers.forEach(TestRedisCluster::stopQuietly);
            throw e;
        }
    }

    /** Assigns slot ranges, introduces the nodes, and waits until all agree the cluster is ok. */
    private static void form(List<RedisURI> uris) {
        RedisClient client = RedisClient.create();
        try {
            List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
            for (RedisURI uri : uris) {
                connections.add(client.connect(uri));
            }
            for (int i = 0; i < MASTERS; i++) {
                int from = i * SLOTS / MASTERS;
                int to = (i + 1) * SLOTS / MASTERS;
                int[] slots = new int[to - from];
                for (int s = from; s < to; s++) {
                    slots[s - from] = s;
                }
                connections.get(i).sync().clusterAddSlots(slots);
            }
            RedisCommands<String, String> first = connections.get(0).sync();
            for (int i = 1; i < MASTERS; i++) {
                first.clusterMeet(uris.get(i).getHost(), uris.get(i).getPort());
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!allOk(connections)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the embedded Redis Cluster did not reach cluster_state:ok in 30 s");
                }
                sleep(100);
            }
            connections.forEach(StatefulRedisConnection::close);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static boolean allOk(List<StatefulRedisConnection<String, String>> connections) {
        for (StatefulRedisConnection<String, String> c : connections) {
            String info = c.sync().clusterInfo();
            if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:" + MASTERS)
                    || !info.contains("cluster_slots_ok:" + SLOTS)) {
                return false;
            }
        }
        return true;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while forming the cluster", e);
        }
    }

    /**
     * A port that is free and whose cluster bus port (port + 10000) is free too; an ephemeral port
     * from the OS could put the bus port past 65535.
     */
    private static int freePort() {
        java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
        for (int attempt = 0; attempt < 200; attempt++) {
            int port = random.nextInt(20_000, 30_000);
            if (free(port) && free(port + 10_000)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port pair for an embedded Redis Cluster node");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void stopQuietly(RedisServer server) {
        try {
            if (server.isActive()) {
                server.stop();
            }
        } catch (IOException ignored) {
            // The JVM is exiting.
        }
    }

    @Override
    public String toString() {
        return "TestRedisCluster[" + uris.stream().map(u -> u.getHost() + ":" + u.getPort()).toList() + "]";
    }
}
