package io.redissidecar.proxy.testing;

import io.redissidecar.config.ConfigLoader;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.Sidecar;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/** An in-process redis-sidecar on free ports in front of the given nodes. */
public final class SidecarFixture implements AutoCloseable {
    private final Sidecar sidecar;
    private final String[] args;

    private SidecarFixture(Sidecar sidecar, String[] args) {
        this.sidecar = sidecar;
        this.args = args;
    }

    public static SidecarFixture start(List<HostPort> backends, String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--backends", join(backends)));
        args.addAll(List.of(extraArgs));
        return startWith(args);
    }

    /** In sentinel mode, in front of {@code group}. */
    public static SidecarFixture startSentinel(SentinelGroup group, String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--mode", "sentinel", "--sentinels",
                join(group.sentinelAddresses()), "--master-name", SentinelGroup.MASTER_NAME));
        args.addAll(List.of(extraArgs));
        return startWith(args);
    }

    /** In cluster mode, in front of {@code cluster}; returns once every slot has an owner. */
    public static SidecarFixture startCluster(RedisCluster cluster, String... extraArgs) throws Exception {
        return startClusterAt(cluster.seeds(), extraArgs);
    }

    /** In cluster mode with these seeds (a cluster's TLS addresses, say); returns once every slot has an owner. */
    public static SidecarFixture startClusterAt(List<HostPort> seeds, String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("--mode", "cluster", "--cluster-seeds", join(seeds),
                "--topology-refresh-ms", "500"));
        args.addAll(List.of(extraArgs));
        SidecarFixture f = startWith(args);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> f.sidecar.isReady());
        return f;
    }

    private static SidecarFixture startWith(List<String> options) throws Exception {
        List<String> args = new ArrayList<>(List.of("--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--health-interval-ms", "200", "--event-loop-threads", "2"));
        args.addAll(options);
        String[] a = args.toArray(String[]::new);
        return new SidecarFixture(new Sidecar(ConfigLoader.load(a, Map.of())).start(), a);
    }

    private static String join(List<HostPort> nodes) {
        return nodes.stream().map(HostPort::toString).collect(Collectors.joining(","));
    }

    /** Turns on hot reload: the watched files (config, passwords, certificates) are polled every second. */
    public void enableReload() {
        sidecar.enableReload(() -> ConfigLoader.load(args, Map.of()));
    }

    /** The client TLS port. */
    public int tlsPort() {
        return sidecar.tlsAddress().port();
    }

    public int port() {
        return sidecar.listenAddress().port();
    }

    public int adminPort() {
        return sidecar.adminPort();
    }

    public Sidecar sidecar() {
        return sidecar;
    }

    @Override
    public void close() {
        sidecar.shutdown(Duration.ofSeconds(1));
    }
}
