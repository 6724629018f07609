package dev.hotpath.testing.redis;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Testcontainers branch of {@link TestRedis}, kept apart so modules whose test classpath has no
 * Testcontainers can still use the fixture (then only the environment and embedded branches apply).
 */
final class ContainerRedis {

    private static final String DOCKER_CLIENT_FACTORY = "org.testcontainers.DockerClientFactory";

    private ContainerRedis() {
    }

    /**
     * True when Testcontainers is on the classpath and a Docker engine answers. The cheap checks
     * (class present, a Docker socket or DOCKER_HOST) come first: asking Testcontainers costs seconds
     * of probing on a machine without Docker, such as CI here.
     */
    static boolean dockerAnswers() {
        if (!onClasspath()) {
            return false;
        }
        boolean hint = System.getenv("DOCKER_HOST") != null
                || Files.exists(Path.of("/var/run/docker.sock"))
                || Files.exists(Path.of(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!hint) {
            return false;
        }
        try {
            return Containers.dockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** Starts a Redis container that lives as long as the JVM (Testcontainers' reaper removes it). */
    static String start() {
        return Containers.start();
    }

    private static boolean onClasspath() {
        try {
            Class.forName(DOCKER_CLIENT_FACTORY, false, ContainerRedis.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Loaded only after {@link #onClasspath()} said yes, so its Testcontainers references resolve. */
    private static final class Containers {

        static boolean dockerAvailable() {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        }

        @SuppressWarnings("resource") // lives for the JVM; Testcontainers' reaper removes it
        static String start() {
            var container = new org.testcontainers.containers.GenericContainer<>(
                    org.testcontainers.utility.DockerImageName.parse("redis:7-alpine"))
                    .withExposedPorts(6379);
            container.start();
            return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
        }
    }
}
