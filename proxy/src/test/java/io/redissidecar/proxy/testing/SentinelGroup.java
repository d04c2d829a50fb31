package io.redissidecar.proxy.testing;

import static org.awaitility.Awaitility.await;

import io.redissidecar.config.HostPort;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first seed system: a 3-node replication group (1 master, 2 replicas) watched by 3 Sentinels with quorum 2,
 * all real processes on 127.0.0.1 and free ports, with a short down-after (1 s) so that failovers are quick.
 */
public final class SentinelGroup implements AutoCloseable {
    public static final String MASTER_NAME = "mymaster";
    public static final int DOWN_AFTER_MS = 1000;
    /** A full sync starts at once (Redis 7 waits 5 s by default for more replicas to join a diskless sync). */
    static final String[] FAST_SYNC = {"--repl-diskless-sync-delay", "0"};

    private final List<RedisServer> nodes = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    /** A TLS-only group: how to reach its nodes and Sentinels; null for a plain one. */
    private final TestCerts.Access tls;

    private SentinelGroup(TestCerts.Access tls) {
        this.tls = tls;
    }

    public static SentinelGroup start() throws IOException {
        return start(null);
    }

    /**
     * The same group with TLS only: no plain ports, replication and Sentinels over TLS ({@code tls-replication
     * yes}), client certificates required everywhere.
     */
    public static SentinelGroup start(TestCerts.Access tls) throws IOException {
        SentinelGroup g = new SentinelGroup(tls);
        try {
            RedisServer master = g.startNode(RedisServer.freePort(), FAST_SYNC);
            g.nodes.add(master);
            for (int i = 0; i < 2; i++) {
                g.nodes.add(g.startNode(RedisServer.freePort(), "--replicaof", "127.0.0.1",
                        Integer.toString(master.port()), FAST_SYNC[0], FAST_SYNC[1]));
            }
            // both replicas fully synchronised (state=online), not merely connected
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                String r = master.info("replication");
                return r.split("state=online", -1).length == 3;
            });
            String monitor = "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2\n"
                    + "sentinel down-after-milliseconds " + MASTER_NAME + " " + DOWN_AFTER_MS + "\n"
                    + "sentinel failover-timeout " + MASTER_NAME + " 10000\n"
                    + "sentinel parallel-syncs " + MASTER_NAME + " 2\n";
            for (int i = 0; i < 3; i++) {
                g.sentinels.add(RedisServer.startSentinel(RedisServer.freePort(), tls, monitor));
            }
            // every Sentinel knows both replicas and the two other Sentinels before a test may fail the master
            for (RedisServer s : g.sentinels) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                    try (RespConn c = s.connect()) {
                        String m = c.call("SENTINEL", "MASTER", MASTER_NAME);
                        return field(m, "num-slaves").equals("2") && field(m, "num-other-sentinels").equals("2");
                    }
                });
            }
            return g;
        } catch (IOException | RuntimeException e) {
            g.close();
            throw e;
        }
    }

    private RedisServer startNode(int port, String... args) throws IOException {
        return tls == null ? RedisServer.startOn(port, args) : RedisServer.startTlsOn(port, tls, args);
    }

    /** A field of a SENTINEL MASTER reply (a flat array of names and values, as raw RESP). */
    private static String field(String reply, String name) {
        Matcher m = Pattern.compile("\\$\\d+\\r\\n" + Pattern.quote(name) + "\\r\\n\\$\\d+\\r\\n([^\\r]*)\\r\\n")
                .matcher(reply);
        return m.find() ? m.group(1) : "";
    }

    public List<HostPort> sentinelAddresses() {
        return sentinels.stream().map(RedisServer::address).toList();
    }

    public List<RedisServer> sentinels() {
        return sentinels;
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    /** The master as a majority of Sentinels name it now. */
    public HostPort currentMaster() throws IOException {
        for (RedisServer s : sentinels) {
            if (!s.isAlive()) {
                continue;
            }
            try (RespConn c = s.connect()) {
                String r = c.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                Matcher m = Pattern.compile("\\$\\d+\\r\\n([^\\r]+)\\r\\n\\$\\d+\\r\\n(\\d+)\\r\\n").matcher(r);
                if (m.find()) {
                    return new HostPort(m.group(1), Integer.parseInt(m.group(2)));
                }
            }
        }
        throw new IOException("no Sentinel names a master");
    }

    /**
     * Kills the current master with SIGKILL and waits until the Sentinels name another.
     *
     * @return the old master and how long the promotion took, in milliseconds, measured from the kill
     */
    public Killed killMasterAndAwaitPromotion() throws IOException {
        HostPort old = currentMaster();
        long killedAt = System.nanoTime();
        node(old).kill9();
        awaitNewMaster(old);
        return new Killed(old, killedAt, (System.nanoTime() - killedAt) / 1_000_000);
    }

    /** What {@link #killMasterAndAwaitPromotion()} did. */
    public record Killed(HostPort oldMaster, long killedAtNanos, long promotionMillis) {
    }

    /** Asks a Sentinel for {@code SENTINEL FAILOVER}, waits for the new master and for the old one's demotion. */
    public HostPort sentinelFailover() throws IOException {
        HostPort old = currentMaster();
        try (RespConn s = sentinels.get(0).connect()) {
            String r = s.call("SENTINEL", "FAILOVER", MASTER_NAME);
            if (!r.equals("+OK\r\n")) {
                throw new IOException("SENTINEL FAILOVER answered " + r);
            }
        }
        awaitNewMaster(old);
        awaitReplica(old);
        return old;
    }

    public void awaitNewMaster(HostPort old) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> !currentMaster().equals(old));
    }

    /** Waits until the node at {@code address} reports itself a replica (Sentinel has reconfigured it). */
    public void awaitReplica(HostPort address) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try {
                return node(address).info("replication").contains("role:slave");
            } catch (IOException e) {
                return false;
            }
        });
    }

    public RedisServer node(HostPort address) {
        return nodes.stream().filter(n -> n.port() == address.port()).findFirst().orElseThrow();
    }

    /** When {@link #killMasterAndRestart} starts the killed master again. */
    public enum RestartWhen {
        /** As soon as a Sentinel flags the master objectively down: the failover is about to begin. */
        ODOWN,
        /** As soon as a replica's ROLE says master: promoted, and Sentinel has not yet reconfigured the others. */
        PROMOTION
    }

    /** What {@link #killMasterAndRestart} did ({@link System#nanoTime()} instants). */
    public record Restarted(HostPort oldMaster, RedisServer back, long killedAtNanos, long restartedAtNanos) {
        public long restartedAfterMillis() {
            return (restartedAtNanos - killedAtNanos) / 1_000_000;
        }
    }

    /**
     * Kills the master with SIGKILL and starts it again on the same port, with no data (as a crashed node without
     * persistence restarts), at the moment {@code when} says, before Sentinel has finished the failover. Returns
     * once the new process answers; Sentinel then turns it into a replica of the new master in its own time.
     */
    public Restarted killMasterAndRestart(RestartWhen when) throws IOException {
        HostPort old = currentMaster();
        RedisServer victim = node(old);
        // the replicas now: a node restarted earlier may still say master until Sentinel demotes it
        List<RedisServer> replicas = nodes.stream().filter(n -> n != victim && n.isAlive() && !roleIsMaster(n.port()))
                .toList();
        long killedAt = System.nanoTime();
        victim.kill9();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> when == RestartWhen.ODOWN
                ? sentinels.stream().filter(RedisServer::isAlive).anyMatch(s -> flags(s).contains("o_down"))
                : replicas.stream().anyMatch(r -> roleIsMaster(r.port())));
        long restartedAt = System.nanoTime();
        return new Restarted(old, restart(victim), killedAt, restartedAt);
    }

    private static String flags(RedisServer sentinel) {
        try (RespConn c = new RespConn(sentinel.port())) {
            return field(c.call("SENTINEL", "MASTER", MASTER_NAME), "flags");
        } catch (IOException e) {
            return "";
        }
    }

    private static boolean roleIsMaster(int port) {
        try (RespConn c = new RespConn(port)) {
            return c.call("ROLE").startsWith("*3\r\n$6\r\nmaster");
        } catch (IOException e) {
            return false; // Sentinel kills a promoted replica's clients as it promotes it
        }
    }

    /** Replaces a node that was stopped by a new process on the same port (it comes back as a master). */
    public RedisServer restart(RedisServer old) throws IOException {
        RedisServer again = startNode(old.port(), FAST_SYNC);
        nodes.set(nodes.indexOf(old), again);
        return again;
    }

    @Override
    public void close() {
        sentinels.forEach(RedisServer::close);
        nodes.forEach(RedisServer::close);
    }
}
