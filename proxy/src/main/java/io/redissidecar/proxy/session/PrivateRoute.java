package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.redissidecar.proxy.backend.BackendPool;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.PrivateLink;
import io.redissidecar.proxy.cluster.ClusterSelector;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.routing.BackendSelector;

/**
 * The route of the requests that need a connection of the client's own (transactions, WATCH, blocking commands;
 * pub/sub goes through {@link Subscriptions}), and what happens to that connection when the master moves or the
 * connection is lost.
 */
final class PrivateRoute {
    private final ClientSession s;
    private final ProxyContext px;
    private final BackendSelector selector;
    private final PrivateLink link;
    /** Cluster mode: transactions pinned to a node (null in the other modes). */
    private final ClusterPinning pinning;
    /** Cluster mode: the slot whose owner the private connection serves. */
    int slot;

    PrivateRoute(ClientSession session, ProxyContext px, BackendSelector selector) {
        this.s = session;
        this.px = px;
        this.selector = selector;
        this.link = new PrivateLink(session.backends, session, this::masterMoved);
        this.pinning = selector instanceof ClusterSelector c ? new ClusterPinning(session, c) : null;
    }

    PrivateLink link() {
        return link;
    }

    /** The client speaks RESP {@code proto} from now on: so do the connections its requests go to. */
    void protocol(int proto) {
        s.state.proto = proto;
        laneChanged();
    }

    /** The client's protocol or tracking changed: its requests go to connections of the lane they make. */
    void laneChanged() {
        int lane = BackendPool.lane(s.state.proto, s.tracking.needsTrackedConnections());
        selector.lane(lane);
        link.lane(lane);
    }

    /** A harmless replicated write (PUBLISH to a channel of the proxy's own) that moves a connection's offset. */
    private static final ByteBuf WAIT_MARKER = Unpooled.unreleasableBuffer(Replies.command(
            UnpooledByteBufAllocator.DEFAULT, "PUBLISH", "__redis-sidecar__:wait", "").asReadOnly());

    /**
     * A request goes to {@code target} ({@code onPrivate}: the private connection). For a WAIT there: WAIT counts
     * replicas that have this connection's last write; the client's writes went over its shared connection (all
     * answered: the barrier), so first give this connection a replicated write of its own, after them: then WAIT
     * covers the client's writes (and possibly others', which is conservative).
     */
    void beforeSend(CommandInfo cmd, BackendConnection target, boolean onPrivate) {
        if (onPrivate && cmd != null && cmd.name().equals("wait")) {
            s.flushRun();
            target.sendInternal(Replies.of(WAIT_MARKER));
        }
    }

    /** Sends the request on the private connection; false when it must wait (barrier). */
    boolean send(int consumed, CommandInfo cmd) {
        if (pinning != null) {
            Boolean done = pinning.dispatch(consumed, cmd);
            if (done != null) {
                return done;
            }
        }
        BackendConnection c = connection();
        if (c == null) {
            return s.held.hold(consumed, cmd, true);
        }
        boolean sent = s.forward(c, consumed, cmd);
        if (pinning != null) {
            BackendConnection p = link.current();
            s.state.txNode = s.state.pinned() && p != null ? p.node() : null;
        }
        return sent;
    }

    /** Where the private connection goes: the master, or in cluster mode the owner of {@link #slot}. */
    HostPort node() {
        return selector.privateNode(slot);
    }

    /** The private connection, opened to {@link #node()} when there is none (null: no node, or its circuit is open). */
    BackendConnection connection() {
        return link.get(node());
    }

    /** {@code c}, a private connection of the client's, closed: what Redis kept for the client on it is gone. */
    void lost(BackendConnection c) {
        if (!link.lost(c) || !s.isActive()) {
            return;
        }
        ConnectionState st = s.state;
        if (st.passthrough && s.slow.lost(c)) {
            return; // dropped by Redis while the subscriber did not keep up: the client is closed
        }
        if (st.passthrough && px.holdNanos() > 0 && !st.awaitingReset && !s.closing && !st.monitoring) {
            // subscribed: subscribe again on the master (the same node back, or a new one), then carry on
            s.subs.connectionLost();
            s.pause(ClientSession.PAUSE_RETRY);
            s.held.schedule();
            return;
        }
        if (st.passthrough || st.pinned()) {
            // the state Redis kept for this client (subscriptions, transaction) is gone: so is the client's connection
            s.answers.closeAfterReplies(Unpooled.EMPTY_BUFFER);
        }
    }

    /**
     * The master changed, or a failover began (no master), while this client has a private connection: a subscriber
     * moves to the new master (the connection is retired, and its loss re-subscribes); a blocked command is released
     * with CLIENT UNBLOCK, so that it is known not to have run and is sent again on the new master.
     */
    private void masterMoved() {
        BackendConnection p = link.current();
        HostPort m = node();
        if (p == null || s.state.pinned() || (m != null && p.node().equals(m))) {
            return;
        }
        if (s.state.passthrough) {
            if (m != null) {
                p.retire();
            }
        } else if (px.holdNanos() > 0) {
            link.unblockForFailover();
        }
    }
}
