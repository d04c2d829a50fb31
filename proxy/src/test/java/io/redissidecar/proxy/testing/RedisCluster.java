package io.redissidecar.proxy.testing;

import static org.awaitility.Awaitility.await;

import io.redissidecar.config.HostPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The second seed system: a 6-node Redis Cluster (3 masters, 3 replicas) of real {@code redis-server} processes on
 * 127.0.0.1, created with {@code redis-cli --cluster create ... --cluster-replicas 1}, with a short
 * cluster-node-timeout so that failovers are quick.
 */
public final class RedisCluster implements AutoCloseable {
    public static final int NODE_TIMEOUT_MS = 1000;

    private final List<RedisServer> nodes = new ArrayList<>();
    /** With TLS: each node's TLS port (beside its plain one, which the fixture itself uses). */
    private final List<Integer> tlsPorts = new ArrayList<>();

    public static RedisCluster start() throws IOException {
        return start(NODE_TIMEOUT_MS);
    }

    /** A cluster whose nodes call a silent peer failing after {@code nodeTimeoutMs} ({@code cluster-node-timeout}). */
    public static RedisCluster start(int nodeTimeoutMs) throws IOException {
        return start(nodeTimeoutMs, null);
    }

    /**
     * With {@code tls}, every node also has a TLS port, and the cluster bus and replication run over TLS
     * ({@code tls-cluster}, {@code tls-replication}); clients on the TLS port need a certificate.
     */
    public static RedisCluster start(int nodeTimeoutMs, TestCerts.Access tls) throws IOException {
        RedisCluster c = new RedisCluster();
        try {
            for (int i = 0; i < 6; i++) {
                List<String> args = new ArrayList<>(List.of("--cluster-enabled", "yes", "--cluster-config-file",
                        "nodes.conf", "--cluster-node-timeout", Integer.toString(nodeTimeoutMs),
                        "--cluster-replica-validity-factor", "0", "--repl-diskless-sync-delay", "0"));
                if (tls != null) {
                    int tlsPort = RedisServer.freePort();
                    c.tlsPorts.add(tlsPort);
                    List<String> t = new ArrayList<>(tls.serverArgs(tlsPort).subList(2, 12)); // not "--port 0"
                    t.addAll(List.of("--tls-cluster", "yes", "--tls-replication", "yes"));
                    args.addAll(t);
                }
                c.nodes.add(RedisServer.startOn(clusterPort(), args.toArray(String[]::new)));
            }
            List<String> cmd = new ArrayList<>(List.of(RedisServer.executable("redis-cli"), "--cluster", "create"));
            for (RedisServer n : c.nodes) {
                cmd.add("127.0.0.1:" + n.port());
            }
            cmd.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
            c.redisCli(cmd, 60);
            c.awaitHealthy();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The nodes' TLS addresses (a cluster started with TLS). */
    public List<HostPort> tlsSeeds() {
        return tlsPorts.stream().map(p -> new HostPort("127.0.0.1", p)).toList();
    }

    /** A free port whose cluster bus port (+10000) is free too. */
    private static int clusterPort() throws IOException {
        for (int i = 0; i < 100; i++) {
            int p = RedisServer.freePort();
            if (p + 10000 < 65536) {
                try (ServerSocket s = new ServerSocket(p + 10000, 1,
                        InetAddress.getByName("127.0.0.1"))) {
                    return p;
                } catch (IOException busy) {
                    // try another
                }
            }
        }
        throw new IOException("no free port pair for a cluster node");
    }

    /** Runs redis-cli with a deadline; returns its output, fails on a non-zero exit. */
    public String redisCli(List<String> cmd, int timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + cmd);
            }
            String s = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException("exit " + p.exitValue() + ": " + cmd + "\n" + s);
            }
            return s;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** Every live node says cluster_state:ok and every slot is served by a master with a synced replica. */
    public void awaitHealthy() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (RedisServer n : nodes) {
                if (n.isAlive() && !n.info("cluster").contains("cluster_enabled:1")) {
                    return false;
                }
                if (n.isAlive()) {
                    try (RespConn c = new RespConn(n.port())) {
                        if (!c.call("CLUSTER", "INFO").contains("cluster_state:ok")) {
                            return false;
                        }
                    }
                }
            }
            return true;
        });
    }

    /** The masters, as the first live node reports them (CLUSTER NODES). */
    public List<HostPort> masters() throws IOException {
        List<HostPort> m = new ArrayList<>();
        for (String line : clusterNodes().split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 2 && f[2].contains("master") && !f[2].contains("fail")) {
                m.add(address(f[1]));
            }
        }
        return m;
    }

    /** The lowest slot {@code master} owns (-1: none), as the first live node reports it. */
    public int firstSlotOf(HostPort master) throws IOException {
        return slotsOf(master).nextSetBit(0);
    }

    /** The slots {@code master} owns, as the first live node reports it. */
    public BitSet slotsOf(HostPort master) throws IOException {
        BitSet slots = new BitSet(16384);
        for (String line : clusterNodes().split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 9 || !address(f[1]).equals(master)) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                String r = f[i].trim();
                if (!r.startsWith("[")) {
                    String[] ab = r.split("-");
                    slots.set(Integer.parseInt(ab[0]), Integer.parseInt(ab[ab.length - 1]) + 1);
                }
            }
        }
        return slots;
    }

    /** The replicas of {@code master}, as the first live node reports them. */
    public List<HostPort> replicasOf(HostPort master) throws IOException {
        String id = nodeId(master);
        List<HostPort> r = new ArrayList<>();
        for (String line : clusterNodes().split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 3 && f[2].contains("slave") && f[3].equals(id)) {
                r.add(address(f[1]));
            }
        }
        return r;
    }

    /** The master that owns {@code slot}, as the first live node reports it. */
    public HostPort ownerOf(int slot) throws IOException {
        for (String line : clusterNodes().split("\n")) {
            String[] f = line.split(" ");
            if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                String r = f[i].trim();
                if (r.startsWith("[")) {
                    continue;
                }
                String[] ab = r.split("-");
                int a = Integer.parseInt(ab[0]);
                int b = ab.length > 1 ? Integer.parseInt(ab[1]) : a;
                if (slot >= a && slot <= b) {
                    return address(f[1]);
                }
            }
        }
        return null;
    }

    /** The cluster node id of {@code node}. */
    public String nodeId(HostPort node) throws IOException {
        for (String line : clusterNodes().split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 1 && address(f[1]).equals(node)) {
                return f[0];
            }
        }
        throw new IOException("no node " + node + " in CLUSTER NODES");
    }

    /** {@code kill -9} of a master; returns once a replica owns its slots and the cluster is ok again. */
    public Killed killMasterAndAwaitPromotion(HostPort master, int slot) throws IOException {
        RedisServer n = node(master);
        long at = System.nanoTime();
        n.kill9();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
            HostPort o = ownerOf(slot);
            return o != null && !o.equals(master);
        });
        long promotedMs = (System.nanoTime() - at) / 1_000_000;
        awaitHealthy();
        return new Killed(master, at, promotedMs);
    }

    public record Killed(HostPort master, long killedAtNanos, long promotionMillis) {
    }

    /** Moves {@code slots} hash slots from one master to another with {@code redis-cli --cluster reshard}. */
    public String reshard(HostPort from, HostPort to, int slots) throws IOException {
        return redisCli(List.of(RedisServer.executable("redis-cli"), "--cluster", "reshard", from.toString(),
                "--cluster-from", nodeId(from), "--cluster-to", nodeId(to), "--cluster-slots",
                Integer.toString(slots), "--cluster-yes", "--cluster-pipeline", "50"), 120);
    }

    public String clusterNodes() throws IOException {
        for (RedisServer n : nodes) {
            if (n.isAlive()) {
                try (RespConn c = new RespConn(n.port())) {
                    String r = c.call("CLUSTER", "NODES");
                    return r.substring(r.indexOf('\n') + 1);
                }
            }
        }
        throw new IOException("no live cluster node");
    }

    private static HostPort address(String field) {
        String hp = field.split("@")[0];
        int i = hp.lastIndexOf(':');
        return new HostPort(hp.substring(0, i), Integer.parseInt(hp.substring(i + 1)));
    }

    public List<RedisServer> nodes() {
        return nodes;
    }

    public RedisServer node(HostPort a) {
        return nodes.stream().filter(n -> n.port() == a.port()).findFirst().orElseThrow();
    }

    public List<HostPort> seeds() {
        return List.of(nodes.get(0).address(), nodes.get(1).address());
    }

    @Override
    public void close() {
        for (RedisServer n : nodes) {
            n.close();
        }
    }
}
