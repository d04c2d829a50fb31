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

    /** A shared connection (opened or re-opened as needed). A client keeps the one it gets while it works. */
    public BackendConnection shared() {
        int i = next;
        next = i + 1 == shared.length ? 0 : i + 1;
        BackendConnection c = shared[i];
        if (c == null || !c.isUsable()) {
            c = new BackendConnection(node, loop, null);
            shared[i] = c;
            c.connect();
        }
        return c;
    }

    /** A new connection for one client alone; it reports its loss to {@code owner}. */
    public BackendConnection openPrivate(ReplyOwner owner) {
        BackendConnection c = new BackendConnection(node, loop, owner);
        c.connect();
        return c;
    }

    void closeAll() {
        for (BackendConnection c : shared) {
            if (c != null) {
                c.close();
            }
        }
    }
}
