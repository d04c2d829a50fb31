package io.redissidecar.proxy.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real redis-server with an in-process redis-sidecar in front, for a whole test class:
 * {@code @RegisterExtension static final ProxiedRedis env = new ProxiedRedis("--some-option", "value");}
 */
public final class ProxiedRedis implements BeforeAllCallback, AfterAllCallback {
    private final String[] proxyArgs;
    private String[] redisArgs = new String[0];
    private RedisServer redis;
    private SidecarFixture proxy;

    public ProxiedRedis(String... proxyArgs) {
        this.proxyArgs = proxyArgs;
    }

    /** The redis-server gets {@code args} (redis.conf options) too. */
    public ProxiedRedis withRedis(String... args) {
        this.redisArgs = args;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        redis = RedisServer.start(redisArgs);
        proxy = SidecarFixture.start(List.of(redis.address()), proxyArgs);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (proxy != null) {
            proxy.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    public RedisServer redis() {
        return redis;
    }

    public SidecarFixture proxy() {
        return proxy;
    }
}
