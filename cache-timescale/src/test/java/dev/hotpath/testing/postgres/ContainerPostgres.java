package dev.hotpath.testing.postgres;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Testcontainers branch of {@link TestPostgres}: the TimescaleDB image, so that the hypertable
 * path is tested wherever a Docker engine answers. Kept apart so that modules whose test classpath
 * lacks Testcontainers can still use the fixture.
 */
final class ContainerPostgres {
  static final String IMAGE = "timescale/timescaledb:2.17.2-pg16";
  private static final String DOCKER_CLIENT_FACTORY = "org.testcontainers.DockerClientFactory";

  private ContainerPostgres() {}

  /**
   * True when Testcontainers is on the classpath and a Docker engine answers. The cheap hints (a
   * Docker socket, DOCKER_HOST, a Testcontainers config file) come first: asking Testcontainers
   * itself costs seconds of probing on a machine without Docker.
   */
  static boolean dockerAnswers() {
    if (!onClasspath()) {
      return false;
    }
    boolean hint =
        System.getenv("DOCKER_HOST") != null
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

  /** Starts the container for the JVM's lifetime; returns {url, user, password}. */
  static String[] start() {
    return Containers.start();
  }

  private static boolean onClasspath() {
    try {
      Class.forName(DOCKER_CLIENT_FACTORY, false, ContainerPostgres.class.getClassLoader());
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
    static String[] start() {
      var container =
          new org.testcontainers.containers.GenericContainer<>(
                  org.testcontainers.utility.DockerImageName.parse(IMAGE))
              .withEnv("POSTGRES_PASSWORD", "hotpath")
              .withExposedPorts(5432)
              .waitingFor(
                  org.testcontainers.containers.wait.strategy.Wait.forLogMessage(
                      ".*database system is ready to accept connections.*\\s", 2));
      container.start();
      String url =
          "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(5432)
              + "/postgres";
      return new String[] {url, "postgres", "hotpath"};
    }
  }
}
