package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.testing.ClientLoad;
import io.redissidecar.proxy.testing.MasterWriteWatch;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SentinelGroup;
import io.redissidecar.proxy.testing.SentinelGroup.RestartWhen;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15: a master killed with SIGKILL and started again (same port, no data) before Sentinel has finished the
 * failover, once or three times in a row, while clients write through the proxy. Asserted: the restarted process
 * takes no write while it is an empty master (its {@code cmdstat_set} while it says master, sampled every 5 ms), no
 * two nodes take writes at once, and with {@code --durability replicated} every acknowledged write is on the final
 * master. With async durability the loss is printed (RESTART lines), not asserted.
 */
class MasterRestartTest {
    private static final int WRITERS = 4;

    /**
     * Writers of unique keys ({@code w<k>:<i>}), acknowledged keys recorded. The client timeout is RespConn's 10 s:
     * with replicated durability a write after the promotion is acknowledged only once Sentinel has pointed the other
     * replica at the new master, about 1 s after the promotion.
     */
    static ClientLoad writers(int port) {
        ClientLoad load = new ClientLoad(port, 60);
        for (int k = 0; k < WRITERS; k++) {
            String prefix = "w" + k + ":";
            load.add("writer-" + k, (c, i) -> {
                String key = prefix + i;
                ClientLoad.expect(c, "+OK\r\n", "SET", key, Long.toString(i));
                load.acknowledged.put(key, new long[] {i, System.nanoTime()});
            });
        }
        return load;
    }

