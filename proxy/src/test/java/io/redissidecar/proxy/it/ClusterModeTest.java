package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.routing.SlotHash;
import io.redissidecar.proxy.testing.RedisCluster;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * The second seed system: a real 6-node Redis Cluster (3 masters, 3 replicas) behind the proxy in cluster mode. What
 * a plain client does through the proxy is checked against the cluster itself, read with Lettuce's cluster client.
 */
class ClusterModeTest {
    private static RedisCluster cluster;
    private static SidecarFixture proxy;
    private static RedisClusterClient direct;
    private static StatefulRedisClusterConnection<String, String> directConn;

    @BeforeAll
    static void start() throws Exception {
        cluster = RedisCluster.start();
        proxy = SidecarFixture.startCluster(cluster);
        HostPort seed = cluster.seeds().get(0);
        direct = RedisClusterClient.create(RedisURI.create("redis://" + seed.host() + ":" + seed.port()));
        directConn = direct.connect();
    }

    @AfterAll
    static void stop() {
        if (directConn != null) {
            directConn.close();
            direct.shutdown();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Keys spread over every master: one key per master at least. */
    private static List<String> keysOnAllMasters(String prefix, int n) throws Exception {
        List<String> keys = new ArrayList<>();
        Set<HostPort> owners = new HashSet<>();
        for (int i = 0; i < n || owners.size() < 3; i++) {
            String k = prefix + i;
            keys.add(k);
            owners.add(cluster.ownerOf(SlotHash.slot(k.getBytes(StandardCharsets.UTF_8))));
        }
        assertEquals(3, owners.size());
        return keys;
    }

    /** Issue 12, finding 8: a huge split counts as one request no more, and is bounded. */
    @Test
    void aSplitBeyondMaxFanoutPartsIsRefusedAndPartsCountAsPending() throws Exception {
        try (SidecarFixture small = SidecarFixture.startCluster(cluster, "--max-fanout-parts", "4");
             RespConn c = new RespConn(small.port())) {
            c.call("MSET", "{a}1", "x", "{b}1", "y", "{c}1", "z", "{d}1", "w");
            assertEquals("*4\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n$1\r\nw\r\n",
                    c.call("MGET", "{a}1", "{b}1", "{c}1", "{d}1"));
            assertEquals("-ERR redis-sidecar: the command would become 5 requests to the cluster's nodes; at most 4 "
                    + "are allowed (max-fanout-parts)\r\n", c.call("MGET", "{a}1", "{b}1", "{c}1", "{d}1", "{e}1"));
            assertTrue(c.call("DEL", "{a}1", "{b}1", "{c}1", "{d}1", "{e}1")
                    .startsWith("-ERR redis-sidecar: the command would become 5 requests"));
            assertEquals(":4\r\n", c.call("EXISTS", "{a}1", "{b}1", "{c}1", "{d}1"), "nothing was deleted");
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    /** Issue 13: RESP3 in cluster mode: split replies, fan-outs and the proxy's own replies in RESP3. */
    @Test
    void resp3RepliesInClusterMode() throws Exception {
        List<String> keys = keysOnAllMasters("r3:", 6);
        try (RespConn c = new RespConn(proxy.port())) {
            assertTrue(c.call("HELLO", "3").startsWith("%7\r\n"));
            assertEquals("+OK\r\n", c.call("SET", keys.get(0), "v0"));
            assertEquals(":1\r\n", c.call("HSET", keys.get(1), "f", "1"));
            assertEquals("%1\r\n$1\r\nf\r\n$1\r\n1\r\n", c.call("HGETALL", keys.get(1)));
            assertEquals("_\r\n", c.call("GET", keys.get(2)));
            String[] mget = new String[keys.size() + 1];
            mget[0] = "MGET";
            for (int i = 0; i < keys.size(); i++) {
                mget[i + 1] = keys.get(i);
            }
            String reply = c.call(mget);
            assertTrue(reply.startsWith("*" + keys.size() + "\r\n$2\r\nv0\r\n_\r\n"), reply);
            assertTrue(c.call("INFO", "server").startsWith("="), "INFO as a verbatim string");
            assertTrue(c.call("INFO").contains("txt:# Proxy"), "the proxy's section first");
            assertTrue(c.call("CLUSTER", "INFO").startsWith("="));
            assertTrue(c.call("CLUSTER", "SHARDS").startsWith("*1\r\n%2\r\n$5\r\nslots"));
            assertEquals("_\r\n", c.call("CLIENT", "GETNAME"));
        }
    }

    /** Issue 13: client-side caching in cluster mode: each key's invalidation comes from its owner. */
    @Test
    void trackingInClusterMode() throws Exception {
        List<String> keys = keysOnAllMasters("trk:", 6);
        try (RespConn c = new RespConn(proxy.port()); RespConn b = new RespConn(proxy.port())) {
            c.call("HELLO", "3");
            assertEquals("+OK\r\n", c.call("CLIENT", "TRACKING", "ON"));
            b.call("HELLO", "3");
            assertEquals("+OK\r\n", b.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "trk:"));
            for (String k : keys) {
                c.call("GET", k);
            }
            Set<String> seen = new HashSet<>();
            Set<String> seenBcast = new HashSet<>();
            for (String k : keys) {
                directConn.sync().set(k, "v"); // on the key's owner, by a cluster-aware client
            }
            for (int i = 0; i < keys.size(); i++) {
                seen.add(keyOf(c.readReply()));
                seenBcast.add(keyOf(b.readReply()));
            }
            assertEquals(new HashSet<>(keys), seen, "every key read, from every master");
            assertEquals(new HashSet<>(keys), seenBcast, "BCAST: every key of the prefix");
        }
    }

    /** The key of a one-key invalidation push. */
    private static String keyOf(String push) {
        assertTrue(push.startsWith(">2\r\n$10\r\ninvalidate\r\n*1\r\n"), push);
        String[] lines = push.split("\r\n");
        return lines[lines.length - 1];
    }

    @Test
    void singleKeyCommandsReachTheOwnerOfTheirSlot() throws Exception {
        List<String> keys = keysOnAllMasters("single:", 200);
        try (Jedis j = new Jedis("127.0.0.1", proxy.port())) {
            for (String k : keys) {
                assertEquals("OK", j.set(k, "v-" + k));
            }
            for (String k : keys) {
                assertEquals("v-" + k, j.get(k));
                assertEquals("v-" + k, directConn.sync().get(k));
            }
            assertEquals(1, j.incr("single:{tag}counter"));
            assertEquals("PONG", j.ping());
        }
    }

    /**
     * Differential: the same operations, on keys spread over every master, through the proxy with a plain client and
     * straight to the cluster with Lettuce's cluster client (on a second set of keys) give the same replies and leave
     * the same data.
     */
    @Test
    void theSameOperationsGiveTheSameResultsAsAClusterAwareClient() throws Exception {
        var d = directConn.sync();
        try (Jedis p = new Jedis("127.0.0.1", proxy.port())) {
            for (int i = 0; i < 30; i++) {
                String a = "diffp:" + i;
                String b = "diffd:" + i;
                assertEquals(d.set(b, "v" + i), p.set(a, "v" + i));
                assertEquals(d.append(b, "-x"), p.append(a, "-x"));
                assertEquals(d.incr(b + ":n"), p.incr(a + ":n"));
                assertEquals(d.hset(b + ":h", Map.of("f", "1", "g", "2")),
                        p.hset(a + ":h", Map.of("f", "1", "g", "2")));
                assertEquals(d.rpush(b + ":l", "x", "y", "z"), p.rpush(a + ":l", "x", "y", "z"));
                assertEquals(d.lpop(b + ":l"), p.lpop(a + ":l"));
                assertEquals(d.sadd(b + ":s", "m1", "m2"), p.sadd(a + ":s", "m1", "m2"));
                assertEquals(d.zadd(b + ":z", 1.5, "m"), p.zadd(a + ":z", 1.5, "m"));
                assertEquals(d.expire(b, 1000) ? 1L : 0L, p.expire(a, 1000));
            }
            for (int i = 0; i < 30; i++) {
                String a = "diffp:" + i;
                String b = "diffd:" + i;
                assertEquals(d.get(b), p.get(a));
                assertEquals(d.get(b + ":n"), p.get(a + ":n"));
                assertEquals(d.hgetall(b + ":h"), p.hgetAll(a + ":h"));
                assertEquals(d.lrange(b + ":l", 0, -1), p.lrange(a + ":l", 0, -1));
                assertEquals(d.smembers(b + ":s"), p.smembers(a + ":s"));
                assertEquals(d.zscore(b + ":z", "m"), p.zscore(a + ":z", "m"));
                assertEquals(d.type(b + ":h"), p.type(a + ":h"));
                // and the proxy's writes are where the cluster-aware client finds them
                assertEquals(d.get(b), d.get(a));
                assertEquals(d.lrange(b + ":l", 0, -1), d.lrange(a + ":l", 0, -1));
            }
        }
    }

    @Test
    void multiKeyCommandsAreSplitAcrossMastersAndMergedInOrder() throws Exception {
        List<String> keys = keysOnAllMasters("multi:", 30);
        try (Jedis j = new Jedis("127.0.0.1", proxy.port())) {
            List<String> kv = new ArrayList<>();
            for (String k : keys) {
                kv.add(k);
                kv.add("v-" + k);
            }
            assertEquals("OK", j.mset(kv.toArray(String[]::new)));
            List<String> ask = new ArrayList<>(keys);
            ask.add(1, "multi:missing");
            List<String> got = j.mget(ask.toArray(String[]::new));
            assertEquals(ask.size(), got.size());
            assertNull(got.get(1));
            for (int i = 0; i < ask.size(); i++) {
                if (i != 1) {
                    assertEquals("v-" + ask.get(i), got.get(i));
                    assertEquals("v-" + ask.get(i), directConn.sync().get(ask.get(i)));
                }
            }
            assertEquals(keys.size(), j.exists(keys.toArray(String[]::new)));
            assertEquals(keys.size(), j.touch(keys.toArray(String[]::new)));
            assertEquals(keys.size() - 1, j.del(keys.subList(1, keys.size()).toArray(String[]::new)));
            assertEquals(1, j.unlink(keys.get(0), "multi:missing"));
            assertEquals(0, directConn.sync().exists(keys.toArray(String[]::new)));
        }
    }

    @Test
    void atomicMultiKeyCommandsNeedOneSlot() throws Exception {
        List<String> keys = keysOnAllMasters("atomic:", 3);
        try (RespConn c = new RespConn(proxy.port())) {
            String a = keys.get(0);
            String b = keys.stream().filter(k -> SlotHash.slot(k.getBytes()) != SlotHash.slot(a.getBytes()))
                    .findFirst().orElseThrow();
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot\r\n",
                    c.call("MSETNX", a, "1", b, "2"));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot\r\n", c.call("RENAME", a, b));
            assertEquals(":1\r\n", c.call("MSETNX", "{user1}.a", "1", "{user1}.b", "2"));
            assertEquals("+OK\r\n", c.call("RENAME", "{user1}.a", "{user1}.c"));
            assertEquals("$1\r\n1\r\n", c.call("GET", "{user1}.c"));
        }
    }

    @Test
    void fanOutCommandsCoverEveryMaster() throws Exception {
        List<String> keys = keysOnAllMasters("fan:", 300);
        try (Jedis j = new Jedis("127.0.0.1", proxy.port())) {
            for (String k : keys) {
                j.set(k, "x");
            }
            assertEquals(new HashSet<>(keys), j.keys("fan:*"));
            assertTrue(j.dbSize() >= keys.size());
            // SCAN: the cursor names the master; a full scan returns every key once
            Set<String> seen = new HashSet<>();
            List<String> all = new ArrayList<>();
            String cursor = "0";
            int calls = 0;
            do {
                var r = j.scan(cursor, new redis.clients.jedis.params.ScanParams().match("fan:*").count(50));
                all.addAll(r.getResult());
                seen.addAll(r.getResult());
                cursor = r.getCursor();
                calls++;
            } while (!cursor.equals("0") && calls < 10_000);
            assertEquals(new HashSet<>(keys), seen);
            String sha = j.scriptLoad("return redis.call('GET', KEYS[1])");
            assertEquals(List.of(true, false), j.scriptExists(sha, "0000000000000000000000000000000000000000"));
            for (String k : keys.subList(0, 10)) {
                assertEquals("x", j.evalsha(sha, 1, k)); // the script exists on every master
            }
        }
    }

    @Test
    void transactionsArePinnedToTheMasterOfTheirKeys() throws Exception {
        try (RespConn c = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("MULTI"));
            assertEquals("+QUEUED\r\n", c.call("SET", "{tx}a", "1"));
            assertEquals("+QUEUED\r\n", c.call("INCR", "{tx}a"));
            assertEquals("*2\r\n+OK\r\n:2\r\n", c.call("EXEC"));
            // a key of another node inside the transaction aborts it, as Redis Cluster would
            String other = "tx-other-0";
            for (int i = 1; cluster.ownerOf(SlotHash.slot(other.getBytes())).equals(
                    cluster.ownerOf(SlotHash.slot("{tx}a".getBytes()))); i++) {
                other = "tx-other-" + i;
            }
            assertEquals("+OK\r\n", c.call("MULTI"));
            assertEquals("+QUEUED\r\n", c.call("SET", "{tx}a", "5"));
            assertEquals("-CROSSSLOT Keys in request don't hash to the same slot\r\n", c.call("GET", other));
            assertTrue(c.call("EXEC").startsWith("-EXECABORT"));
            assertEquals("$1\r\n2\r\n", c.call("GET", "{tx}a"));
            assertEquals("+OK\r\n", c.call("WATCH", "{tx}a"));
            assertEquals("+OK\r\n", c.call("MULTI"));
            assertEquals("+QUEUED\r\n", c.call("INCR", "{tx}a"));
            assertEquals("*1\r\n:3\r\n", c.call("EXEC"));
            assertEquals("+OK\r\n", c.call("MULTI"));
            assertEquals("*0\r\n", c.call("EXEC"));
        }
    }

    @Test
    void blockingCommandsWaitOnTheOwnerOfTheirKey() throws Exception {
        try (RespConn waiter = new RespConn(proxy.port()); Jedis j = new Jedis("127.0.0.1", proxy.port())) {
            for (String q : List.of("queue:a", "queue:b", "queue:c", "queue:d")) {
                waiter.send("BLPOP", q, "5");
                Awaitility.await().until(() -> blockedClients() == 1);
                assertEquals(1, j.rpush(q, "job-" + q));
                assertEquals("*2\r\n$" + q.length() + "\r\n" + q + "\r\n$" + ("job-" + q).length() + "\r\njob-" + q
                        + "\r\n", waiter.readReply());
                assertEquals(0, j.llen(q));
            }
        }
    }

    @Test
    void pubSubWorksClusterWide() throws Exception {
        try (RespConn sub = new RespConn(proxy.port()); Jedis pub = new Jedis("127.0.0.1", proxy.port())) {
            assertEquals("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", sub.call("SUBSCRIBE", "news"));
            Awaitility.await().until(() -> pub.publish("news", "hello") >= 0
                    && sub.readReply().contains("hello"));
        }
    }

    @Test
    void shardedPubSubFollowsItsSlot() throws Exception {
        String channel = "shard-news";
        int slot = SlotHash.slot(channel.getBytes());
        try (RespConn sub = new RespConn(proxy.port()); RespConn pub = new RespConn(proxy.port())) {
            assertEquals("*3\r\n$10\r\nssubscribe\r\n$10\r\nshard-news\r\n:1\r\n", sub.call("SSUBSCRIBE", channel));
            assertEquals(":1\r\n", pub.call("SPUBLISH", channel, "one"));
            assertEquals("*3\r\n$8\r\nsmessage\r\n$10\r\nshard-news\r\n$3\r\none\r\n", sub.readReply());
            // move the channel's slot to another master: the subscriber follows it without noticing
            HostPort src = cluster.ownerOf(slot);
            HostPort dst = cluster.masters().stream().filter(m -> !m.equals(src)).findFirst().orElseThrow();
            for (HostPort m : cluster.masters()) {
                try (RespConn n = new RespConn(m.port())) {
                    if (m.equals(dst)) {
                        n.call("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", cluster.nodeId(src));
                    }
                }
            }
            try (RespConn n = new RespConn(src.port())) {
                n.call("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", cluster.nodeId(dst));
            }
            String dstId = cluster.nodeId(dst);
            for (HostPort m : List.of(dst, src)) {
                try (RespConn n = new RespConn(m.port())) {
                    assertEquals("+OK\r\n", n.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", dstId));
                }
            }
            Awaitility.await().until(() -> ":1\r\n".equals(pub.call("SPUBLISH", channel, "two")));
            sub.setTimeout(5000);
            assertEquals("*3\r\n$8\r\nsmessage\r\n$10\r\nshard-news\r\n$3\r\ntwo\r\n", sub.readReply());
        }
    }

    /** Review finding: a pipelined SUNSUBSCRIBE and SSUBSCRIBE of one channel passed for Redis moving its slot. */
    @Test
    void aClientsOwnSunsubscribeIsNotTakenForAMovedSlot() throws Exception {
        String channel = "forged-move";
        try (RespConn sub = new RespConn(proxy.port()); RespConn pub = new RespConn(proxy.port())) {
            sub.call("SSUBSCRIBE", channel);
            long resubscribed = proxy.sidecar().context().resubscriptions();
            sub.send("SUNSUBSCRIBE", channel);
            sub.send("SSUBSCRIBE", channel);
            assertEquals("*3\r\n$12\r\nsunsubscribe\r\n$11\r\nforged-move\r\n:0\r\n", sub.readReply());
            assertEquals("*3\r\n$10\r\nssubscribe\r\n$11\r\nforged-move\r\n:1\r\n", sub.readReply());
            assertEquals(":1\r\n", pub.call("SPUBLISH", channel, "m"));
            assertEquals("*3\r\n$8\r\nsmessage\r\n$11\r\nforged-move\r\n$1\r\nm\r\n", sub.readReply());
            assertEquals(resubscribed, proxy.sidecar().context().resubscriptions(), "no re-subscription");
        }
    }

    @Test
    void clusterAwareClientsSeeOneNodeOwningEverySlot() throws Exception {
        try (RespConn c = new RespConn(proxy.port())) {
            String slots = c.call("CLUSTER", "SLOTS");
            assertTrue(slots.startsWith("*1\r\n*3\r\n:0\r\n:16383\r\n"), slots);
            assertTrue(slots.contains(":" + proxy.port() + "\r\n"), slots);
            assertTrue(c.call("CLUSTER", "INFO").contains("cluster_state:ok"));
            assertTrue(c.call("INFO").contains("proxy_cluster_slots_covered:16384\r\n"));
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + proxy.adminPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("redis_sidecar_cluster_slots_covered 16384.0"), metrics);
            assertTrue(metrics.contains("redis_sidecar_node_replication_lag_seconds{node="), metrics);
            assertTrue(metrics.contains("redis_sidecar_cluster_redirections_total{kind=\"moved\"}"), metrics);
            assertEquals(":" + SlotHash.slot("foo".getBytes()) + "\r\n", c.call("CLUSTER", "KEYSLOT", "foo"));
        }
        RedisClusterClient viaProxy = RedisClusterClient.create(RedisURI.create("redis://127.0.0.1:" + proxy.port()));
        try (StatefulRedisClusterConnection<String, String> conn = viaProxy.connect()) {
            for (int i = 0; i < 100; i++) {
                conn.sync().set("aware:" + i, Integer.toString(i));
            }
            for (int i = 0; i < 100; i++) {
                assertEquals(Integer.toString(i), directConn.sync().get("aware:" + i));
            }
        } finally {
            viaProxy.shutdown();
        }
    }

    @Test
    void askRedirectionsDuringASlotMigrationAreFollowed() throws Exception {
        int slot = SlotHash.slot("askslot".getBytes());
        HostPort src = cluster.ownerOf(slot);
        HostPort dst = cluster.masters().stream().filter(m -> !m.equals(src)).findFirst().orElseThrow();
        String srcId = cluster.nodeId(src);
        String dstId = cluster.nodeId(dst);
        try (RespConn c = new RespConn(proxy.port()); RespConn s = new RespConn(src.port());
             RespConn d = new RespConn(dst.port())) {
            assertEquals("+OK\r\n", c.call("SET", "{askslot}a", "va"));
            assertEquals("+OK\r\n", c.call("SET", "{askslot}b", "vb"));
            long asked = proxy.sidecar().context().askRedirections();
            assertEquals("+OK\r\n", d.call("CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", srcId));
            assertEquals("+OK\r\n", s.call("CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", dstId));
            assertEquals("+OK\r\n", s.call("MIGRATE", dst.host(), Integer.toString(dst.port()), "", "0", "5000",
                    "KEYS", "{askslot}a"));
            // a moved key, a key still on the source, a new key: the client sees none of the ASKs
            assertEquals("$2\r\nva\r\n", c.call("GET", "{askslot}a"));
            assertEquals("$2\r\nvb\r\n", c.call("GET", "{askslot}b"));
            assertEquals("+OK\r\n", c.call("SET", "{askslot}c", "vc"));
            assertEquals("$2\r\nvc\r\n", c.call("GET", "{askslot}c"));
            assertTrue(proxy.sidecar().context().askRedirections() - asked >= 3, "ASK followed");
            // finish the migration as redis-cli would
            assertEquals("+OK\r\n", s.call("MIGRATE", dst.host(), Integer.toString(dst.port()), "", "0", "5000",
                    "KEYS", "{askslot}b"));
            for (HostPort m : cluster.masters()) {
                try (RespConn n = new RespConn(m.port())) {
                    assertEquals("+OK\r\n", n.call("CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", dstId));
                }
            }
            assertEquals("$2\r\nvb\r\n", c.call("GET", "{askslot}b")); // MOVED, followed
            assertEquals(dst, cluster.ownerOf(slot));
        }
    }

    @Test
    void readsGoToReplicasWithReadFrom() throws Exception {
        List<String> keys = keysOnAllMasters("ro:", 60);
        try (SidecarFixture reader = SidecarFixture.startCluster(cluster, "--read-from", "replica");
             Jedis w = new Jedis("127.0.0.1", proxy.port()); Jedis r = new Jedis("127.0.0.1", reader.port())) {
            for (String k : keys) {
                w.set(k, "v-" + k);
            }
            long before = replicaGets();
            Awaitility.await().until(() -> {
                for (String k : keys) {
                    if (!("v-" + k).equals(r.get(k))) {
                        return false; // not replicated yet
                    }
                }
                return true;
            });
            assertTrue(replicaGets() - before >= keys.size(), "GETs were served by replicas");
            assertEquals("OK", r.set("ro:written-through-reader", "1")); // writes still go to masters
        }
    }

    /** GET calls served by the cluster's replicas so far. */
    private static long replicaGets() throws Exception {
        long n = 0;
        for (var node : cluster.nodes()) {
            if (node.isAlive() && node.info("replication").contains("role:slave")) {
                String stats = node.info("commandstats");
                int i = stats.indexOf("cmdstat_get:calls=");
                if (i >= 0) {
                    n += Long.parseLong(stats.substring(i + 18, stats.indexOf(',', i)));
                }
            }
        }
        return n;
    }

    private static int blockedClients() throws Exception {
        int n = 0;
        for (var node : cluster.nodes()) {
            if (node.isAlive()) {
                String info = node.info("clients");
                int i = info.indexOf("blocked_clients:");
                n += Integer.parseInt(info.substring(i + 16, info.indexOf('\r', i)));
            }
        }
        return n;
    }
}
