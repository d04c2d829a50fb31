package io.redissidecar.topology;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.sync.RedisCommands;
import io.redissidecar.config.HostPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster mode: learns the slot map from {@code CLUSTER SHARDS} (falling back to {@code CLUSTER SLOTS} on servers
 * before 7.0), asking the known nodes and then the seeds until one answers, and checks every node with {@code PING}
 * and {@code ROLE}. Slots whose master the cluster marks failed, or that the proxy's own checks see down, are left
 * without an owner, so requests for them are held until the cluster promotes a replica. Runs every
 * {@code topology-refresh-ms}, soon after a data-plane signal (MOVED, a lost connection; bursts coalesce into one
 * refresh), and every 50 ms while some slot has no owner (so that requests held for it go soon after a promotion).
 */
public final class ClusterTopologyMonitor extends ScheduledMonitor {
    private static final Logger log = LoggerFactory.getLogger(ClusterTopologyMonitor.class);
    private static final long INCOMPLETE_REFRESH_MS = 50;

    private List<HostPort> seeds;
    private final NodeChecker checker;
    private final NodeAccess access;
    private final Map<HostPort, NodeState> states = new LinkedHashMap<>();
    private SlotMap last;
    private boolean shardsUnsupported;

    public ClusterTopologyMonitor(List<HostPort> seeds, NodeAccess access, Duration interval,
                                  Duration timeout, int rise, int fall) {
        super("sidecar-cluster", interval);
        this.access = access;
        this.seeds = List.copyOf(seeds);
        this.checker = new NodeChecker(access, timeout, rise, fall);
    }

    @Override
    void check() {
        Set<HostPort> failed = new HashSet<>();
        SlotMap map = fetch(failed);
        if (map == null) {
            log.warn("no cluster node answered CLUSTER SHARDS/SLOTS (asked {})", candidates());
            if (last != null) {
                scheduler.requestIn(INCOMPLETE_REFRESH_MS);
            }
            return;
        }
        for (HostPort n : map.nodes()) {
            states.put(n, checker.check(n, states.getOrDefault(n, NodeState.unknown(n)), topology));
        }
        states.keySet().retainAll(new HashSet<>(map.nodes()));
        for (HostPort m : map.masters()) {
            if (!states.get(m).up()) {
                failed.add(m);
            }
        }
        for (HostPort m : map.masters()) { // replica lag, shard by shard
            int first = map.firstSlot(m);
            Map<HostPort, NodeState> shard = new LinkedHashMap<>();
            shard.put(m, states.get(m));
            for (HostPort r : map.replicas(first)) {
                if (states.containsKey(r)) {
                    shard.put(r, states.get(r));
                }
            }
            checker.annotateLag(shard, m);
            states.putAll(shard);
        }
        SlotMap usable = map.without(failed);
        if (last == null || !usable.sameOwners(last)) {
            log.info("slot map: {} of {} slots covered by masters {}{}", usable.covered(), SlotMap.SLOTS,
                    usable.masters(), failed.isEmpty() ? "" : "; failed masters " + failed);
        }
        last = usable;
        topology.updateSlots(states, usable);
        if (!usable.fullyCovered()) {
            scheduler.requestIn(INCOMPLETE_REFRESH_MS);
        }
    }

    /** Nodes to ask, in order: the masters and replicas of the last map, then the seeds. */
    private List<HostPort> candidates() {
        Set<HostPort> c = new LinkedHashSet<>();
        if (last != null) {
            c.addAll(last.masters());
        }
        c.addAll(states.keySet());
        c.addAll(seeds);
        return new ArrayList<>(c);
    }

    private SlotMap fetch(Set<HostPort> failed) {
        for (HostPort n : candidates()) {
            NodeState s = states.get(n);
            if (s != null && !s.up() && s.checkedAtMillis() > 0 && !seeds.contains(n)) {
                continue; // known down: ask the others first
            }
            try {
                RedisCommands<String, String> c = checker.connection(n).sync();
                if (!shardsUnsupported) {
                    try {
                        return parseShards(c.clusterShards(), failed, access.tls());
                    } catch (RedisCommandExecutionException e) {
                        if (!String.valueOf(e.getMessage()).contains("unknown subcommand")) {
                            throw e;
                        }
                        shardsUnsupported = true;
                    }
                }
                return parseSlots(c.clusterSlots());
            } catch (RuntimeException e) {
                checker.drop(n);
                log.debug("cluster node {} did not give the slot map: {}", n, NodeChecker.rootMessage(e));
            }
        }
        return null;
    }

    /**
     * {@code CLUSTER SHARDS}: per shard, its slot ranges and its nodes with role and health; with {@code tls}, each
     * node's {@code tls-port} (a TLS cluster's nodes may have no plain port), as Redis names TLS ports in redirections
     * on TLS connections.
     */
    static SlotMap parseShards(List<Object> shards, Set<HostPort> failed, boolean tls) {
        SlotMap.Builder b = new SlotMap.Builder();
        for (Object o : shards) {
            Map<String, Object> shard = pairs((List<?>) o);
            HostPort master = null;
            boolean masterOnline = false;
            List<HostPort> replicas = new ArrayList<>();
            for (Object n : (List<?>) shard.get("nodes")) {
                Map<String, Object> node = pairs((List<?>) n);
                Object ip = node.getOrDefault("ip", node.get("endpoint"));
                Object port = tls && node.get("tls-port") != null ? node.get("tls-port") : node.get("port");
                HostPort hp = new HostPort(String.valueOf(ip), Integer.parseInt(String.valueOf(port)));
                boolean online = "online".equals(String.valueOf(node.get("health")));
                if ("master".equals(String.valueOf(node.get("role")))) {
                    // after a failover the old master may still be listed as a master of the shard, failed: the
                    // online one wins
                    if (master == null || (online && !masterOnline)) {
                        master = hp;
                        masterOnline = online;
                    }
                } else if (online) {
                    replicas.add(hp);
                }
            }
            if (master != null && !masterOnline) {
                failed.add(master);
            }
            List<?> slots = (List<?>) shard.get("slots");
            if (master == null || slots == null) {
                continue;
            }
            for (int i = 0; i + 1 < slots.size(); i += 2) {
                b.assign(toInt(slots.get(i)), toInt(slots.get(i + 1)), master, replicas);
            }
        }
        return b.build();
    }

    /** {@code CLUSTER SLOTS}: per range, start, end, then the master and its replicas as [ip, port, id, ...]. */
    static SlotMap parseSlots(List<Object> ranges) {
        SlotMap.Builder b = new SlotMap.Builder();
        for (Object o : ranges) {
            List<?> r = (List<?>) o;
            List<HostPort> nodes = new ArrayList<>();
            for (int i = 2; i < r.size(); i++) {
                List<?> n = (List<?>) r.get(i);
                nodes.add(new HostPort(String.valueOf(n.get(0)), toInt(n.get(1))));
            }
            if (!nodes.isEmpty()) {
                b.assign(toInt(r.get(0)), toInt(r.get(1)), nodes.get(0), nodes.subList(1, nodes.size()));
            }
        }
        return b.build();
    }

    private static Map<String, Object> pairs(List<?> flat) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            m.put(String.valueOf(flat.get(i)), flat.get(i + 1));
        }
        return m;
    }

    private static int toInt(Object o) {
        return o instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(o));
    }

    @Override
    void applySources(List<HostPort> sources, String masterName) {
        seeds = sources;
        log.info("cluster seeds now {}", sources);
    }

    @Override
    void closeClients() {
        checker.close();
    }
}
