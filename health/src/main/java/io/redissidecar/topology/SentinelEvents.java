package io.redissidecar.topology;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.redissidecar.config.HostPort;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sentinel mode: the Sentinels' events ({@link #EVENTS}, subscribed on every Sentinel) and the failover flag they
 * raise. Any event asks for a check soon. An event about our master that says a replica is being promoted
 * ({@code +try-failover}, {@code +selected-slave}, ...) flags a failover for at most 30 s, notes the replica selected,
 * and holds writes at once ({@link Topology#suspendMaster()}) rather than at the next check, since the old master's
 * writes from then on would be lost. An event that ends a failover, one way or the other, lowers the flag.
 *
 * <p>Subscriptions are opened and dropped on the control-plane thread; events arrive on Lettuce's threads.
 */
final class SentinelEvents {
    // the monitor's logger, as before this class was split from it: log lines keep their logger name
    private static final Logger log = LoggerFactory.getLogger(SentinelTopologyMonitor.class);
    static final String[] EVENTS = {"+switch-master", "+sdown", "-sdown", "+odown", "+failover-end",
        "+convert-to-slave", "+role-change", "+try-failover", "+selected-slave",
        "+failover-state-send-slaveof-noone", "+promoted-slave", "+failover-end-for-timeout",
        "-failover-abort-not-elected", "-failover-abort-no-good-slave"};
    /** Events that mean a replica is being promoted: writes to the old master from now on would be lost. */
    private static final Set<String> FAILOVER_STARTS = Set.of("+try-failover", "+selected-slave",
            "+failover-state-send-slaveof-noone", "+promoted-slave");
    /** Events that end a failover, one way or the other. */
    private static final Set<String> FAILOVER_ENDS = Set.of("+switch-master", "+failover-end",
            "+failover-end-for-timeout", "-failover-abort-not-elected", "-failover-abort-no-good-slave");
    private static final long FAILOVER_FLAG_MAX_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Function<HostPort, StatefulRedisPubSubConnection<String, String>> connect;
    private final Supplier<String> masterName;
    private final Topology topology;
    private final Runnable requestCheck;
    private final Map<HostPort, StatefulRedisPubSubConnection<String, String>> connections = new HashMap<>();
    /** Set while a Sentinel reports a promotion under way (System.nanoTime() deadline), 0 otherwise. */
    private volatile long failoverUntil;
    /** The replica a Sentinel is promoting ({@code +selected-slave}), while {@link #failoverUntil} is set. */
    private volatile HostPort promoting;
    /** The master a failover was last announced against, until the monitor takes it to fence it. */
    private final AtomicReference<HostPort> failing = new AtomicReference<>();

    /**
     * @param connect      opens a pub/sub connection to a Sentinel
     * @param masterName   the master's name now (it changes on a configuration reload)
     * @param topology     where writes are suspended when a promotion begins
     * @param requestCheck asks the monitor for a check soon
     */
    SentinelEvents(Function<HostPort, StatefulRedisPubSubConnection<String, String>> connect,
                   Supplier<String> masterName, Topology topology, Runnable requestCheck) {
        this.connect = connect;
        this.masterName = masterName;
        this.topology = topology;
        this.requestCheck = requestCheck;
    }

    /** The failover flag: a {@link System#nanoTime()} deadline while a promotion is under way, 0 otherwise. */
    long failoverUntil() {
        return failoverUntil;
    }

    /** The replica a Sentinel said it selected for promotion, or null. */
    HostPort promoting() {
        return promoting;
    }

    /**
     * The master a Sentinel announced a failover against since the last call, or null; the monitor fences it
     * ({@link MasterFence}).
     */
    HostPort takeFailingMaster() {
        return failing.getAndSet(null);
    }

    /** A planned switchover begins: a failover is flagged, with no replica selected yet. */
    void switchoverStarted() {
        failoverUntil = System.nanoTime() + FAILOVER_FLAG_MAX_NANOS;
        promoting = null;
    }

    /** A planned switchover failed: the flag is lowered (a replica noted meanwhile stays noted). */
    void switchoverFailed() {
        failoverUntil = 0;
    }

    /** Subscribes to the events of Sentinel {@code s} unless its subscription is open. Control-plane thread. */
    void subscribe(HostPort s) {
        StatefulRedisPubSubConnection<String, String> p = connections.get(s);
        if (p != null && p.isOpen()) {
            return;
        }
        p = connect.apply(s);
        p.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                onEvent(s, channel, message);
            }
        });
        p.sync().subscribe(EVENTS);
        connections.put(s, p);
    }

    /** One event from Sentinel {@code s}. */
    void onEvent(HostPort s, String channel, String message) {
        log.debug("sentinel {} event {} {}", s, channel, message);
        if (message != null && (" " + message + " ").contains(" " + masterName.get() + " ")) {
            if (FAILOVER_STARTS.contains(channel)) {
                if (channel.equals("+selected-slave")) {
                    promoting = instanceAddress(message);
                }
                HostPort m = masterAddress(message);
                if (m != null) {
                    failing.set(m);
                }
                if (failoverUntil == 0) {
                    log.info("failover started: sentinel {} says {} {}; writes are held", s, channel, message);
                }
                failoverUntil = System.nanoTime() + FAILOVER_FLAG_MAX_NANOS;
                HostPort p = promoting;
                NodeState ps = p == null ? null : topology.nodes().get(p);
                if (ps == null || !p.equals(topology.master())) {
                    topology.suspendMaster(); // hold writes now, not at the next check
                }
            } else if (FAILOVER_ENDS.contains(channel)) {
                if (failoverUntil != 0) {
                    log.info("failover ended: sentinel {} says {} {}", s, channel, message);
                }
                failoverUntil = 0;
                promoting = null;
            }
        }
        requestCheck.run();
    }

    /** The instance an event is about: "{@code <type> <name> <ip> <port> @ <master> <ip> <port>}". */
    static HostPort instanceAddress(String message) {
        String[] t = message.trim().split(" ");
        try {
            return t.length >= 4 ? new HostPort(t[2], Integer.parseInt(t[3])) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The master an event is about: the instance itself for a master's event ("{@code master <name> <ip> <port>}"),
     * the part after {@code @} for a replica's ("{@code slave <ip:port> <ip> <port> @ <name> <ip> <port>}").
     */
    static HostPort masterAddress(String message) {
        String[] t = message.trim().split(" ");
        int at = Arrays.asList(t).indexOf("@");
        if (at < 0) {
            return t.length >= 4 && t[0].equals("master") ? instanceAddress(message) : null;
        }
        try {
            return t.length >= at + 4 ? new HostPort(t[at + 2], Integer.parseInt(t[at + 3])) : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Closes the subscription to Sentinel {@code s}; the next {@link #subscribe} opens it again. */
    void drop(HostPort s) {
        StatefulRedisPubSubConnection<String, String> p = connections.remove(s);
        if (p != null) {
            p.closeAsync();
        }
    }

    /** Forgets every subscription: the client they belong to is shutting down and closes them. */
    void clear() {
        connections.clear();
    }
}
