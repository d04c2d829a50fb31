package io.redissidecar.health;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.redissidecar.config.HostPort;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks for a fixed list of nodes (static mode): every interval each node gets {@code PING} and
 * {@code ROLE}; the master is the first node, in configured order, that is up and whose ROLE says master.
 * A node is marked down after {@value #FALL} failed checks in a row and up again after one good check.
 *
 * <p>Lettuce carries these checks. Its auto-reconnect (and with it the replay of queued commands) is off: a failed
 * connection is dropped and opened anew at the next check, and the data plane alone decides what is retried.
 */
public final class StaticTopologyMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StaticTopologyMonitor.class);
    static final int FALL = 2;

    private final List<HostPort> nodes;
    private final String username;
    private final String password;
    private final Duration interval;
    private final Duration timeout;
    private final Topology topology = new Topology();
    private final Map<HostPort, StatefulRedisConnection<String, String>> connections = new HashMap<>();
    private final Map<HostPort, Integer> failures = new HashMap<>();
    private final Map<HostPort, NodeState> states = new LinkedHashMap<>();
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService scheduler;
    private boolean factsKnown;

    public StaticTopologyMonitor(List<HostPort> nodes, String username, String password, Duration interval,
                                 Duration timeout) {
        this.nodes = List.copyOf(nodes);
        this.username = username;
        this.password = password;
        this.interval = interval;
        this.timeout = timeout;
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.client = RedisClient.create(resources);
        this.client.setOptions(ClientOptions.builder()
                .autoReconnect(false)
                .protocolVersion(ProtocolVersion.RESP2)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sidecar-health");
            t.setDaemon(true);
            return t;
        });
        for (HostPort n : nodes) {
            states.put(n, NodeState.unknown(n));
        }
    }

    public Topology topology() {
        return topology;
    }

    /** Runs a first round of checks before returning (so a reachable master is known at once), then schedules. */
    public void start() {
        checkAll();
        scheduler.scheduleWithFixedDelay(this::checkAllSafely, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void checkAllSafely() {
        try {
            checkAll();
        } catch (RuntimeException e) {
            log.warn("health check round failed: {}", e.toString());
        }
    }

    private synchronized void checkAll() {
        for (HostPort n : nodes) {
            states.put(n, check(n));
        }
        HostPort master = null;
        for (HostPort n : nodes) {
            if (states.get(n).isMaster()) {
                master = n;
                break;
            }
        }
        HostPort old = topology.master();
        if (master == null && old != null && !"slave".equals(states.get(old).role())) {
            master = old; // down but not demoted: keep routing there, connections report the failure
        }
        if (master != null && !master.equals(old)) {
            log.info("master {} (was {})", master, old);
        }
        topology.update(states, master);
    }

    private NodeState check(HostPort node) {
        NodeState previous = states.get(node);
        long t0 = System.nanoTime();
        try {
            StatefulRedisConnection<String, String> c = connections.get(node);
            if (c == null || !c.isOpen()) {
                RedisURI.Builder uri = RedisURI.builder().withHost(node.host()).withPort(node.port())
                        .withTimeout(timeout);
                if (password != null) {
                    uri = username != null ? uri.withAuthentication(username, password) : uri.withPassword(
                            password.toCharArray());
                }
                c = client.connect(uri.build());
                connections.put(node, c);
            }
            c.sync().ping();
            List<Object> role = c.sync().role();
            String roleName = role.isEmpty() ? "unknown" : String.valueOf(role.get(0));
            long micros = (System.nanoTime() - t0) / 1000;
            if (!factsKnown && "master".equals(roleName)) {
                learnServerFacts(c);
            }
            failures.put(node, 0);
            if (!previous.up()) {
                log.info("node {} up role={}", node, roleName);
            } else if (!roleName.equals(previous.role())) {
                log.info("node {} role {} -> {}", node, previous.role(), roleName);
            }
            return new NodeState(node, true, roleName, System.currentTimeMillis(), micros, null);
        } catch (RuntimeException e) {
            StatefulRedisConnection<String, String> c = connections.remove(node);
            if (c != null) {
                c.closeAsync();
            }
            int f = failures.merge(node, 1, Integer::sum);
            boolean up = previous.up() && f < FALL;
            String error = rootMessage(e);
            if (previous.up() && !up) {
                log.warn("node {} down: {}", node, error);
            }
            return new NodeState(node, up, previous.role(), System.currentTimeMillis(), -1, error);
        }
    }

    /** The innermost cause's message: Lettuce wraps the useful part ("WRONGPASS ...", "Connection refused"). */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return t == e ? m : e.getMessage() + ": " + m;
    }

    private void learnServerFacts(StatefulRedisConnection<String, String> c) {
        String version = "unknown";
        for (String line : c.sync().info("server").split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                version = line.substring("redis_version:".length()).trim();
            }
        }
        int dbs = 16;
        try {
            String v = c.sync().configGet("databases").get("databases");
            if (v != null) {
                dbs = Integer.parseInt(v);
            }
        } catch (RuntimeException e) {
            log.debug("CONFIG GET databases refused ({}); assuming 16", e.getMessage());
        }
        topology.serverFacts(version, dbs);
        factsKnown = true;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        synchronized (this) {
            connections.clear(); // the client's shutdown closes them
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
