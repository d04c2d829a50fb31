package io.redissidecar.proxy.it;

import static io.redissidecar.proxy.testing.ClientLoad.expect;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.testing.ClientLoad;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SentinelGroup;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The first seed system: 3 redis-server + 3 redis-sentinel (quorum 2), clients under load through the proxy, and the
 * master killed with SIGKILL or switched over. What the clients saw is asserted, and printed as FAILOVER lines.
 */
class SentinelFailoverTest {

    /** The workload of the issue: SET/GET, INCR, RPUSH, a BLPOP consumer, a subscriber and a publisher. */
    private static final class Workload implements AutoCloseable {
        final ClientLoad load;
        final List<ClientLoad.Seen> setGet;
        final ClientLoad.Seen incr;
        final ClientLoad.Seen rpush;
        final ClientLoad.Seen blpop;
        final ClientLoad.Seen publish;
        final ClientLoad.Seen subscriber;
        final AtomicLong messages = new AtomicLong();
        final Map<String, AtomicLong> stale = new java.util.concurrent.ConcurrentHashMap<>();

        Workload(int port) {
            load = new ClientLoad(port, 90);
            setGet = List.of(setGet("setget-1"), setGet("setget-2"), setGet("setget-3"));
            incr = load.add("incr", (c, i) -> {
                String r = c.call("INCR", "counter");
                if (!r.startsWith(":")) {
                    throw new ClientLoad.ReplyError(r);
                }
            });
            rpush = load.add("rpush", (c, i) -> {
                String r = c.call("RPUSH", "jobs", "job" + i);
                if (!r.startsWith(":")) {
                    throw new ClientLoad.ReplyError(r);
                }
            });
            blpop = load.add("blpop", (c, i) -> {
                String r = c.call("BLPOP", "jobs", "1");
                if (!r.startsWith("*")) {
                    throw new ClientLoad.ReplyError(r);
                }
            });
            publish = load.add("publish", (c, i) -> {
                String r = c.call("PUBLISH", "news", "m" + i);
                if (!r.startsWith(":")) {
                    throw new ClientLoad.ReplyError(r);
                }
            });
            subscriber = load.add("subscriber", new ClientLoad.Step() {
                boolean subscribed;

                @Override
                public void run(RespConn c, long i) throws IOException {
                    if (!subscribed) {
                        c.setTimeout(30_000);
                        expect(c, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", "SUBSCRIBE", "news");
                        subscribed = true;
                        return;
                    }
                    String m = c.readReply();
                    if (!m.startsWith("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n")) {
                        throw new ClientLoad.ReplyError(m);
                    }
                    messages.incrementAndGet();
                }
            });
        }

        private ClientLoad.Seen setGet(String name) {
            stale.put(name, new AtomicLong());
            return load.add(name, (c, i) -> {
                String key = name + ":" + i;
                String v = Long.toString(i);
                expect(c, "+OK\r\n", "SET", key, v);
                load.acknowledged.put(key, new long[] {i, System.nanoTime()});
                String r = c.call("GET", key);
                if (r.startsWith("-")) {
                    throw new ClientLoad.ReplyError(r);
                }
                if (!r.equals("$" + v.length() + "\r\n" + v + "\r\n")) {
                    stale.get(name).incrementAndGet(); // an acknowledged write that the new master does not have
                }
            });
        }

        /** Waits until every SET/GET worker and the subscriber made progress since the call. */
        void awaitProgress(int opsEach) {
            Map<ClientLoad.Seen, Long> start = new java.util.HashMap<>();
            setGet.forEach(s -> start.put(s, s.ok.get()));
            long m0 = messages.get();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                    setGet.stream().allMatch(s -> s.ok.get() - start.get(s) >= opsEach) && messages.get() - m0 >= 5);
        }

        @Override
        public void close() throws InterruptedException {
            load.close();
        }
    }

    private static void report(String scenario, Workload w, long gapBoundMs, String lostAcked) {
        StringBuilder sb = new StringBuilder("FAILOVER " + scenario + " gapBoundMs=" + gapBoundMs + " lostAckedWrites="
                + lostAcked + " acked=" + w.load.acknowledged.size() + " messages=" + w.messages.get()
                + " staleReads=" + w.stale);
        for (ClientLoad.Seen s : w.load.seen()) {
            sb.append("\n  ").append(s);
        }
        System.out.println(sb);
    }

    /** Acknowledged SETs the final master does not have, split by acknowledgement before or after {@code at}. */
    private static String lostAcknowledged(int proxyPort, Map<String, long[]> acked, long at) throws IOException {
        int before = 0;
        int after = 0;
        try (RespConn c = new RespConn(proxyPort)) {
            for (Map.Entry<String, long[]> e : acked.entrySet()) {
                String v = Long.toString(e.getValue()[0]);
                if (!c.call("GET", e.getKey()).equals("$" + v.length() + "\r\n" + v + "\r\n")) {
                    if (e.getValue()[1] - at < 0) {
                        before++;
                    } else {
                        after++;
                    }
                }
            }
        }
        return (before + after) + " (acknowledged before the event " + before + ", after " + after + ")";
    }

