package io.redissidecar.topology;

import io.redissidecar.config.HostPort;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static mode: a fixed list of nodes, each checked with {@code PING} and {@code ROLE} every interval; the master is
 * the first node, in configured order, that is up and whose ROLE says master.
 */
public final class StaticTopologyMonitor extends ScheduledMonitor {
    private static final Logger log = LoggerFactory.getLogger(StaticTopologyMonitor.class);

    private List<HostPort> nodes;
    private final Map<HostPort, NodeState> states = new LinkedHashMap<>();
    private final NodeChecker checker;

    public StaticTopologyMonitor(List<HostPort> nodes, NodeAccess access, Duration interval,
                                 Duration timeout, int rise, int fall) {
        super("sidecar-health", interval);
        this.nodes = List.copyOf(nodes);
        this.checker = new NodeChecker(access, timeout, rise, fall);
        for (HostPort n : nodes) {
            states.put(n, NodeState.unknown(n));
        }
    }

    @Override
    void check() {
        for (HostPort n : nodes) {
            states.put(n, checker.check(n, states.get(n), topology));
        }
        HostPort master = null;
        for (HostPort n : nodes) {
            if (states.get(n).isMaster()) {
                master = n;
                break;
            }
        }
        HostPort old = topology.master();
        if (master == null && old != null && states.containsKey(old) && !"slave".equals(states.get(old).role())) {
            master = old; // down but not demoted: keep it; requests are held and retried meanwhile
        }
        if (master != null && !master.equals(old)) {
            log.info("master {} (was {})", master, old);
        }
        checker.annotateLag(states, master);
        topology.update(states, master);
    }

    @Override
    void applySources(List<HostPort> sources, String masterName) {
        nodes = sources;
        states.keySet().retainAll(sources);
        for (HostPort n : sources) {
            states.putIfAbsent(n, NodeState.unknown(n));
        }
        log.info("nodes now {}", sources);
    }

    @Override
    void closeClients() {
        checker.close();
    }
}
