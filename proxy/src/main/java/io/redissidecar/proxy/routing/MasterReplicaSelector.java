package io.redissidecar.proxy.routing;

import io.redissidecar.config.HostPort;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.backend.PrivateLink;
import io.redissidecar.topology.NodeState;
import io.redissidecar.topology.Topology;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Static and sentinel mode: writes and everything else go to the master; under {@code --read-from}, read-only
 * commands go to one replica within {@code --max-replica-lag-ms} (the same one while it stays eligible, so that a
 * client's reads keep their order).
 */
public final class MasterReplicaSelector implements BackendSelector {
    private final Topology topology;
    private final LoopBackends backends;
    private final Supplier<SidecarConfig> config;
    private final long clientId;
    private BackendConnection home;
    private int lane;
    // the replica this client reads from, and the topology snapshot that choice was made on
    private BackendConnection readConn;
    private HostPort readChoice;
    private Map<HostPort, NodeState> readNodesSeen;

    public MasterReplicaSelector(Topology topology, LoopBackends backends, Supplier<SidecarConfig> config,
                                 long clientId) {
        this.topology = topology;
        this.backends = backends;
        this.config = config;
        this.clientId = clientId;
    }

    @Override
    public void lane(int newLane) {
        lane = newLane;
        home = null;
        readConn = null;
    }

    @Override
    public BackendConnection shared(int slot) {
        HostPort m = topology.master();
        if (m == null) {
            return null;
        }
        BackendConnection h = home;
        if (h == null || (h.node() != m && !h.node().equals(m)) || !h.isUsable()) {
            h = backends.pool(m).shared(lane); // null while the master's circuit is open: the request is held
            home = h;
        }
        return h;
    }

    @Override
    public BackendConnection read(int slot) {
        HostPort node = readNode();
        if (node == null) {
            return null;
        }
        if (node.equals(topology.master())) {
            return shared(slot);
        }
        BackendConnection r = readConn;
        if (r == null || !r.node().equals(node) || !r.isUsable()) {
            r = backends.pool(node).shared(lane);
            readConn = r;
        }
        return r;
    }

    private HostPort readNode() {
        Map<HostPort, NodeState> nodes = topology.nodes();
        if (nodes != readNodesSeen || readChoice == null) { // choose again when the topology snapshot changes
            readNodesSeen = nodes;
            SidecarConfig c = config.get();
            readChoice = ReplicaChoice.choose(nodes, topology.master(), c.readFrom(), c.maxReplicaLagMs(),
                    readChoice, clientId);
        }
        return readChoice;
    }

    @Override
    public HostPort privateNode(int slot) {
        return topology.master();
    }

    @Override
    public BackendConnection retryTarget(InFlight e, PrivateLink priv, boolean pinned) {
        return e.privateRoute ? priv.get(topology.master()) : e.readRoute ? read(0) : shared(0);
    }
}