    private static void assertNoErrors(ClientLoad.Seen s) {
        assertTrue(s.errors.isEmpty(), s.toString());
    }

    /** Errors are allowed only when they say plainly that the command's fate is unknown. */
    private static void assertOnlyAmbiguityErrors(ClientLoad.Seen s) {
        for (String e : s.errors) {
            assertTrue(e.startsWith("-ERR redis-sidecar:") && e.contains("may or may not have run"), s.name + ": " + e);
        }
    }

    @Test
    void masterKilledUnderLoad() throws Exception {
        try (SentinelGroup g = SentinelGroup.start(); SidecarFixture proxy = SidecarFixture.startSentinel(g);
             Workload w = new Workload(proxy.port())) {
            w.awaitProgress(100);
            HostPort old = g.currentMaster();
            long killedAt = System.nanoTime();
            g.node(old).kill9();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !g.currentMaster().equals(old));
            long promotedMs = (System.nanoTime() - killedAt) / 1_000_000;
            w.awaitProgress(200);
            w.close();
            String lost = lostAcknowledged(proxy.port(), w.load.acknowledged, killedAt);
            long bound = promotedMs + 1000;
            report("kill -9 master (async)", w, bound, lost);
            for (ClientLoad.Seen s : w.setGet) {
                assertNoErrors(s);
                assertTrue(s.maxGapMillis() < bound, s + " gap bound " + bound);
            }
            assertOnlyAmbiguityErrors(w.incr);
            assertOnlyAmbiguityErrors(w.rpush);
            assertOnlyAmbiguityErrors(w.blpop);
            assertOnlyAmbiguityErrors(w.publish); // a PUBLISH in flight may have been delivered
            assertNoErrors(w.subscriber); // still connected, and receiving on the new master (awaitProgress)
            assertEquals(1, proxy.sidecar().context().resubscriptions(), "the subscriber was moved once");
        }
    }

    @Test
    void gracefulSentinelFailoverHasNoErrors() throws Exception {
        try (SentinelGroup g = SentinelGroup.start(); SidecarFixture proxy = SidecarFixture.startSentinel(g);
             Workload w = new Workload(proxy.port())) {
            w.awaitProgress(100);
            HostPort old = g.currentMaster();
            long at = System.nanoTime();
            try (RespConn s = new RespConn(g.sentinels().get(0).port())) {
                assertEquals("+OK\r\n", s.call("SENTINEL", "FAILOVER", SentinelGroup.MASTER_NAME));
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !g.currentMaster().equals(old));
            w.awaitProgress(200);
            w.close();
            report("SENTINEL FAILOVER", w, 0, lostAcknowledged(proxy.port(), w.load.acknowledged, at));
            w.load.seen().forEach(SentinelFailoverTest::assertNoErrors);
        }
    }

    @Test
    void sentinelAndReplicaKilledThenOldMasterReturnsAsReplica() throws Exception {
        try (SentinelGroup g = SentinelGroup.start(); SidecarFixture proxy = SidecarFixture.startSentinel(g);
             Workload w = new Workload(proxy.port())) {
            w.awaitProgress(50);
            g.sentinels().get(2).kill9(); // two of three Sentinels left: still a quorum and a majority
            HostPort old = g.currentMaster();
            RedisServer replica = g.nodes().stream().filter(n -> n.port() != old.port()).findFirst().orElseThrow();
            replica.kill9(); // losing a replica changes nothing for clients
            w.awaitProgress(50);
            w.setGet.forEach(SentinelFailoverTest::assertNoErrors);

            RedisServer oldMaster = g.node(old);
            long at = System.nanoTime();
            oldMaster.kill9();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                    .until(() -> !g.currentMaster().equals(old));
            w.awaitProgress(100);
            RedisServer back = g.restart(oldMaster); // returns as a master with no data, until Sentinel demotes it
            w.awaitProgress(100);
            await().atMost(Duration.ofSeconds(30)).until(() -> back.answersPing()
                    && infoRole(back.port()).contains("role:slave"));
            w.awaitProgress(100);
            w.close();
            report("sentinel + replica killed, then master killed and back", w, 0,
                    lostAcknowledged(proxy.port(), w.load.acknowledged, at));
            w.setGet.forEach(SentinelFailoverTest::assertNoErrors);
            assertNotEquals(old, proxy.sidecar().context().topology().master());
        }
    }

    private static String infoRole(int port) throws IOException {
        try (RespConn c = new RespConn(port)) {
            return c.call("INFO", "replication");
        }
    }
}
