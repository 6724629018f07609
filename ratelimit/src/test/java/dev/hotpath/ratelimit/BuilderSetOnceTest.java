package dev.hotpath.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hotpath.testing.redis.RedisExtension;
import dev.hotpath.testing.redis.TestRedis;
import dev.hotpath.testing.redis.TestRedisCluster;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every setter of every builder in the module may be called once: the second call throws
 * {@link IllegalStateException} "{@code <field> was already set...}". A reflective check makes sure
 * no public setter is missing from the cases, so a new setter cannot skip the rule unnoticed. The
 * Redis builder's connection setters need real connections, so the shared Redis fixtures are used.
 */
@ExtendWith(RedisExtension.class)
class BuilderSetOnceTest {

  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final RateLimit LIMIT = RateLimit.of(Bandwidth.perPeriod(10, SECOND));
  private static final TenantPlans PLANS = TenantPlans.standardApiPlans().build();
  private static final ScheduledThreadPoolExecutor SCHEDULER = new ScheduledThreadPoolExecutor(1);

  private static RedisClient client;
  private static RedisClusterClient clusterClient;
  private static StatefulRedisConnection<String, String> connection;
  private static StatefulRedisClusterConnection<String, String> clusterConnection;

  @BeforeAll
  static void connect(TestRedis redis) {
    client = RedisClient.create(redis.uri());
    connection = client.connect();
    clusterClient = RedisClusterClient.create(TestRedisCluster.get().uris());
    clusterConnection = clusterClient.connect();
  }

  @AfterAll
  static void disconnect() {
    if (client != null) {
      client.shutdown();
    }
    if (clusterClient != null) {
      clusterClient.shutdown();
    }
    SCHEDULER.shutdownNow();
  }

  /**
   * One case: {@code setter} names the method as {@link #signature} does, {@code field} the value
   * the message names, {@code twice} calls it a second time on a builder where it was set.
   */
  record Case(String setter, String field, ThrowingCallable twice) {
    @Override
    public String toString() {
      return setter;
    }
  }

  static Stream<Case> cases() {
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("Bandwidth.Builder.id(String)", "id", () -> Bandwidth.builder().id("a").id("b")));
    cases.add(new Case("Bandwidth.Builder.capacity(long)", "capacity", () -> Bandwidth.builder().capacity(1).capacity(2)));
    cases.add(new Case("Bandwidth.Builder.refillGreedy(long,Duration)", "refill",
        () -> Bandwidth.builder().refillGreedy(1, SECOND).refillGreedy(2, SECOND)));
    cases.add(new Case("Bandwidth.Builder.refillWindow(Duration)", "refill",
        () -> Bandwidth.builder().refillWindow(SECOND).refillWindow(SECOND)));
    cases.add(new Case("Bandwidth.Builder.alignmentOffset(Duration)", "alignmentOffset",
        () -> Bandwidth.builder().alignmentOffset(Duration.ZERO).alignmentOffset(SECOND)));

    cases.add(new Case("TenantPlans.Builder.plan(String,RateLimit)", "plan 'a'",
        () -> TenantPlans.builder().plan("a", LIMIT).plan("a", LIMIT)));
    cases.add(new Case("TenantPlans.Builder.assign(String,String)", "plan of tenant 't'",
        () -> TenantPlans.builder().assign("t", "a").assign("t", "b")));
    cases.add(new Case("TenantPlans.Builder.assignments(Function)", "assignments",
        () -> TenantPlans.builder().assignments(t -> null).assignments(t -> "a")));
    cases.add(new Case("TenantPlans.Builder.defaultPlan(String)", "defaultPlan",
        () -> TenantPlans.builder().defaultPlan("a").defaultPlan("b")));

    for (String type : List.of("LocalRateLimiter.Builder", "RedisRateLimiter.Builder")) {
      boolean local = type.startsWith("Local");
      cases.add(new Case(type + ".name(String)", "name", () -> common(local).name("a").name("b")));
      cases.add(new Case(type + ".limit(RateLimit)", "limit or plans", () -> common(local).limit(LIMIT).limit(LIMIT)));
      cases.add(new Case(type + ".plans(TenantPlans)", "limit or plans", () -> common(local).plans(PLANS).plans(PLANS)));
      cases.add(new Case(type + ".clock(NanoClock)", "clock",
          () -> common(local).clock(NanoClock.system()).clock(new ManualClock(0))));
      cases.add(new Case(type + ".scheduler(ScheduledExecutorService)", "scheduler",
          () -> common(local).scheduler(SCHEDULER).scheduler(SCHEDULER)));
    }

