package io.redissidecar.topology;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.redissidecar.config.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentinel mode's planned switch of the master ({@code POST /admin/switchover}), which loses no acknowledged write:
 * hold every request in the proxy, pause writes on the master ({@code CLIENT PAUSE ms WRITE}, against writers that do
 * not go through the proxy), wait until the replicas have everything the master has, ask a Sentinel for
 * {@code SENTINEL FAILOVER}, and release the held requests to the new master once its ROLE says master. The old master
 * is then made a replica at once, and its pause lifted once its ROLE says so.
 *
 * <p>Runs on the monitor's control-plane thread, between checks, and runs the monitor's check itself while it waits
 * for the new master.
 */
final class Switchover {
    // the monitor's logger, as before this class was split from it: log lines keep their logger name
    private static final Logger log = LoggerFactory.getLogger(SentinelTopologyMonitor.class);

    private final Topology topology;
    private final NodeChecker nodes;
    private final SentinelEvents events;
    private final Map<HostPort, NodeState> states;
    private final Collection<StatefulRedisSentinelConnection<String, String>> sentinels;
    private final Supplier<String> masterName;
    private final Runnable check;

    /**
     * @param topology   the monitor's topology: suspended, marked paused, and read for the new master
     * @param nodes      the monitor's node checker, whose client and credentials reach the nodes
     * @param events     the failover flag, raised for the switch and lowered if it fails
     * @param states     the monitor's node states (a live view), to find a replica that is up
     * @param sentinels  the monitor's Sentinel connections (a live view): the first open one is asked
     * @param masterName the master's name now
     * @param check      one round of the monitor's checks
     */
    Switchover(Topology topology, NodeChecker nodes, SentinelEvents events, Map<HostPort, NodeState> states,
               Collection<StatefulRedisSentinelConnection<String, String>> sentinels, Supplier<String> masterName,
               Runnable check) {
        this.topology = topology;
        this.nodes = nodes;
        this.events = events;
        this.states = states;
        this.sentinels = sentinels;
        this.masterName = masterName;
        this.check = check;
    }

    /**
     * Runs the switchover on the control-plane thread, bounded by {@code timeout}.
     *
     * @return a one-line account ("switched from A to B in N ms")
     * @throws IllegalStateException with the reason when the switch cannot be done (the old master is then kept)
     */
    String run(Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        long deadline = t0 + timeout.toNanos();
        HostPort old = topology.master();
        if (old == null) {
            throw new IllegalStateException("no master is known");
        }
        boolean hasReplica = states.values().stream().anyMatch(n -> n.up() && "slave".equals(n.role()));
        if (!hasReplica) {
            throw new IllegalStateException("no replica is up to take over");
        }
        StatefulRedisSentinelConnection<String, String> sentinel = sentinels.stream()
                .filter(StatefulRedisSentinelConnection::isOpen).findFirst()
                .orElseThrow(() -> new IllegalStateException("no Sentinel reachable"));
        StatefulRedisConnection<String, String> m = nodes.client().connect(
                nodes.uri(old));
        boolean demoted = false;
        try {
            events.switchoverStarted();
            topology.suspendMaster(); // the proxy holds every request from now on
            long pauseMs = Math.max(1, timeout.toMillis());
            m.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(pauseMs).add("WRITE"));
            topology.writesPaused(old); // until Sentinel has turned it into a replica (see the monitor's check())
            while (!replicasCaughtUp(m.sync().info("replication"))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("replicas did not catch up with the master in time");
                }
                Thread.sleep(5); // polling the master's replication offsets on the control thread
            }
            sentinel.sync().failover(masterName.get());
            while (true) {
                check.run();
                HostPort now = topology.master();
                if (now != null && !now.equals(old)) {
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    log.info("switchover from {} to {} in {} ms", old, now, ms);
                    // the held requests go to the new master now; the old one stays paused until Sentinel has made
                    // it a replica: unpaused earlier, writes still queued there would run on it and be lost
                    demote(old, now); // what Sentinel would do at its next look at the old master
                    demoted = awaitDemotion(old, deadline);
                    return "switched from " + old + " to " + now + " in " + ms + " ms";
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("no new master within " + timeout.toMillis() + " ms");
                }
                Thread.sleep(10);
            }
        } catch (Exception e) {
            demoted = true; // the old master stays master: its writers must go on
            events.switchoverFailed();
            topology.writesPaused(null);
            check.run(); // the old master again, if it still is one
            throw e instanceof IllegalStateException ? e : new IllegalStateException(NodeChecker.rootMessage(e), e);
        } finally {
            m.closeAsync();
            if (demoted) {
                // a fresh connection: Sentinel's CLIENT KILL on the demoted node may have closed the first one
                try (var u = nodes.client().connect(nodes.uri(old))) {
                    u.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
                            new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
                } catch (RuntimeException e) {
                    log.debug("CLIENT UNPAUSE on {}: {}", old, e.getMessage());
                }
            } else {
                log.warn("old master {} is not a replica yet; its write pause is left to expire by itself", old);
            }
        }
    }

    /**
     * Makes the old master a replica of the new one at once ({@code REPLICAOF}, which a write pause does not hold).
     * Sentinel does the same when it next looks at the old master, which can take seconds; meanwhile the old master
     * would stay paused. A failure is left to Sentinel.
     */
    private void demote(HostPort old, HostPort now) {
        try (var c = nodes.client().connect(nodes.uri(old))) {
            c.sync().replicaof(now.host(), now.port());
        } catch (RuntimeException e) {
            log.debug("REPLICAOF on the old master {}: {}", old, e.getMessage());
        }
    }

    /** Waits (until {@code deadline}) for ROLE on the old master to say slave; true once it does. */
    private boolean awaitDemotion(HostPort old, long deadline) throws InterruptedException {
        while (System.nanoTime() - deadline < 0) {
            // a new connection each time: Sentinel's CLIENT KILL after SLAVEOF closes the old master's clients
            try (var c = nodes.client().connect(nodes.uri(old))) {
                List<Object> role = c.sync().role();
                if (!role.isEmpty() && "slave".equals(String.valueOf(role.get(0)))) {
                    return true;
                }
            } catch (RuntimeException e) {
                log.debug("ROLE on the old master: {}", e.getMessage());
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** True when every online replica in the master's INFO replication has the master's offset. */
    static boolean replicasCaughtUp(String info) {
        long master = -1;
        List<Long> offsets = new ArrayList<>();
        for (String line : info.split("\r?\n")) {
            if (line.startsWith("master_repl_offset:")) {
                master = Long.parseLong(line.substring("master_repl_offset:".length()).trim());
            } else if (line.startsWith("slave") && line.contains("state=online")) {
                for (String kv : line.substring(line.indexOf(':') + 1).split(",")) {
                    if (kv.startsWith("offset=")) {
                        offsets.add(Long.parseLong(kv.substring(7)));
                    }
                }
            }
        }
        final long target = master;
        return target >= 0 && !offsets.isEmpty() && offsets.stream().allMatch(o -> o >= target);
    }
}
