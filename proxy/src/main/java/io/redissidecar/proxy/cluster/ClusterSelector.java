package io.redissidecar.proxy.cluster;

import io.redissidecar.config.HostPort;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.backend.PrivateLink;
import io.redissidecar.proxy.routing.BackendSelector;
import io.redissidecar.proxy.routing.ReplicaChoice;
import io.redissidecar.topology.NodeState;
import io.redissidecar.topology.SlotMap;
import io.redissidecar.topology.Topology;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Cluster mode: a request goes to the owner of its hash slot (keyless requests: the owner of slot 0), on the shared
 * connection of that node that this client always uses, so that its requests to one node keep their order; under
 * {@code --read-from}, read-only commands go to one replica of the slot's master.
 */
public final class ClusterSelector implements BackendSelector {
    private final Topology topology;
    private final LoopBackends backends;
    private final Supplier<SidecarConfig> config;
    private final long clientId;
    private int lane;
    // the replica chosen per master, and the topology snapshot those choices were made on
    private Map<HostPort, HostPort> readChoice;
    private Map<HostPort, NodeState> readNodesSeen;

    public ClusterSelector(Topology topology, LoopBackends backends, Supplier<SidecarConfig> config, long clientId) {
        this.topology = topology;
        this.backends = backends;
        this.config = config;
        this.clientId = clientId;
    }

    /** The owner of {@code slot} in the current slot map; null when it has none. */
    public HostPort owner(int slot) {
        SlotMap map = topology.slots();
        return map == null ? null : map.owner(slot);
    }

    @Override
    public void lane(int newLane) {
        lane = newLane;
    }

    @Override
    public BackendConnection shared(int slot) {
        SlotMap map = topology.slots();
        int i = map == null ? -1 : map.ownerIndex(slot);
        return i < 0 ? null : backends.masterPool(map, i).sharedFor(clientId, lane);
    }

    @Override
    public BackendConnection read(int slot) {
        SlotMap map = topology.slots();
        HostPort master = map == null ? null : map.owner(slot);
        if (master == null) {
            return null;
        }
        Map<HostPort, NodeState> nodes = topology.nodes();
        if (nodes != readNodesSeen || readChoice == null) {
            readNodesSeen = nodes;
            readChoice = new HashMap<>();
        }
        HostPort choice = readChoice.get(master);
        if (choice == null) {
            SidecarConfig c = config.get();
            choice = ReplicaChoice.choose(nodes, Arrays.asList(map.replicas(slot)), master, c.readFrom(),
                    c.maxReplicaLagMs(), null, clientId);
            if (choice == null) {
                return null;
            }
            readChoice.put(master, choice);
        }
        return backends.pool(choice).sharedFor(clientId, lane);
    }

    @Override
    public HostPort privateNode(int slot) {
        return owner(slot);
    }

    /**
     * A redirected request goes where MOVED or ASK sent it, a held one to its slot's owner; a private-route request
     * moves the private connection there unless requests are in flight on it or the client is pinned to it.
     */
    @Override
    public BackendConnection retryTarget(InFlight e, PrivateLink priv, boolean pinned) {
        HostPort node = e.redirectTo != null ? e.redirectTo : owner(e.slot);
        if (node == null) {
            return null;
        }
        if (!e.privateRoute) {
            return e.readRoute && e.redirectTo == null ? read(e.slot) : backends.pool(node).sharedFor(clientId, lane);
        }
        BackendConnection p = priv.current();
        if (p != null && p.isUsable() && !p.node().equals(node)) {
            if (p.pending() > 0 || pinned) {
                return null;
            }
            priv.close();
        }
        return priv.get(node);
    }
}