    cases.add(new Case("RedisRateLimiter.Builder.connection(StatefulRedisConnection)", "connection or client",
        () -> RedisRateLimiter.builder().connection(connection).connection(connection)));
    cases.add(new Case("RedisRateLimiter.Builder.connection(StatefulRedisClusterConnection)", "connection or client",
        () -> RedisRateLimiter.builder().connection(clusterConnection).connection(clusterConnection)));
    cases.add(new Case("RedisRateLimiter.Builder.client(RedisClient)", "connection or client",
        () -> RedisRateLimiter.builder().client(client).client(client)));
    cases.add(new Case("RedisRateLimiter.Builder.client(RedisClusterClient)", "connection or client",
        () -> RedisRateLimiter.builder().client(clusterClient).client(clusterClient)));
    cases.add(new Case("RedisRateLimiter.Builder.keyPrefix(String)", "keyPrefix",
        () -> RedisRateLimiter.builder().keyPrefix("a:").keyPrefix("b:")));
    cases.add(new Case("RedisRateLimiter.Builder.timeout(Duration)", "timeout",
        () -> RedisRateLimiter.builder().timeout(SECOND).timeout(SECOND)));
    cases.add(new Case("RedisRateLimiter.Builder.retryInterval(Duration)", "retryInterval",
        () -> RedisRateLimiter.builder().retryInterval(SECOND).retryInterval(SECOND)));
    cases.add(new Case("RedisRateLimiter.Builder.failureThreshold(int)", "failureThreshold",
        () -> RedisRateLimiter.builder().failureThreshold(3).failureThreshold(3)));
    cases.add(new Case("RedisRateLimiter.Builder.downPolicy(RedisDownPolicy)", "downPolicy",
        () -> RedisRateLimiter.builder().downPolicy(RedisDownPolicy.failClosed()).downPolicy(RedisDownPolicy.failOpen(1))));
    return cases.stream();
  }

  private static RateLimiterBuilder<?> common(boolean local) {
    return local ? LocalRateLimiter.builder() : RedisRateLimiter.builder();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aSecondCallIsAStateErrorNamingTheField(Case c) {
    assertThatThrownBy(c.twice()).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(c.field() + " was already set");
  }

  @Test
  void everyPublicSetterOfEveryBuilderHasACase() {
    Set<String> setters = new TreeSet<>();
    for (Class<?> builder : List.of(Bandwidth.Builder.class, TenantPlans.Builder.class, LocalRateLimiter.Builder.class,
        RedisRateLimiter.Builder.class)) {
      for (Method m : builder.getMethods()) {
        // bridges included: they are how the public builders expose the package-private base's setters
        if (!Modifier.isStatic(m.getModifiers()) && !m.getName().equals("build")
            && m.getDeclaringClass().getPackageName().equals("dev.hotpath.ratelimit")) {
          setters.add(signature(builder, m));
        }
      }
    }
    Set<String> covered = cases().map(Case::setter).collect(Collectors.toCollection(TreeSet::new));
    assertThat(covered).containsAll(setters);
    assertThat(setters).as("setters found by reflection").hasSizeGreaterThanOrEqualTo(20);
  }

  private static String signature(Class<?> builder, Method m) {
    return builder.getEnclosingClass().getSimpleName() + "." + builder.getSimpleName() + "." + m.getName() + "("
        + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(",")) + ")";
  }

  @Test
  void bothRefillsBothLimitKindsAndAllRedisSourcesAreOneValueEach() {
    assertThatThrownBy(() -> Bandwidth.builder().refillGreedy(1, SECOND).refillWindow(SECOND))
        .isInstanceOf(IllegalStateException.class).hasMessage("refill was already set to greedy 1 per PT1S");
    assertThatThrownBy(() -> LocalRateLimiter.builder().limit(LIMIT).plans(PLANS))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("limit or plans was already set to RateLimit[");
    assertThatThrownBy(() -> RedisRateLimiter.builder().connection(connection).connection(clusterConnection))
        .isInstanceOf(IllegalStateException.class).hasMessage("connection or client was already set");
    assertThatThrownBy(() -> RedisRateLimiter.builder().client(client).connection(connection))
        .isInstanceOf(IllegalStateException.class).hasMessage("connection or client was already set");
    assertThatThrownBy(() -> RedisRateLimiter.builder().connection(clusterConnection).client(clusterClient))
        .isInstanceOf(IllegalStateException.class).hasMessage("connection or client was already set");
  }

  @Test
  void presetsOfToBuilderAndStandardPlansMayBeReplacedOnce() {
    RateLimit twenty = RateLimit.of(Bandwidth.perPeriod(20, SECOND));
    TenantPlans.Builder standard = TenantPlans.standardApiPlans().plan("free", twenty).defaultPlan("pro");
    TenantPlans plans = standard.assign("acme", "enterprise").build();
    assertThat(plans.plan("free")).isEqualTo(twenty);
    assertThat(plans.defaultPlan()).isEqualTo("pro");
    assertThatThrownBy(() -> standard.plan("free", twenty))
        .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("plan 'free' was already set to RateLimit[");

    TenantPlans.Builder copy = plans.toBuilder().assign("acme", "free").plan("gold", twenty).assign("globex", "gold");
    assertThat(copy.build().limitFor("acme")).isEqualTo(twenty);
    assertThat(copy.build().limitFor("globex")).isEqualTo(twenty);
    assertThatThrownBy(() -> copy.assign("acme", "pro"))
        .isInstanceOf(IllegalStateException.class).hasMessage("plan of tenant 'acme' was already set to free");
  }

  @Test
  void aRefusedSecondCallLeavesTheFirstValue() {
    Bandwidth.Builder bandwidth = Bandwidth.builder().capacity(3).refillGreedy(3, SECOND);
    assertThatThrownBy(() -> bandwidth.capacity(5)).isInstanceOf(IllegalStateException.class);
    assertThat(bandwidth.build().capacity()).isEqualTo(3);
    LocalRateLimiter.Builder limiter = LocalRateLimiter.builder().name("first").limit(LIMIT);
    assertThatThrownBy(() -> limiter.name("second")).isInstanceOf(IllegalStateException.class)
        .hasMessage("name was already set to first");
    assertThat(limiter.build().name()).isEqualTo("first");
  }
}
