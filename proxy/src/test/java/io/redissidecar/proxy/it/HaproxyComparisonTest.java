package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.testing.ClientLoad;
import io.redissidecar.proxy.testing.FailoverWorkload;
import io.redissidecar.proxy.testing.MasterWriteWatch;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SentinelGroup;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The same failovers as {@link SentinelFailoverTest}, with HAProxy (TCP mode, role:master check, as the users run it
 * today) in place of the proxy: the figures the README puts side by side. A measurement, not a check, so it runs only
 * when asked: {@code mvn -pl proxy test -Dtest=HaproxyComparisonTest -Dcompare.haproxy=true} (with Debian's haproxy).
 */
@EnabledIfSystemProperty(named = "compare.haproxy", matches = "true")
class HaproxyComparisonTest {

    private static Process haproxy(SentinelGroup g, int port) throws Exception {
        String exe = new File("/usr/sbin/haproxy").canExecute() ? "/usr/sbin/haproxy" : "haproxy";
        StringBuilder cfg = new StringBuilder("""
                global
                  maxconn 4000
                defaults
                  mode tcp
                  timeout connect 2s
                  timeout client 1h
                  timeout server 1h
                frontend front
                  bind 127.0.0.1:%d
                  default_backend redis
                backend redis
                  option tcp-check
                  tcp-check connect
                  tcp-check send PING\\r\\n
                  tcp-check expect string +PONG
                  tcp-check send info\\ replication\\r\\n
                  tcp-check expect string role:master
                  tcp-check send QUIT\\r\\n
                  tcp-check expect string +OK
                """.formatted(port));
        int i = 0;
        for (RedisServer n : g.nodes()) {
            cfg.append("  server r").append(++i).append(" 127.0.0.1:").append(n.port())
                    .append(" check inter 1s on-marked-down shutdown-sessions\n");
        }
        Path f = Files.createTempFile("haproxy", ".cfg");
        Files.writeString(f, cfg);
        Process p = new ProcessBuilder(exe, "-f", f.toString(), "-db").redirectErrorStream(true)
                .redirectOutput(Files.createTempFile("haproxy", ".log").toFile()).start();
        // HAProxy starts with every server up until its checks say otherwise: wait for the steady state in which
        // only the master passes (100 writes in a row accepted), as an operator's HAProxy would be in
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (RespConn c = new RespConn(port)) {
                for (int k = 0; k < 100; k++) {
                    try (RespConn d = new RespConn(port)) {
                        if (!d.call("SET", "probe", "1").equals("+OK\r\n")) {
                            return false;
                        }
                    }
                }
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        return p;
    }

    /** Waits for every client to make progress again; HAProxy may not get them all there. */
    private static String recover(FailoverWorkload w) {
        try {
            w.awaitProgress(200);
            return "";
        } catch (ConditionTimeoutException e) {
            return " (not every client made progress within 30 s after the failover)";
        }
    }

    @Test
    void masterKilledUnderLoadThroughHaproxy() throws Exception {
        assumeTrue(new File("/usr/sbin/haproxy").canExecute(), "haproxy is not installed");
        try (SentinelGroup g = SentinelGroup.start()) {
            int port = RedisServer.freePort();
            Process hp = haproxy(g, port);
            try (FailoverWorkload w = new FailoverWorkload(port)) {
                w.awaitProgress(100);
                SentinelGroup.Killed k = g.killMasterAndAwaitPromotion();
                long killedAt = k.killedAtNanos();
                long promotedMs = k.promotionMillis();
                String note = recover(w);
                w.close();
                FailoverWorkload.report("HAProxy kill -9 master" + note, w, promotedMs + 1000,
                        FailoverWorkload.lostAcknowledged(port, w.load.acknowledged, killedAt));
            } finally {
                hp.toHandle().destroyForcibly();
            }
        }
    }

    @Test
    void gracefulSentinelFailoverThroughHaproxy() throws Exception {
        assumeTrue(new File("/usr/sbin/haproxy").canExecute(), "haproxy is not installed");
        try (SentinelGroup g = SentinelGroup.start()) {
            int port = RedisServer.freePort();
            Process hp = haproxy(g, port);
            try (FailoverWorkload w = new FailoverWorkload(port)) {
                w.awaitProgress(100);
                long at = System.nanoTime();
                g.sentinelFailover();
                String note = recover(w);
                w.close();
                FailoverWorkload.report("HAProxy SENTINEL FAILOVER" + note, w, 0,
                        FailoverWorkload.lostAcknowledged(port, w.load.acknowledged, at));
            } finally {
                hp.toHandle().destroyForcibly();
            }
        }
    }

    /** {@link MasterRestartTest}'s fast restart (at the promotion, async) through HAProxy: a RESTART line. */
    @Test
    void fastRestartThroughHaproxy() throws Exception {
        assumeTrue(new File("/usr/sbin/haproxy").canExecute(), "haproxy is not installed");
        try (SentinelGroup g = SentinelGroup.start();
             MasterWriteWatch watch = new MasterWriteWatch(MasterRestartTest.ports(g))) {
            int port = RedisServer.freePort();
            Process hp = haproxy(g, port);
            try {
                ClientLoad load = MasterRestartTest.writers(port);
                MasterRestartTest.awaitWrites(load, 200);
                SentinelGroup.Restarted r = g.killMasterAndRestart(SentinelGroup.RestartWhen.PROMOTION);
                String restartedRunId = MasterWriteWatch.runId(r.back().port());
                String note = "";
                try {
                    MasterRestartTest.awaitWrites(load, 200);
                } catch (ConditionTimeoutException e) {
                    note = " (no progress within 30 s after the restart)";
                }
                HostPort fin = MasterRestartTest.awaitSettled(g, r.oldMaster());
                load.close();
                System.out.println("RESTART HAProxy async restart at PROMOTION (" + r.restartedAfterMillis()
                        + " ms after the kill)" + note + ": acked=" + load.acknowledged.size() + " lostAcked="
                        + MasterRestartTest.missingOn(fin, load.acknowledged) + " setsOnRestartedWhileMaster="
                        + watch.setsBeforeFirstReplica(restartedRunId) + " twoMastersAtOnce="
                        + watch.overlaps().size() + " perNode=" + watch.summary() + "\n  " + load.seen());
            } finally {
                hp.toHandle().destroyForcibly();
            }
        }
    }
}
