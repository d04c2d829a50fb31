package io.redissidecar.proxy.routing;

import io.redissidecar.config.HostPort;
import io.redissidecar.config.ReadFrom;
import io.redissidecar.topology.NodeState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Which node serves a client's read-only commands under {@code --read-from}. Stateless: the session keeps its last
 * choice and asks again when the topology snapshot changes.
 */
public final class ReplicaChoice {
    private ReplicaChoice() {
    }

    /**
     * @param policy   {@link ReadFrom#REPLICA_PREFERRED}, {@link ReadFrom#REPLICA} or {@link ReadFrom#NEAREST}
     * @param previous the client's last choice (kept while still eligible, so its reads stay in order), or null
     * @param clientId spreads clients over the eligible replicas
     * @return the node to read from, or null when the policy offers none (the read is held)
     */
    public static HostPort choose(Map<HostPort, NodeState> nodes, HostPort master, ReadFrom policy, int maxLagMs,
                                  HostPort previous, long clientId) {
        return choose(nodes, null, master, policy, maxLagMs, previous, clientId);
    }

    /** As above, among {@code replicas} only (cluster mode: the replicas of one master); null: every replica. */
    public static HostPort choose(Map<HostPort, NodeState> nodes, List<HostPort> replicas, HostPort master,
                                  ReadFrom policy, int maxLagMs, HostPort previous, long clientId) {
        List<NodeState> eligible = new ArrayList<>();
        for (NodeState n : nodes.values()) {
            if (replicas != null && !replicas.contains(n.node())) {
                continue;
            }
            if (n.up() && "slave".equals(n.role()) && n.lagMs() >= 0 && n.lagMs() <= maxLagMs) {
                eligible.add(n);
            }
        }
        HostPort choice = null;
        for (NodeState n : eligible) {
            if (n.node().equals(previous)) {
                choice = previous; // stay on the same replica while it is eligible
            }
        }
        if (choice == null && !eligible.isEmpty()) {
            if (policy == ReadFrom.NEAREST) {
                eligible.sort(Comparator.comparingLong(NodeState::latencyMicros));
                choice = eligible.get(0).node();
            } else {
                choice = eligible.get((int) (clientId % eligible.size())).node();
            }
        }
        if (policy == ReadFrom.NEAREST && master != null) {
            NodeState ms = nodes.get(master);
            NodeState cs = choice == null ? null : nodes.get(choice);
            if (cs == null || (ms != null && ms.latencyMicros() >= 0 && ms.latencyMicros() < cs.latencyMicros())) {
                choice = master;
            }
        }
        if (choice == null && policy != ReadFrom.REPLICA) {
            choice = master;
        }
        return choice;
    }
}
