package io.redissidecar.topology;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.redissidecar.config.HostPort;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentinel mode: follows the master of {@code master-name} as the Sentinels see it.
 *
 * <p>Every interval, and soon after any Sentinel event ({@code +switch-master}, {@code +sdown}, {@code -sdown},
 * {@code +odown}, {@code +failover-end}, {@code +convert-to-slave}, {@code +role-change}, ..., subscribed on every
 * Sentinel by {@link SentinelEvents}) or a data-plane signal (a lost master connection, a {@code -READONLY} reply), it
 * asks every Sentinel for the master ({@code SENTINEL MASTER}: address and config epoch) and the replicas
 * ({@code SENTINEL REPLICAS}), and checks every node with {@code PING} and {@code ROLE}. {@link MasterElection} then
 * picks the master from the answers: a master is accepted only when its own ROLE says master and either a majority of
 * the reachable Sentinels name it, or a Sentinel names it with a newer config epoch than the majority's (epochs rise
 * only through an elected failover, so that Sentinel is ahead, not astray). While a Sentinel reports a promotion under
 * way ({@code +try-failover}, {@code +selected-slave}, ...), writes to the old master are held, since the old master's
 * writes from then on would be lost. When no such master exists, the old one is kept only while it is reachable and
 * still says master; otherwise no master is known and the data plane holds requests (it never writes to a node that
 * the Sentinels have replaced, nor to one it cannot confirm). The old master of a failover is fenced
 * ({@link MasterFence}): from the first event of a failover against it, or once writes have moved to another node,
 * it is not the master again until its ROLE says slave, even if it restarts empty and Sentinels that have not switched
 * yet still name it. {@link Switchover} is the planned switch of
 * {@link #switchover}.
 */
public final class SentinelTopologyMonitor extends ScheduledMonitor {
    private static final Logger log = LoggerFactory.getLogger(SentinelTopologyMonitor.class);

    private volatile List<HostPort> sentinels;
    private volatile String masterName;
    private final NodeAccess sentinelAccess;
    private final Duration timeout;
    private final NodeChecker nodes;
    private final ClientResources sentinelResources;
    private final RedisClient sentinelClient;
    private final Map<HostPort, StatefulRedisSentinelConnection<String, String>> sentinelConns = new HashMap<>();
    private final SentinelEvents events;
    private final Switchover switchover;
    private final Map<HostPort, NodeState> states = new LinkedHashMap<>();
    private volatile int reachableSentinels;
    private final MasterFence fence = new MasterFence();
    /** The last node writes went to (the topology's master is null while a failover suspends it). */
    private HostPort lastMaster;

    public SentinelTopologyMonitor(List<HostPort> sentinels, String masterName, NodeAccess sentinelAccess,
                                   NodeAccess nodeAccess, Duration interval, Duration timeout, int rise, int fall) {
        super("sidecar-sentinel", interval);
        this.sentinels = List.copyOf(sentinels);
        this.masterName = masterName;
        this.sentinelAccess = sentinelAccess;
        this.timeout = timeout;
        this.nodes = new NodeChecker(nodeAccess, timeout, rise, fall);
        this.sentinelResources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .build();
        this.sentinelClient = RedisClient.create(sentinelResources);
        this.sentinelClient.setOptions(NodeChecker.clientOptions(timeout, sentinelAccess));
        this.events = new SentinelEvents(s -> sentinelClient.connectPubSub(sentinelUri(s)), () -> this.masterName,
                topology, this::requestCheck);
        this.switchover = new Switchover(topology, nodes, events, states, sentinelConns.values(), () -> this.masterName,
                this::check);
    }

    /** Sentinels that answered in the last round. */
    public int reachableSentinels() {
        return reachableSentinels;
    }

    private RedisURI sentinelUri(HostPort s) {
        return sentinelAccess.uri(s, timeout);
    }

    @Override
    void check() {
        // the failover flag as it was before the Sentinels are asked, unless raised since: a flag lowered by an event
        // during this round must not meet answers read before that event (a Sentinel not yet switched)
        long untilBefore = events.failoverUntil();
        HostPort promotedBefore = events.promoting();
        long failoverTimeoutMs = 0;
        Map<HostPort, Integer> votes = new HashMap<>();
        Map<HostPort, Long> epochs = new HashMap<>();
        int reachable = 0;
        List<Map<String, String>> replicas = null;
        for (HostPort s : sentinels) {
            try {
                StatefulRedisSentinelConnection<String, String> c = sentinelConns.get(s);
                if (c == null || !c.isOpen()) {
                    c = sentinelClient.connectSentinel(sentinelUri(s));
                    sentinelConns.put(s, c);
                }
                Map<String, String> m = c.sync().master(masterName);
                reachable++;
                HostPort named = new HostPort(m.get("ip"), Integer.parseInt(m.get("port")));
                votes.merge(named, 1, Integer::sum);
                long epoch = Long.parseLong(m.getOrDefault("config-epoch", "0"));
                epochs.merge(named, epoch, Math::max);
                failoverTimeoutMs = Math.max(failoverTimeoutMs,
                        Long.parseLong(m.getOrDefault("failover-timeout", "180000")));
                if (replicas == null) {
                    replicas = c.sync().replicas(masterName);
                }
                events.subscribe(s);
            } catch (RuntimeException e) {
                dropSentinel(s);
                log.debug("sentinel {} unreachable: {}", s, NodeChecker.rootMessage(e));
            }
        }
        reachableSentinels = reachable;
        MasterElection election = new MasterElection(reachable, votes, epochs);
        for (HostPort n : votes.keySet()) {
            states.putIfAbsent(n, NodeState.unknown(n));
        }
        if (replicas != null) {
            for (Map<String, String> r : replicas) {
                try {
                    HostPort n = new HostPort(r.get("ip"), Integer.parseInt(r.get("port")));
                    states.putIfAbsent(n, NodeState.unknown(n));
                } catch (RuntimeException e) {
                    log.debug("unusable replica entry {}", r);
                }
            }
        }
        for (HostPort n : List.copyOf(states.keySet())) {
            states.put(n, nodes.check(n, states.get(n), topology));
        }
        HostPort old = topology.master();
        long now = System.nanoTime();
        long until = untilBefore != 0 ? untilBefore : events.failoverUntil();
        HostPort promoted = promotedBefore != null ? promotedBefore : events.promoting();
        long fenceNanos = TimeUnit.MILLISECONDS.toNanos(failoverTimeoutMs > 0 ? failoverTimeoutMs : 180_000);
        HostPort failing = events.takeFailingMaster();
        if (fence.fence(failing, now, fenceNanos)) {
            log.info("fenced {}: a failover began against it; not the master again until its ROLE says slave, or "
                    + "for {} ms (the Sentinels' failover-timeout)", failing, fenceNanos / 1_000_000);
        }
        for (HostPort lifted : fence.lift(states, now)) {
            log.info("fence of {} lifted: {}", lifted, states.get(lifted));
        }
        MasterElection.Decision decision = fenced(election.decide(states, old));
        if (election.failoverOverrides(decision, until, now)) {
            // rule 5 (see MasterElection): the replica being promoted is checked once more, and decides
            if (promoted != null) {
                states.putIfAbsent(promoted, NodeState.unknown(promoted));
                states.put(promoted, nodes.check(promoted, states.get(promoted), topology));
            }
            decision = fenced(MasterElection.duringFailover(promoted,
                    promoted == null ? null : states.get(promoted)));
        }
        HostPort master = decision.master();
        if (master != null && lastMaster != null && !master.equals(lastMaster)
                && fence.fence(lastMaster, now, fenceNanos)) {
            log.info("fenced {}: writes moved to {}", lastMaster, master);
        }
        if (master != null) {
            lastMaster = master;
        }
        if (master == null ? old != null : !master.equals(old)) {
            log.info("master {} (was {}); sentinels reachable {}/{}, named {}", master, old, reachable,
                    sentinels.size(), votes);
        }
        nodes.annotateLag(states, master);
        HostPort paused = topology.writesPaused();
        if (paused != null && states.containsKey(paused) && "slave".equals(states.get(paused).role())) {
            topology.writesPaused(null); // reconfigured (and its clients killed): the switchover is over
        }
        topology.update(states, master);
        if (decision.reason() == MasterElection.Reason.FAILOVER_UNDER_WAY
                || decision.reason() == MasterElection.Reason.FENCED) {
            // a promotion is under way and not confirmed yet: look again soon, not at the next interval, so that
            // writes resume as soon as the promoted replica says master (Sentinel's own events come later)
            scheduler.requestIn(FAILOVER_POLL_MS);
        }
    }

    /** {@code decision}, or none when its node is fenced. */
    private MasterElection.Decision fenced(MasterElection.Decision decision) {
        return fence.blocks(decision.master()) ? new MasterElection.Decision(null, MasterElection.Reason.FENCED)
                : decision;
    }

    /** How often everything is checked while a failover is under way and no promoted replica says master yet. */
    static final long FAILOVER_POLL_MS = 50;

    /**
     * A planned switch of the master that loses no acknowledged write: hold every request in the proxy, pause writes
     * on the master ({@code CLIENT PAUSE ms WRITE}, against writers that do not go through the proxy), wait until the
     * replicas have everything the master has, ask a Sentinel for {@code SENTINEL FAILOVER}, and release the held
     * requests to the new master once its ROLE says master.
     *
     * @return a one-line account ("switched from A to B in N ms")
     * @throws IllegalStateException with the reason when the switch cannot be done (the old master is then kept)
     */
    public String switchover(Duration timeout) throws Exception {
        return scheduler.call(() -> switchover.run(timeout));
    }

    /** Closes the connections to Sentinel {@code s} (query and events); the next check opens them again if needed. */
    private void dropSentinel(HostPort s) {
        StatefulRedisSentinelConnection<String, String> c = sentinelConns.remove(s);
        if (c != null) {
            c.closeAsync();
        }
        events.drop(s);
    }

    @Override
    void applySources(List<HostPort> sources, String newMasterName) {
        for (HostPort s : sentinels) {
            if (!sources.contains(s) || !newMasterName.equals(masterName)) {
                dropSentinel(s);
            }
        }
        if (!newMasterName.equals(masterName)) {
            fence.clear(); // another group: its epochs and nodes are not the old group's
            lastMaster = null;
        }
        sentinels = sources;
        masterName = newMasterName;
        log.info("sentinels now {}, master name {}", sources, newMasterName);
    }

    @Override
    void closeClients() {
        nodes.close();
        sentinelConns.clear();
        events.clear();
        sentinelClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        sentinelResources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
