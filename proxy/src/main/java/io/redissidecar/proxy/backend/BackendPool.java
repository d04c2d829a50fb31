package io.redissidecar.proxy.backend;

import io.redissidecar.config.HostPort;

/**
 * The connections of one event loop to one node: a small fixed set of shared connections that clients are spread
 * over round-robin, and private connections opened per client on demand.
 */
public final class BackendPool {
    private final HostPort node;
    private final LoopBackends loop;
    private final BackendConnection[] shared;
    private int next;

    BackendPool(HostPort node, LoopBackends loop, int sharedConnections) {
        this.node = node;
        this.loop = loop;
        this.shared = new BackendConnection[sharedConnections];
    }

    public HostPort node() {
        return node;
    }

    /**
     * A shared connection (opened or re-opened as needed), or null while the node's circuit breaker is open. A client
     * keeps the one it gets while it works.
     */
    public BackendConnection shared() {
        int i = next;
        next = i + 1 == shared.length ? 0 : i + 1;
        return sharedAt(i);
    }

    /**
     * The shared connection a client uses to this node (cluster mode, where a client talks to several nodes):
     * always the same one for the same {@code clientId}, so that a client's requests to one node keep their order.
     */
    public BackendConnection sharedFor(long clientId) {
        return sharedAt((int) (clientId % shared.length));
    }

    /** Shared connection {@code i}, opened or re-opened as needed; null while the node's circuit is open. */
    private BackendConnection sharedAt(int i) {
        BackendConnection c = shared[i];
        if (c == null || !c.isUsable()) {
            if (!loop.settings().breakers().allowConnect(node)) {
                return null; // circuit open: the caller holds the request and retries later
            }
            c = new BackendConnection(node, loop, null);
            shared[i] = c;
            c.connect();
        }
        return c;
    }

    /** A new connection for one client alone (null while the node's circuit is open); it reports its loss. */
    public BackendConnection openPrivate(ReplyOwner owner) {
        if (!loop.settings().breakers().allowConnect(node)) {
            return null;
        }
        BackendConnection c = new BackendConnection(node, loop, owner);
        c.connect();
        return c;
    }

    void checkStalled(long now, long timeoutNanos) {
        for (BackendConnection c : shared) {
            if (c != null) {
                c.checkStalled(now, timeoutNanos);
            }
        }
    }

    void closeAll() {
        for (BackendConnection c : shared) {
            if (c != null) {
                c.close();
            }
        }
    }
}
