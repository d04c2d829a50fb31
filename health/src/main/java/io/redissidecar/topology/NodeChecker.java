package io.redissidecar.topology;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks Redis nodes with {@code PING} and {@code ROLE} over Lettuce connections it keeps per node. Lettuce's
 * auto-reconnect (and with it its replay of queued commands) is off: a failed connection is dropped and opened
 * anew at the next check, and the data plane alone decides what is retried. A node is marked down after
 * {@value #FALL} failed checks in a row and up again after one good check. Not thread-safe: one checking thread.
 */
final class NodeChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeChecker.class);

    private final NodeAccess access;
    private final Duration timeout;
    private final ClientResources resources;
    private final RedisClient client;
    private final Map<HostPort, StatefulRedisConnection<String, String>> connections = new HashMap<>();
    private final Map<HostPort, Integer> failures = new HashMap<>();
    private final Map<HostPort, Integer> successes = new HashMap<>();
    private final int rise;
    private final int fall;

    NodeChecker(NodeAccess access, Duration timeout, int rise, int fall) {
        this.rise = rise;
        this.fall = fall;
        this.access = access;
        this.timeout = timeout;
        this.resources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.client = RedisClient.create(resources);
        this.client.setOptions(clientOptions(timeout, access));
    }

    static ClientOptions clientOptions(Duration timeout, NodeAccess access) {
        ClientOptions.Builder b = ClientOptions.builder();
        if (access.sslOptions(timeout) != null) {
            b.sslOptions(access.sslOptions(timeout));
        }
        return b
                .autoReconnect(false)
                .protocolVersion(ProtocolVersion.RESP2)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build();
    }

    RedisClient client() {
        return client;
    }

    /** The URI of {@code node}, with the current credentials. */
    RedisURI uri(HostPort node) {
        return access.uri(node, timeout);
    }

    /** The checker's connection to {@code node}, opened if needed (it is dropped when a check of the node fails). */
    StatefulRedisConnection<String, String> connection(HostPort node) {
        StatefulRedisConnection<String, String> c = connections.get(node);
        if (c == null || !c.isOpen()) {
            c = client.connect(uri(node));
            connections.put(node, c);
        }
        return c;
    }

    /** Forgets the connection to {@code node} after a failure on it. */
    void drop(HostPort node) {
        StatefulRedisConnection<String, String> c = connections.remove(node);
        if (c != null) {
            c.closeAsync();
        }
    }

    /** One check of {@code node}; {@code previous} is its last state. Learns server facts from masters once. */
    NodeState check(HostPort node, NodeState previous, Topology topology) {
        long t0 = System.nanoTime();
        try {
            StatefulRedisConnection<String, String> c = connections.get(node);
            if (c == null || !c.isOpen()) {
                c = client.connect(uri(node));
                connections.put(node, c);
            }
            c.sync().ping();
            List<Object> role = c.sync().role();
            String roleName = role.isEmpty() ? "unknown" : String.valueOf(role.get(0));
            long micros = (System.nanoTime() - t0) / 1000;
            if (!topology.factsKnown() && "master".equals(roleName)) {
                learnServerFacts(c, topology);
            }
            failures.put(node, 0);
            int ok = successes.merge(node, 1, Integer::sum);
            boolean up = previous.up() || ok >= rise || previous.checkedAtMillis() == 0; // the first check decides
            if (!previous.up() && up) {
                log.info("node {} up role={}", node, roleName);
            } else if (up && !roleName.equals(previous.role())) {
                log.info("node {} role {} -> {}", node, previous.role(), roleName);
            }
            long offset = -1;
            try {
                Object o = "master".equals(roleName) ? role.get(1) : "slave".equals(roleName) ? role.get(4) : null;
                offset = o == null ? -1 : Long.parseLong(String.valueOf(o));
            } catch (RuntimeException e) {
                // a replica that is still connecting reports no offset yet
            }
            return new NodeState(node, up, roleName, System.currentTimeMillis(), micros, up ? null
                    : "rising (" + ok + "/" + rise + " good checks)", offset, -1);
        } catch (RuntimeException e) {
            StatefulRedisConnection<String, String> c = connections.remove(node);
            if (c != null) {
                c.closeAsync();
            }
            int f = failures.merge(node, 1, Integer::sum);
            successes.put(node, 0);
            boolean up = previous.up() && f < fall;
            String error = rootMessage(e);
            if (previous.up() && !up) {
                log.warn("node {} down: {}", node, error);
            }
            return new NodeState(node, up, previous.role(), System.currentTimeMillis(), -1, error);
        }
    }

    private final Map<HostPort, Long> lastCaughtUp = new HashMap<>();

    /**
     * Annotates replicas with their lag: 0 when the replica's offset reached the master's at this check, otherwise
     * the time since it last did (so the resolution is the check interval; -1 when never seen caught up).
     */
    void annotateLag(Map<HostPort, NodeState> states, HostPort master) {
        NodeState m = master == null ? null : states.get(master);
        long now = System.currentTimeMillis();
        for (Map.Entry<HostPort, NodeState> e : states.entrySet()) {
            NodeState n = e.getValue();
            if (!"slave".equals(n.role()) || !n.up() || m == null || m.offset() < 0 || n.offset() < 0) {
                continue;
            }
            long lag;
            if (n.offset() >= m.offset()) {
                lastCaughtUp.put(n.node(), now);
                lag = 0;
            } else {
                Long t = lastCaughtUp.get(n.node());
                lag = t == null ? -1 : now - t;
            }
            e.setValue(n.withLag(lag));
        }
    }

    /** The innermost cause's message: Lettuce wraps the useful part ("WRONGPASS ...", "Connection refused"). */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return t == e ? m : e.getMessage() + ": " + m;
    }

    private void learnServerFacts(StatefulRedisConnection<String, String> c, Topology topology) {
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
        List<Object> commands = List.of();
        try {
            commands = c.sync().command();
        } catch (RuntimeException e) {
            log.warn("COMMAND refused ({}); commands the proxy's own table does not know will be refused",
                    e.getMessage());
        }
        topology.backendUser(backendUser(c));
        topology.serverFacts(version, dbs, commands);
    }

    /**
     * The proxy's own backend user as {@code ACL GETUSER} gives it (its {@code commands} and whether its keys are
     * {@code ~*}), or null when Redis refuses to say (logged): scripts run as this user.
     */
    private BackendUser backendUser(StatefulRedisConnection<String, String> c) {
        String name = access.username() == null ? "default" : access.username();
        try {
            List<Object> reply = c.sync().aclGetuser(name);
            String commands = null;
            boolean allKeys = false;
            for (int i = 0; reply != null && i + 1 < reply.size(); i += 2) {
                String field = String.valueOf(reply.get(i));
                Object v = reply.get(i + 1);
                if (field.equals("commands")) {
                    commands = String.valueOf(v);
                } else if (field.equals("keys")) {
                    allKeys = String.valueOf(v).trim().equals("~*") || String.valueOf(v).contains("allkeys");
                }
            }
            return commands == null ? null : new BackendUser(name, commands, allKeys);
        } catch (RuntimeException e) {
            log.info("could not read the backend user's permissions (ACL GETUSER {}: {}); what scripts may do "
                    + "inside Redis is not checked", name, e.getMessage());
            return null;
        }
    }

    @Override
    public void close() {
        connections.clear(); // the client's shutdown closes them
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
