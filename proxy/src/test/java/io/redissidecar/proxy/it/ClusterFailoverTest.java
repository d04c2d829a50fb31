package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.routing.SlotHash;
import io.redissidecar.proxy.testing.ClientLoad;
import io.redissidecar.proxy.testing.FailoverWorkload;
import io.redissidecar.proxy.testing.RedisCluster;
import io.redissidecar.proxy.testing.ResumeWatch;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The 6-node cluster under load through the proxy (the same workload as the replication group's: SET/GET, INCR,
 * RPUSH, a BLPOP consumer, a publisher and a subscriber), while a master is killed or slots are moved. What the
 * clients saw is asserted and printed as FAILOVER lines.
 */
class ClusterFailoverTest {

    @Test
    void masterKilledUnderLoad() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(); SidecarFixture proxy = SidecarFixture.startCluster(cluster);
             FailoverWorkload w = new FailoverWorkload(proxy.port())) {
            w.awaitProgress(100);
            // the master of slot 0: the subscriber's and the publisher's node, and a third of the SET/GET keys
            HostPort victim = cluster.ownerOf(0);
            RedisCluster.Killed k = cluster.killMasterAndAwaitPromotion(victim, 0);
            w.awaitProgress(200);
            w.close();
            String lost = FailoverWorkload.lostAcknowledged(proxy.port(), w.load.acknowledged, k.killedAtNanos());
            long bound = k.promotionMillis() + 1000;
            FailoverWorkload.report("cluster kill -9 master", w, bound, lost);
            for (ClientLoad.Seen s : w.setGet) {
                FailoverWorkload.assertNoErrors(s);
                assertTrue(s.maxGapMillis() < bound, s + " gap bound " + bound);
            }
            FailoverWorkload.assertOnlyAmbiguityErrors(w.incr);
            FailoverWorkload.assertOnlyAmbiguityErrors(w.rpush);
            FailoverWorkload.assertOnlyAmbiguityErrors(w.blpop);
            FailoverWorkload.assertOnlyAmbiguityErrors(w.publish);
            FailoverWorkload.assertNoErrors(w.subscriber);
            assertEquals(1, proxy.sidecar().context().resubscriptions(), "the subscriber was moved once");
        }
    }

    @Test
    void slotsMovedUnderLoadCauseNoError() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(); SidecarFixture proxy = SidecarFixture.startCluster(cluster);
             FailoverWorkload w = new FailoverWorkload(proxy.port())) {
            w.awaitProgress(100);
            // move the slots of the master of the INCR counter, up to and including the counter's slot (redis-cli
            // takes a master's slots in ascending order), and at least 1,000
            int counterSlot = SlotHash.slot("counter".getBytes(StandardCharsets.UTF_8));
            HostPort from = cluster.ownerOf(counterSlot);
            HostPort to = cluster.masters().stream().filter(m -> !m.equals(from)).findFirst().orElseThrow();
            int count = Math.max(1000, counterSlot - cluster.firstSlotOf(from) + 1);
            long at = System.nanoTime();
            String out = cluster.reshard(from, to, count);
            long tookMs = (System.nanoTime() - at) / 1_000_000;
            w.awaitProgress(200);
            w.close();
            String lost = FailoverWorkload.lostAcknowledged(proxy.port(), w.load.acknowledged, at);
            FailoverWorkload.report("cluster reshard " + count + " slots in " + tookMs + " ms (MOVED followed "
                    + proxy.sidecar().context().movedRedirections() + ", ASK followed "
                    + proxy.sidecar().context().askRedirections() + ")", w, 0, lost);
            assertTrue(proxy.sidecar().context().movedRedirections() > 0, "the clients' keys did move");
            assertEquals(to, cluster.ownerOf(counterSlot), "the counter's slot moved");
            w.load.seen().forEach(FailoverWorkload::assertNoErrors);
            assertTrue(lost.startsWith("0 "), lost);
            assertTrue(out.contains("Moving slot"), out);
        }
    }

    /**
     * Issue 15 in cluster mode: after the cluster promotes the replica of a killed master, writes (an idempotent
     * {@code SET}) and reads on that master's slots resume within the target of 150 ms, and clients with a 2 s
     * timeout see no error. The figure is printed (FAILOVER-RESUME cluster); what is asserted is no client error and
     * a resumption within {@value #RESUME_BOUND_MS} ms, since timings on a loaded 2-core machine vary (see README).
     */
    @Test
    void writesResumeSoonAfterThePromotion() throws Exception {
        // cluster-node-timeout 500 ms: the promotion (the timeout, agreeing on the failure, then Redis's election
        // delay of 500 to 1000 ms) must end within the clients' 2 s timeout; with 1000 ms it takes 2.3 to 2.7 s
        try (RedisCluster cluster = RedisCluster.start(500);
             SidecarFixture proxy = SidecarFixture.startCluster(cluster)) {
            HostPort victim = cluster.ownerOf(0);
            BitSet slots = cluster.slotsOf(victim);
            List<String> keys = new ArrayList<>();
            for (int n = 0; keys.size() < 4; n++) {
                String k = "resume:" + n;
                if (slots.get(SlotHash.slot(k.getBytes(StandardCharsets.UTF_8)))) {
                    keys.add(k);
                }
            }
            List<HostPort> replicas = cluster.replicasOf(victim);
            try (ResumeWatch w = new ResumeWatch(proxy.port(), keys)) {
                // Redis Cluster's election waits 500 to 1000 ms after the failure is agreed: its promotion now and
                // then takes close to 2 s here, which no 2 s client survives
                w.killAndAssertResumption("cluster kill -9", () -> cluster.node(victim).kill9(), replicas,
                        RESUME_BOUND_MS, 1800);
            }
        }
    }

    /** The bound asserted; the target is 150 ms (see {@link #writesResumeSoonAfterThePromotion}). */
    private static final long RESUME_BOUND_MS = 1000;
}
