package io.redissidecar.proxy.backend;

import io.redissidecar.config.HostPort;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;

/**
 * The connections of one event loop to one node: a small fixed set of shared connections that clients are spread
 * over round-robin, and private connections opened per client on demand.
 */
public final class BackendPool {
    private final HostPort node;
    private final LoopBackends loop;
    /**
     * The shared connections per lane, each opened once a client needs it: RESP2, RESP3, and the same two with
     * {@code CLIENT TRACKING} on, for clients that track keys (see {@link InvalidationLinks}).
     */
    private final BackendConnection[][] shared = new BackendConnection[4][];
    private int next;
    /** Clients' private connections in a tracking lane (closed with the link). */
    private final Set<BackendConnection> privateTracking = new HashSet<>();

    BackendPool(HostPort node, LoopBackends loop, int sharedConnections) {
        this.node = node;
        this.loop = loop;
        for (int i = 0; i < shared.length; i++) {
            shared[i] = new BackendConnection[sharedConnections];
        }
    }

    public HostPort node() {
        return node;
    }

    /**
     * A shared connection (opened or re-opened as needed), or null while the node's circuit breaker is open. A client
     * keeps the one it gets while it works.
     */
    /** The lane of a client speaking RESP {@code proto} whose reads are tracked or not. */
    public static int lane(int proto, boolean tracking) {
        return (proto == 3 ? 1 : 0) + (tracking ? 2 : 0);
    }

    static int protocol(int lane) {
        return (lane & 1) == 1 ? 3 : 2;
    }

    public BackendConnection shared(int lane) {
        int i = next;
        next = i + 1 == shared[0].length ? 0 : i + 1;
        return sharedAt(i, lane);
    }

    /**
     * The shared connection a client uses to this node (cluster mode, where a client talks to several nodes):
     * always the same one for the same {@code clientId}, so that a client's requests to one node keep their order.
     */
    public BackendConnection sharedFor(long clientId, int lane) {
        return sharedAt((int) (clientId % shared[0].length), lane);
    }

    /**
     * Shared connection {@code i} of {@code lane} (RESP3 clients get RESP3 connections, whose replies are Redis's own
     * RESP3), opened or re-opened as needed; null while the node's circuit is open.
     */
    private BackendConnection sharedAt(int i, int lane) {
        BackendConnection[] conns = shared[lane];
        BackendConnection c = conns[i];
        if (c == null || !c.isUsable()) {
            if (!loop.settings().breakers().allowConnect(node)) {
                return null; // circuit open: the caller holds the request and retries later
            }
            c = new BackendConnection(node, loop, null, lane);
            conns[i] = c;
            start(c);
        }
        return c;
    }

    /** A new connection for one client alone (null while the node's circuit is open); it reports its loss. */
    public BackendConnection openPrivate(ReplyOwner owner, int lane) {
        if (!loop.settings().breakers().allowConnect(node)) {
            return null;
        }
        BackendConnection c = new BackendConnection(node, loop, owner, lane);
        if (lane >= 2) {
            privateTracking.add(c);
        }
        start(c);
        return c;
    }

    /**
     * The node's invalidation link (RESP3, pass-through). It does not ask the breaker: the tracking connection that
     * needs it already had the breaker's permit, and a half-open breaker gives one.
     */
    BackendConnection openLink(ReplyOwner link) {
        BackendConnection c = new BackendConnection(node, loop, link, lane(3, false));
        c.connect();
        return c;
    }

    void forgetPrivateTracking(BackendConnection c) {
        privateTracking.remove(c);
    }

    /**
     * Connects {@code c}; a tracking lane's connection first waits for the node's invalidation link, whose Redis client
     * id its {@code CLIENT TRACKING ... REDIRECT} names (requests sent meanwhile wait in it, as while it connects).
     */
    private void start(BackendConnection c) {
        if (c.lane() < 2) {
            c.connect();
            return;
        }
        loop.invalidationLinks().whenReady(node, id -> {
            if (!c.isUsable()) {
                return; // closed meanwhile
            }
            if (id < 0) {
                c.failBeforeConnect("the invalidation connection to " + node + " could not be opened");
            } else {
                c.trackingRedirect = id;
                c.connect();
            }
        });
    }

    /** The node's invalidation link is gone: its tracking connections close, as their invalidations would be lost. */
    void closeTracking(String reason) {
        for (BackendConnection c : new ArrayList<>(privateTracking)) {
            c.failBeforeConnect(reason); // subscribers subscribe again, clients in a transaction are closed
        }
        for (int lane = 2; lane < shared.length; lane++) {
            for (BackendConnection c : shared[lane]) {
                if (c != null) {
                    c.failBeforeConnect(reason);
                }
            }
        }
    }

    void checkStalled(long now, long timeoutNanos) {
        for (BackendConnection[] lane : shared) {
            for (BackendConnection c : lane) {
                if (c != null) {
                    c.checkStalled(now, timeoutNanos, this);
                }
            }
        }
    }

    /** Redis's {@code -BUSY} text (without the {@code -}) while the node runs a long script; null otherwise. */
    private String busy;
    private BusyProbe probe;
    private long probeStartedNanos;
    /** A probe without an answer for this long is given up (a frozen node answers nothing: the watchdog decides). */
    private static final long PROBE_TIMEOUT_NANOS = 2_000_000_000L;

    public String busy() {
        return busy;
    }

    /** A shared connection has had no byte for a while: ask the node whether it is busy (one probe at a time). */
    void probeBusy(long now) {
        if (probe != null && now - probeStartedNanos > PROBE_TIMEOUT_NANOS) {
            probe.abandon(); // its connection closes; probed(null) follows
        }
        if (probe == null) {
            probe = BusyProbe.start(this);
            probeStartedNanos = now;
        }
    }

    /** The probe's answer: the node's {@code -BUSY} text, or null when it is not busy (or did not say). */
    void probed(String busyText) {
        probe = null;
        boolean was = busy != null;
        busy = busyText;
        if (was != (busyText != null)) {
            loop.busyChanged(busyText != null);
        }
    }

    /** Bytes came from the node: whatever kept it busy is over. */
    void progress() {
        if (busy != null) {
            busy = null;
            loop.busyChanged(false);
        }
    }

    void closeAll() {
        for (BackendConnection[] lane : shared) {
            for (BackendConnection c : lane) {
                if (c != null) {
                    c.close();
                }
            }
        }
    }
}