    static void awaitWrites(ClientLoad load, int more) {
        long start = load.totalOk();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> load.totalOk() - start >= more);
    }

    /** Acknowledged keys missing from (or different on) {@code node}, read directly, pipelined 500 at a time. */
    static long missingOn(HostPort node, Map<String, long[]> acked) throws IOException {
        long missing = 0;
        List<Map.Entry<String, long[]>> all = new ArrayList<>(acked.entrySet());
        try (RespConn c = new RespConn(node.port())) {
            for (int from = 0; from < all.size(); from += 500) {
                List<Map.Entry<String, long[]>> batch = all.subList(from, Math.min(all.size(), from + 500));
                for (Map.Entry<String, long[]> e : batch) {
                    c.send("GET", e.getKey());
                }
                for (Map.Entry<String, long[]> e : batch) {
                    String v = Long.toString(e.getValue()[0]);
                    if (!c.readReply().equals("$" + v.length() + "\r\n" + v + "\r\n")) {
                        missing++;
                    }
                }
            }
        }
        return missing;
    }

    static List<Integer> ports(SentinelGroup g) {
        return g.nodes().stream().map(RedisServer::port).toList();
    }

    /** The group is whole again: the restarted node is a replica, and the master has both replicas online. */
    static HostPort awaitSettled(SentinelGroup g, HostPort restarted) {
        g.awaitReplica(restarted);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            HostPort m = g.currentMaster();
            return g.node(m).info("replication").split("state=online", -1).length == 3;
        });
        try {
            return g.currentMaster();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What one kill and restart did, as the clients and the nodes saw it. */
    private record Outcome(long lost, long setsOnRestarted, List<String> overlaps, ClientLoad load) {
    }

    /**
     * Writers through the proxy, the master killed and restarted at {@code when}, the group whole again; prints a
     * RESTART line. The replicas' full syncs after the kill (from the restarted, empty master or from the new one) are
     * counted from their logs ("Flushing old data", once each at the start).
     */
    private static Outcome killAndRestartUnderLoad(String durability, RestartWhen when) throws Exception {
        try (SentinelGroup g = SentinelGroup.start();
             SidecarFixture proxy = SidecarFixture.startSentinel(g, "--durability", durability);
             MasterWriteWatch watch = new MasterWriteWatch(ports(g))) {
            ClientLoad load = writers(proxy.port());
            awaitWrites(load, 200);
            int masterPort = g.currentMaster().port();
            List<RedisServer> replicas = g.nodes().stream().filter(n -> n.port() != masterPort).toList();
            SentinelGroup.Restarted r = g.killMasterAndRestart(when);
            String restartedRunId = MasterWriteWatch.runId(r.back().port());
            awaitWrites(load, 200);
            HostPort fin = awaitSettled(g, r.oldMaster());
            awaitWrites(load, 200);
            load.close();
            long lost = missingOn(fin, load.acknowledged);
            long wiped = 0;
            for (RedisServer replica : replicas) {
                wiped += replica.logLines("Flushing old data") - 1;
            }
            Outcome o = new Outcome(lost, watch.setsBeforeFirstReplica(restartedRunId), watch.overlaps(), load);
            System.out.println("RESTART " + durability + " restart at " + when + " (" + r.restartedAfterMillis()
                    + " ms after the kill): acked=" + load.acknowledged.size() + " lostAcked=" + lost
                    + " setsOnRestartedWhileMaster=" + o.setsOnRestarted + " replicaFullSyncsAfterTheKill="
                    + wiped + " perNode=" + watch.summary() + "\n  " + load.seen());
            return o;
        }
    }

    /**
     * Restarted once the replica is promoted, before Sentinel has reconfigured the other replica, demoted the old
     * master or announced the switch: every Sentinel still names the restarted, empty node.
     */
    @Test
    void fastRestartLosesNoAcknowledgedWriteWithReplicatedDurability() throws Exception {
        Outcome o = killAndRestartUnderLoad("replicated", RestartWhen.PROMOTION);
        assertEquals(0, o.lost, "acknowledged writes missing on the final master");
        assertEquals(0, o.setsOnRestarted, "writes the restarted node took while it was an empty master");
        assertEquals(List.of(), o.overlaps, "two masters took writes at once");
        o.load.seen().forEach(s -> assertTrue(s.errors.isEmpty(), s.toString()));
    }

    /**
     * Restarted as soon as Sentinel calls the master down, before the promotion. The proxy still sends the restarted
     * node nothing (asserted), but Redis itself may lose data here, which no proxy can prevent: the replicas
     * reconnect to the restarted master within a second, find it empty and full-sync from it, flushing what they
     * had; if that happens before Sentinel promotes one, the promoted replica is empty. Printed, not asserted.
     */
    @ParameterizedTest
    @ValueSource(strings = {"replicated", "async"})
    void restartBeforeThePromotionSendsTheEmptyNodeNoWrite(String durability) throws Exception {
        Outcome o = killAndRestartUnderLoad(durability, RestartWhen.ODOWN);
        assertEquals(0, o.setsOnRestarted, "writes the restarted node took while it was an empty master");
        assertEquals(List.of(), o.overlaps, "two masters took writes at once");
    }

    /** The loss with async durability and a restart after the promotion: printed, not asserted. */
    @Test
    void fastRestartWithAsyncDurabilityIsMeasured() throws Exception {
        Outcome o = killAndRestartUnderLoad("async", RestartWhen.PROMOTION);
        assertEquals(0, o.setsOnRestarted, "writes the restarted node took while it was an empty master");
        assertEquals(List.of(), o.overlaps, "two masters took writes at once");
    }

    /** The master killed and restarted 3 times in a row, each time before Sentinel has finished the failover. */
    @Test
    void aFlappingMasterNeverMakesTwoMastersNorWritesToAnEmptyNode() throws Exception {
        try (SentinelGroup g = SentinelGroup.start();
             SidecarFixture proxy = SidecarFixture.startSentinel(g, "--durability", "replicated");
             MasterWriteWatch watch = new MasterWriteWatch(ports(g))) {
            ClientLoad load = writers(proxy.port());
            awaitWrites(load, 200);
            List<String> restartedRunIds = new ArrayList<>();
            List<String> rounds = new ArrayList<>();
            long start = System.nanoTime();
            HostPort restarted = null;
            for (int round = 0; round < 3; round++) {
                // the master has a replica in sync before it is killed: otherwise Sentinel has none to promote
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() ->
                        g.node(g.currentMaster()).info("replication").contains("state=online"));
                awaitWrites(load, 100);
                SentinelGroup.Restarted r = g.killMasterAndRestart(RestartWhen.PROMOTION);
                restartedRunIds.add(MasterWriteWatch.runId(r.back().port()));
                rounds.add(r.oldMaster() + " killed at " + (r.killedAtNanos() - start) / 1_000_000 + " ms, restarted "
                        + r.restartedAfterMillis() + " ms later");
                restarted = r.oldMaster();
            }
            long flapMs = (System.nanoTime() - start) / 1_000_000;
            awaitWrites(load, 200);
            HostPort fin = awaitSettled(g, restarted);
            awaitWrites(load, 200);
            load.close();
            long lost = missingOn(fin, load.acknowledged);
            List<Long> onRestarted = restartedRunIds.stream().map(watch::setsBeforeFirstReplica).toList();
            System.out.println("RESTART flapping x3 in " + flapMs + " ms " + rounds + ": acked="
                    + load.acknowledged.size() + " lostAcked=" + lost + " setsOnRestartedWhileMaster=" + onRestarted
                    + " perNode=" + watch.summary() + "\n  " + load.seen());
            // what the proxy does is asserted; the loss is printed: one run in CI lost 505 acknowledged writes while
            // the proxy sent no write to an empty node (Sentinel's second failover of the same master waited out
            // twice its failover-timeout, 21 s, and a replica that had the writes resynced from an empty node)
            assertEquals(List.of(0L, 0L, 0L), onRestarted, "writes a restarted node took as an empty master");
            assertEquals(List.of(), watch.overlaps(), "two masters took writes at once");
        }
    }
}
