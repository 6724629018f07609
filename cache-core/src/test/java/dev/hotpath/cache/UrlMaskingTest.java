package dev.hotpath.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hotpath.cache.spi.UrlMasking;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every way a URL can carry a password, for Redis and PostgreSQL: the password never survives. */
class UrlMaskingTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "redis://:pw-1@127.0.0.1:6379                          | redis://:***@127.0.0.1:6379",
        "redis://app:pw-1@cache.internal:6379/2                | redis://app:***@cache.internal:6379/2",
        "redis://pw-1@127.0.0.1                                | redis://***@127.0.0.1",
        "rediss://app:pw-1@cache.internal:6380                 | rediss://app:***@cache.internal:6380",
        "redis-sentinel://:pw-1@s1:26379,s2:26379/0?sentinelMasterId=m | redis-sentinel://:***@s1:26379,s2:26379/0?sentinelMasterId=m",
        "redis://127.0.0.1:6379?password=pw-1&timeout=2s      | redis://127.0.0.1:6379?password=***&timeout=2s",
        "redis://:pw-1@127.0.0.1:notaport                     | redis://:***@127.0.0.1:notaport",
        "redis://:p@ss/w?rd-pw-1@127.0.0.1:6379               | redis://:***@127.0.0.1:6379",
        "redis://:a b-pw-1@host:6379                          | redis://:***@host:6379",
        "redis://h:6379?password=a b-pw-1                     | redis://h:6379?password=***",
        "jdbc:postgresql://db:5432/app?user=app&password=pw-1 | jdbc:postgresql://db:5432/app?user=app&password=***",
        "jdbc:postgresql://db/app?sslpassword=pw-1&password=pw-2&ssl=true | jdbc:postgresql://db/app?sslpassword=***&password=***&ssl=true",
        "jdbc:postgresql://app:pw-1@db:5432/app               | jdbc:postgresql://app:***@db:5432/app",
        "postgres://app:pw-1@db:5432/app                      | postgres://app:***@db:5432/app",
        "postgresql://app:pw-1@db/app?sslmode=require         | postgresql://app:***@db/app?sslmode=require",
        "jdbc:postgresql://db/app;PASSWORD=pw-1;user=app      | jdbc:postgresql://db/app;PASSWORD=***;user=app",
        "seeds redis://:pw-1@n1:7000,redis://:pw-2@n2:7001    | seeds redis://:***@n1:7000,redis://:***@n2:7001",
        "password=pw-1                                        | password=***",
        "jdbc:postgresql://db:5432/app                        | jdbc:postgresql://db:5432/app",
        "app:pw-1@cache:6379                                  | app:***@cache:6379",
        ":pw-1@host:6379                                      | :***@host:6379",
        "pw-1@host:6379                                       | ***@host:6379",
        "redis:/:pw-1@host                                    | redis:***@host",
        "//:pw-1@host                                         | //:***@host",
        "app:pw-1@db:5432/app                                 | app:***@db:5432/app",
        "redis://u:ab://pw-1@host                             | redis://u:***@host",
        "redis://u:pw-1://x@host                              | redis://u:***@host",
        "app:pw-1://x@host                                    | app:***@host",
        "jdbc:postgresql://app:pw-1://x@db/app                | jdbc:postgresql://app:***@db/app",
        "see(redis://:pw-1@n1),redis://:pw-2@n2               | see(redis://:***@n1),redis://:***@n2",
      })
  void hidesThePassword(String url, String masked) {
    String result = UrlMasking.mask(url);
    assertThat(result).isEqualTo(masked).doesNotContain("pw-1").doesNotContain("pw-2");
  }
}
