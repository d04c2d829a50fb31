package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.ReplyOwner;

/**
 * One request on a connection of its own, opened for it and closed after its reply: {@code SCRIPT KILL},
 * {@code FUNCTION KILL} and {@code SHUTDOWN} must reach the node at once, while a script keeps it busy, never queued
 * behind that script on a shared connection (Redis answers them from any other connection even then). The reply
 * takes its place in the client's order like any other.
 */
final class SideRequest implements ReplyOwner {
    private final ClientSession session;
    private BackendConnection conn;

    private SideRequest(ClientSession session) {
        this.session = session;
    }

    /** Sends {@code frame} to {@code node} on a new connection; false when none can be opened (circuit open). */
    static boolean send(ClientSession session, HostPort node, ByteBuf frame) {
        SideRequest side = new SideRequest(session);
        BackendConnection c = node == null ? null : session.backends.pool(node).openPrivate(side, 0);
        if (c == null) {
            frame.release();
            return false;
        }
        side.conn = c;
        InFlight e = new InFlight(side, frame, -1);
        session.entries.tag(e);
        session.replies.sent(e);
        c.send(e);
        return true;
    }

    @Override
    public void replyReady(InFlight e) {
        conn.close();
        session.replyReady(e);
    }

    @Override
    public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        session.retry(e, from, reason, mayHaveRun); // not resendable: it is failed with its reason
    }

    @Override
    public void redirect(InFlight e, HostPort target, boolean ask) {
        session.redirect(e, target, ask);
    }

    @Override
    public boolean isActive() {
        return session.isActive();
    }
}
