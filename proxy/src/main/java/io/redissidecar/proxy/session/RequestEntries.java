package io.redissidecar.proxy.session;

import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.Handling;
import io.redissidecar.proxy.commands.ReplaySafety;
import io.redissidecar.proxy.metrics.ProxyMetrics;

/**
 * Makes the entries ({@link InFlight}) of a client's requests: what a request is (a write, a read under
 * {@code --read-from}, safe to send twice), its bytes kept for a retry, and its tags for the request metrics.
 */
final class RequestEntries {

    private final ReplyOwner owner;
    private final ProxyContext px;
    private final RequestFramer framer;
    private final ConnectionState state;
    private final ClientTracking tracking;
    private final boolean clusterMode;
    // metrics: the command being dispatched and when its read arrived (0 with metrics off)
    private CommandInfo cmd;
    private long dispatchNanos;

    RequestEntries(ReplyOwner owner, ProxyContext px, RequestFramer framer, ConnectionState state,
                   boolean clusterMode, ClientTracking tracking) {
        this.tracking = tracking;
        this.owner = owner;
        this.px = px;
        this.framer = framer;
        this.state = state;
        this.clusterMode = clusterMode;
    }

    /** The requests of one read arrived together: one clock reading serves them all (0 with metrics off). */
    void readArrived(long nanos) {
        dispatchNanos = nanos;
    }

    private boolean dispatching;

    /** The command of the request being dispatched (null: unknown to the proxy). */
    void dispatching(CommandInfo c) {
        cmd = c;
        dispatching = true;
        tracking.dispatching(c, framer);
    }

    /** The request is handled: replies made from now on are not its (re-subscriptions, held requests). */
    void dispatched() {
        dispatching = false;
    }

    /** Tags {@code e} for the request metrics when it answers the request being dispatched. */
    void tagIfDispatching(InFlight e) {
        if (dispatching) {
            tag(e);
        }
    }

    CommandInfo command() {
        return cmd;
    }

    /**
     * A new entry for the framed request, to {@code slot} (cluster mode). Its bytes are kept for a retry when failover
     * holding is on and the request is not part of a transaction (whose state dies with its connection): see the
     * README's retry table.
     */
    InFlight request(int consumed, CommandInfo c, boolean privateRoute, int slot) {
        InFlight e = client();
        e.slot = clusterMode ? slot : -1;
        e.privateRoute = privateRoute;
        e.write = c != null && c.has(CommandInfo.MAY_WRITE);
        e.script = c != null && c.has(CommandInfo.SCRIPT);
        e.readRoute = px.readFromReplicas() && !privateRoute && c != null && c.has(CommandInfo.READONLY)
                && !state.pinned();
        boolean transactional = state.pinned() || (c != null && c.handling() == Handling.TRANSACTION);
        if (px.holdNanos() > 0 && c != null && !transactional) {
            e.idempotent = ReplaySafety.idempotent(c, framer) && (!e.write || px.replayAmbiguousWrites());
            e.keepRequest(framer.frameBuffer(), framer.frameStart(), framer.frameLength(consumed));
        }
        return e;
    }

    /** The client's entry for the request being dispatched (a merged request's, or a plain one's), tagged. */
    InFlight client() {
        InFlight e = new InFlight(owner, null, state.db);
        tag(e);
        return e;
    }

    /** Marks an entry of the request being dispatched for the request metrics (counted when its reply is written). */
    void tag(InFlight e) {
        if (dispatchNanos != 0) {
            e.cmd = cmd;
            e.cmdClass = ProxyMetrics.classOf(cmd);
            e.startNanos = dispatchNanos;
            e.metered = true;
        }
    }
}
