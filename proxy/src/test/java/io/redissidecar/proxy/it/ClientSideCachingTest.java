package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SentinelGroup;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.csc.CacheConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13: client-side caching with real clients through the proxy, and no stale read after a failover. A write
 * through a direct connection to Redis invalidates what a client cached through the proxy.
 */
class ClientSideCachingTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis();

    @Test
    void lettuceClientSideCachingIsInvalidatedByADirectWrite() throws Exception {
        RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + env.proxy().port()));
        try (StatefulRedisConnection<String, String> c = client.connect();
             RespConn direct = new RespConn(env.redis().port())) {
            direct.call("SET", "lk", "v1");
            Map<String, String> store = new ConcurrentHashMap<>();
            CacheFrontend<String, String> cache = ClientSideCaching.enable(CacheAccessor.forMap(store), c,
                    TrackingArgs.Builder.enabled());
            assertEquals("v1", cache.get("lk"));
            assertEquals("v1", store.get("lk"), "cached");
            long t0 = System.nanoTime();
            direct.call("SET", "lk", "v2");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(1))
                    .until(() -> !store.containsKey("lk"));
            long micros = (System.nanoTime() - t0) / 1000;
            assertEquals("v2", cache.get("lk"));
            System.out.println("CLIENT-SIDE-CACHE Lettuce: cached value invalidated " + micros
                    + " us after a direct write was sent");
            cache.close();
        } finally {
            client.shutdown();
        }
    }

    /** Jedis refuses client-side caching below Redis 7.4 (its own check of HELLO's version, direct or not). */
    @Test
    void jedisClientSideCacheIsInvalidatedByADirectWrite() throws Exception {
        String version = env.proxy().sidecar().context().topology().redisVersion();
        String[] v = version.split("\\.");
        assumeTrue(Integer.parseInt(v[0]) > 7 || Integer.parseInt(v[0]) == 7 && Integer.parseInt(v[1]) >= 4,
                "Jedis's client-side cache needs Redis 7.4 or later; the backend here is " + version);
        try (JedisPooled j = new JedisPooled(new HostAndPort("127.0.0.1", env.proxy().port()),
                DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3).build(),
                CacheConfig.builder().maxSize(1000).build());
             RespConn direct = new RespConn(env.redis().port())) {
            direct.call("SET", "jk", "v1");
            assertEquals("v1", j.get("jk"));
            assertEquals("v1", j.get("jk"));
            assertEquals(1, j.getCache().getStats().getHitCount(), "the second GET came from the cache");
            direct.call("SET", "jk", "v2");
            // Jedis reads the invalidation push before it serves the next cached read
            await().atMost(Duration.ofSeconds(5)).until(() -> "v2".equals(j.get("jk")));
            assertTrue(j.getCache().getStats().getInvalidationCount() >= 1, j.getCache().getStats().toString());
        }
    }

    /** A client caches a key; the master is killed; a direct write on the new master; the cache does not keep it. */
    @Test
    void noStaleReadAfterAFailover() throws Exception {
        try (SentinelGroup g = SentinelGroup.start(); SidecarFixture proxy = SidecarFixture.startSentinel(g);
             RespConn c = new RespConn(proxy.port())) {
            c.call("HELLO", "3");
            assertEquals("+OK\r\n", c.call("CLIENT", "TRACKING", "ON"));
            assertEquals("+OK\r\n", c.call("SET", "fk", "old"));
            assertEquals("$3\r\nold\r\n", c.call("GET", "fk")); // the client caches it
            SentinelGroup.Killed k = g.killMasterAndAwaitPromotion();
            HostPort m = g.currentMaster();
            try (RespConn onNew = new RespConn(m.port())) {
                assertEquals("+OK\r\n", onNew.call("SET", "fk", "new"));
            }
            // the client learns that its cache is stale before it gets anything else
            c.send("PING");
            String first = c.readReply();
            assertTrue(first.startsWith(">2\r\n$10\r\ninvalidate\r\n"), "an invalidation first, got " + first);
            while (!c.readReply().equals("+PONG\r\n")) {
                // further invalidations (the whole cache, then the key) may come before the PONG
            }
            assertEquals("$3\r\nnew\r\n", c.call("GET", "fk"));
            System.out.println("CLIENT-SIDE-CACHE failover: first frame after the promotion ("
                    + k.promotionMillis() + " ms) was " + first.replace("\r\n", " "));
        }
    }
}
