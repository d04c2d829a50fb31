package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.redissidecar.proxy.testing.ProxiedRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.RedisProtocol;
import redis.clients.jedis.Transaction;

/** Jedis and Lettuce, as applications use them, through the proxy: handshakes, pipelines, transactions, pub/sub. */
class ClientLibrariesTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis();

    @Test
    void jedisOperationsPipelineAndTransaction() {
        try (Jedis j = new Jedis("127.0.0.1", env.proxy().port())) {
            assertEquals("PONG", j.ping());
            assertEquals("OK", j.set("jk", "v"));
            assertEquals("v", j.get("jk"));
            assertEquals(3L, j.rpush("jl", "a", "b", "c"));
            assertEquals(List.of("a", "b", "c"), j.lrange("jl", 0, -1));
            j.hset("jh", Map.of("f", "1"));
            assertEquals(Map.of("f", "1"), j.hgetAll("jh"));
            j.select(2);
            assertNull(j.get("jk"));
            j.select(0);
            j.clientSetname("jedis-app");
            assertEquals("jedis-app", j.clientGetname());

            Pipeline p = j.pipelined();
            List<Response<Long>> incrs = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                incrs.add(p.incr("jcounter"));
            }
            p.sync();
            assertEquals(1000L, incrs.get(999).get());

            Transaction t = j.multi();
            t.set("jt", "1");
            t.incr("jt");
            List<Object> res = t.exec();
            assertEquals(List.of("OK", 2L), res);
        }
    }

    @Test
    void jedisPubSub() throws Exception {
        List<String> got = new CopyOnWriteArrayList<>();
        JedisPubSub sub = new JedisPubSub() {
            @Override
            public void onMessage(String channel, String message) {
                got.add(channel + ":" + message);
                if (message.equals("last")) {
                    unsubscribe();
                }
            }
        };
        Thread t = new Thread(() -> {
            try (Jedis j = new Jedis("127.0.0.1", env.proxy().port())) {
                j.subscribe(sub, "jch");
            }
        });
        t.start();
        try (Jedis pub = new Jedis("127.0.0.1", env.proxy().port())) {
            await().atMost(Duration.ofSeconds(10)).until(() -> pub.publish("jch", "first") == 1);
            pub.publish("jch", "last");
        }
        t.join(10_000);
        assertEquals(List.of("jch:first", "jch:last"), got.subList(got.size() - 2, got.size()));
    }

    @Test
    void lettuceDefaultHandshakeSpeaksResp3() throws Exception {
        // Lettuce's default sends HELLO 3 first (issue 13: it used to get NOPROTO and fall back to RESP2)
        RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + env.proxy().port()));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            RedisCommands<String, String> s = c.sync();
            assertTrue(s.clientInfo().contains(" resp=3"), s.clientInfo());
            assertEquals("PONG", s.ping());
            s.hset("lh", Map.of("f", "1", "g", "2"));
            assertEquals(Map.of("f", "1", "g", "2"), s.hgetall("lh"));
            s.zadd("lz", 1.5, "m");
            assertEquals(1.5, s.zscore("lz", "m"));
            assertEquals("OK", s.set("lk", "v"));
            assertEquals("v", s.get("lk"));
            s.select(1);
            assertNull(s.get("lk"));
            s.select(0);

            // pipelining: many commands in flight at once
            RedisAsyncCommands<String, String> a = c.async();
            c.setAutoFlushCommands(false);
            List<RedisFuture<Long>> fs = new ArrayList<>();
            for (int i = 0; i < 2000; i++) {
                fs.add(a.incr("lcounter"));
            }
            c.flushCommands();
            c.setAutoFlushCommands(true);
            for (int i = 0; i < fs.size(); i++) {
                assertEquals(i + 1L, fs.get(i).get(10, TimeUnit.SECONDS));
            }

            s.multi();
            s.set("lt", "1");
            s.incr("lt");
            TransactionResult r = s.exec();
            assertEquals(2L, (Long) r.get(1));

            s.rpush("lq", "x");
            assertEquals("x", s.blpop(1, "lq").getValue());
        } finally {
            client.shutdown();
        }
    }

    /** Issue 13: Jedis asking for RESP3 got NOPROTO. */
    @Test
    void jedisInResp3() {
        try (Jedis j = new Jedis(new HostAndPort("127.0.0.1", env.proxy().port()),
                DefaultJedisClientConfig.builder().protocol(RedisProtocol.RESP3).build())) {
            assertTrue(j.clientInfo().contains(" resp=3"), j.clientInfo());
            assertEquals("OK", j.set("j3", "v"));
            assertEquals("v", j.get("j3"));
            assertNull(j.get("j3-none"));
            j.hset("j3h", Map.of("f", "1"));
            assertEquals(Map.of("f", "1"), j.hgetAll("j3h"));
            j.zadd("j3z", 2.5, "m");
            assertEquals(2.5, j.zscore("j3z", "m"));
            Pipeline p = j.pipelined();
            List<Response<Long>> incrs = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                incrs.add(p.incr("j3counter"));
            }
            p.sync();
            assertEquals(500L, incrs.get(499).get());
        }
    }

    @Test
    void lettucePubSub() {
        RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + env.proxy().port()));
        try (StatefulRedisPubSubConnection<String, String> sub = client.connectPubSub();
             StatefulRedisConnection<String, String> pub = client.connect()) {
            List<String> got = new CopyOnWriteArrayList<>();
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String channel, String message) {
                    got.add(message);
                }

                @Override
                public void message(String pattern, String channel, String message) {
                    got.add(pattern + ">" + message);
                }
            });
            sub.sync().subscribe("lch");
            sub.sync().psubscribe("lp*");
            assertEquals(1L, pub.sync().publish("lch", "one"));
            assertEquals(1L, pub.sync().publish("lpx", "two"));
            await().atMost(Duration.ofSeconds(10)).until(() -> got.size() == 2);
            assertTrue(got.containsAll(List.of("one", "lp*>two")), got.toString());
            sub.sync().unsubscribe("lch");
            sub.sync().punsubscribe("lp*");
            assertEquals(0L, pub.sync().publish("lch", "three"));
        } finally {
            client.shutdown();
        }
    }
}
