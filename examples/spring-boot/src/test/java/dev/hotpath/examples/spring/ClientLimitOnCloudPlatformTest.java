package dev.hotpath.examples.spring;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * On a cloud platform (here Kubernetes, as Spring Boot detects it) Spring Boot would by default take
 * the remote address from {@code X-Forwarded-For} sent by any private or loopback peer (Tomcat's
 * RemoteIpValve), so a client could pick its bucket: application.yml's {@code
 * server.forward-headers-strategy: none} keeps the peer's address.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"hotpath.redis-url=", "hotpath.postgres-url=", "hotpath.client-limit.requests=3",
        "hotpath.client-limit.per=1m", "spring.main.cloud-platform=kubernetes"})
class ClientLimitOnCloudPlatformTest {
  @LocalServerPort
  int port;

  @Test
  void aClientRotatingForwardedHeadersStillGets429() {
    ClientLimitByAddressTest.assertRefusedWithin20(new Api(port), i -> Map.of(
        "X-Forwarded-For", "203.0.113." + (i + 1),
        "Forwarded", "for=198.51.100." + (i + 1),
        "X-Client-Id", "rotating-" + i));
  }
}
