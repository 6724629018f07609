package dev.hotpath.testing.redis;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests the shared {@link TestRedis} and a {@link RedisKeyPrefix} of
 * their own, as constructor, lifecycle or test method parameters.
 *
 * <p>After each test it starts the embedded server again if the test stopped it, so an outage test
 * that fails half-way does not take the server away from the tests after it.
 */
public final class RedisExtension implements ParameterResolver, AfterEachCallback {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == TestRedis.class || type == RedisKeyPrefix.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        TestRedis redis = TestRedis.get();
        if (parameter.getParameter().getType() == TestRedis.class) {
            return redis;
        }
        String hint = context.getRequiredTestClass().getSimpleName()
                + context.getTestMethod().map(m -> "." + m.getName()).orElse("");
        return new RedisKeyPrefix(redis.newKeyPrefix(hint));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TestRedis redis = TestRedis.get();
        if (redis.isRestartable() && !redis.isRunning()) {
            redis.start();
        }
    }
}
