package io.redissidecar.health;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.sentinel.api.StatefulRedisSentinelConnection;
import io.redissidecar.config.HostPort;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
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
 * {@code +odown}, {@code +failover-end}, {@code +convert-to-slave}, {@code +role-change}, subscribed on every
 * Sentinel) or a data-plane signal (a lost master connection, a {@code -READONLY} reply), it asks every Sentinel for
 * the master ({@code SENTINEL GET-MASTER-ADDR-BY-NAME}) and the replicas ({@code SENTINEL REPLICAS}), and checks every
 * node with {@code PING} and {@code ROLE}. A master is accepted only when a majority of the reachable Sentinels name it
 * and its own ROLE says master. When no such master exists, the old one is kept only while it is reachable and
 * still says master; otherwise no master is known and the data plane holds requests (it never writes to a node that
 * the Sentinels have replaced, nor to one it cannot confirm).
 */
public final class SentinelTopologyMonitor implements TopologyMonitor {
    private static final Logger log = LoggerFactory.getLogger(SentinelTopologyMonitor.class);
    static final String[] EVENTS = {"+switch-master", "+sdown", "-sdown", "+odown", "+failover-end",
        "+convert-to-slave", "+role-change"};

    private final List<HostPort> sentinels;
    private final String masterName;
    private final String sentinelPassword;
    private final Duration timeout;
    private final Topology topology = new Topology();
    private final NodeChecker nodes;
    private final ClientResources sentinelResources;
    private final RedisClient sentinelClient;
    private final Map<HostPort, StatefulRedisSentinelConnection<String, String>> sentinelConns = new HashMap<>();
    private final Map<HostPort, StatefulRedisPubSubConnection<String, String>> eventConns = new HashMap<>();
    private final Map<HostPort, NodeState> states = new LinkedHashMap<>();
    private final CheckScheduler scheduler;
    private volatile int reachableSentinels;

    public SentinelTopologyMonitor(List<HostPort> sentinels, String masterName, String sentinelPassword,
                                   String nodeUsername, String nodePassword, Duration interval, Duration timeout) {
        this.sentinels = List.copyOf(sentinels);
        this.masterName = masterName;
        this.sentinelPassword = sentinelPassword;
        this.timeout = timeout;
        this.nodes = new NodeChecker(nodeUsername, nodePassword, timeout);
        this.sentinelResources = DefaultClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
                .build();
        this.sentinelClient = RedisClient.create(sentinelResources);
        this.sentinelClient.setOptions(NodeChecker.clientOptions(timeout));
        this.scheduler = new CheckScheduler("sidecar-sentinel", interval, this::check);
    }

    @Override
    public Topology topology() {
        return topology;
    }

    /** Sentinels that answered in the last round. */
    public int reachableSentinels() {
        return reachableSentinels;
    }

    @Override
    public void start() {
        scheduler.runNow();
        scheduler.start();
    }

    @Override
    public void requestCheck() {
        scheduler.requestSoon();
    }

    private RedisURI sentinelUri(HostPort s) {
        RedisURI.Builder b = RedisURI.builder().withHost(s.host()).withPort(s.port()).withTimeout(timeout);
        if (sentinelPassword != null) {
            b = b.withPassword(sentinelPassword.toCharArray());
        }
        return b.build();
    }

    private void check() {
        Map<HostPort, Integer> votes = new HashMap<>();
        int reachable = 0;
        List<Map<String, String>> replicas = null;
        for (HostPort s : sentinels) {
            try {
                StatefulRedisSentinelConnection<String, String> c = sentinelConns.get(s);
                if (c == null || !c.isOpen()) {
                    c = sentinelClient.connectSentinel(sentinelUri(s));
                    sentinelConns.put(s, c);
                }
                SocketAddress a = c.sync().getMasterAddrByName(masterName);
                reachable++;
                if (a instanceof InetSocketAddress isa) {
                    votes.merge(new HostPort(isa.getHostString(), isa.getPort()), 1, Integer::sum);
                }
                if (replicas == null) {
                    replicas = c.sync().replicas(masterName);
                }
                subscribeEvents(s);
            } catch (RuntimeException e) {
                StatefulRedisSentinelConnection<String, String> c = sentinelConns.remove(s);
                if (c != null) {
                    c.closeAsync();
                }
                StatefulRedisPubSubConnection<String, String> p = eventConns.remove(s);
                if (p != null) {
                    p.closeAsync();
                }
                log.debug("sentinel {} unreachable: {}", s, NodeChecker.rootMessage(e));
            }
        }
        reachableSentinels = reachable;
        HostPort candidate = null;
        for (Map.Entry<HostPort, Integer> v : votes.entrySet()) {
            if (v.getValue() * 2 > reachable) {
                candidate = v.getKey();
            }
        }
        if (candidate != null) {
            states.putIfAbsent(candidate, NodeState.unknown(candidate));
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
        HostPort master;
        if (candidate != null) {
            master = states.get(candidate).isMaster() ? candidate : null; // promotion not confirmed yet: hold
        } else {
            // no Sentinel majority: keep the old master only while it is reachable and still says master
            master = old != null && states.containsKey(old) && states.get(old).isMaster() ? old : null;
        }
        if (master == null ? old != null : !master.equals(old)) {
            log.info("master {} (was {}); sentinels reachable {}/{}, named {}", master, old, reachable,
                    sentinels.size(), votes);
        }
        topology.update(states, master);
    }

    private void subscribeEvents(HostPort s) {
        StatefulRedisPubSubConnection<String, String> p = eventConns.get(s);
        if (p != null && p.isOpen()) {
            return;
        }
        p = sentinelClient.connectPubSub(sentinelUri(s));
        p.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                log.debug("sentinel {} event {} {}", s, channel, message);
                requestCheck();
            }
        });
        p.sync().subscribe(EVENTS);
        eventConns.put(s, p);
    }

    @Override
    public void close() {
        scheduler.close();
        nodes.close();
        sentinelConns.clear();
        eventConns.clear();
        sentinelClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        sentinelResources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
