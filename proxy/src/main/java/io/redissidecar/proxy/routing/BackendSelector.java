package io.redissidecar.proxy.routing;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.PrivateLink;

/**
 * Which backend connection carries a client's request once {@link Router} has decided its route: one per client,
 * with the choices it keeps (the replica it reads from, its shared connection). {@link MasterReplicaSelector} serves
 * static and sentinel mode, {@code cluster.ClusterSelector} cluster mode. Every method returns null when no node can
 * take the request now: it is then held until one can.
 */
public interface BackendSelector {

    /** The client's requests go to connections of {@code lane} now (see {@code BackendPool.lane}). */
    void lane(int lane);

    /** The shared connection for a request to {@code slot} (cluster mode; 0 in the other modes). */
    BackendConnection shared(int slot);

    /** The connection for a read-only command under {@code --read-from}: a replica, or the master as allowed. */
    BackendConnection read(int slot);

    /** The node the client's private connection must be on for {@code slot}. */
    HostPort privateNode(int slot);

    /**
     * Where a held, retried or redirected request goes now; {@code pinned}: the client is in a transaction or
     * watching, so its private connection cannot move.
     */
    BackendConnection retryTarget(InFlight e, PrivateLink priv, boolean pinned);
}
