package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.resp.Replies;

/**
 * A client's private backend connection, opened on demand (transactions, WATCH, blocking commands, pub/sub), at most
 * one at a time. While the client has one, {@code masterMoved} runs at every master change of its event loop.
 */
public final class PrivateLink {
    private final LoopBackends backends;
    private final ReplyOwner owner;
    private final Runnable masterMoved;
    private BackendConnection conn;
    /** The client's lane (RESP version, tracking): its private connections are in it. */
    private int lane;
    /** The client did not keep up when last told (see {@link #readWhile}). */
    private boolean heldBack;

    public PrivateLink(LoopBackends backends, ReplyOwner owner, Runnable masterMoved) {
        this.backends = backends;
        this.owner = owner;
        this.masterMoved = masterMoved;
    }

    /** The current private connection, usable or not; null when there is none. */
    public BackendConnection current() {
        return conn;
    }

    /** Whether {@code c} is the client's private connection. */
    public boolean is(BackendConnection c) {
        return c == conn;
    }

    /** The current connection when usable, else a new one to {@code node} (null: no node, or its circuit is open). */
    public BackendConnection get(HostPort node) {
        BackendConnection p = conn;
        return p != null && p.isUsable() ? p : open(node);
    }

    /** A new private connection to {@code node} (null: no node, or its circuit is open), kept as the client's. */
    public BackendConnection open(HostPort node) {
        if (node == null) {
            return null;
        }
        BackendConnection p = backends.pool(node).openPrivate(owner, lane);
        if (p != null && heldBack) {
            p.reading().set(false); // its client already does not keep up: it starts held back
        }
        if (p != null) {
            conn = p;
            backends.addMasterListener(masterMoved);
        }
        return p;
    }

    /**
     * A failover has begun while a blocking command waits on the private connection: release it with
     * {@code CLIENT UNBLOCK id ERROR}, sent on a shared connection to the same node. The command then ends with
     * {@code -UNBLOCKED}, which proves it did not run, and its client sends it again on the master that takes over.
     * Left alone, it could be cut off without a reply (Sentinel kills the old master's clients) and its fate would be
     * unknown. If it was served just before, CLIENT UNBLOCK does nothing and the reply arrives as usual.
     */
    public void unblockForFailover() {
        BackendConnection p = conn;
        long id = p == null ? -1 : p.blockedClientId();
        BackendConnection via = id < 0 ? null : backends.pool(p.node()).shared(0);
        if (via != null) {
            p.unblockSent = true;
            via.sendInternal(Replies.command(ByteBufAllocator.DEFAULT, "CLIENT", "UNBLOCK", Long.toString(id),
                    "ERROR"));
        }
    }

    /** Redis's client id of the private connection while a blocking command waits on it; -1 otherwise. */
    public long blockedRedisClientId() {
        BackendConnection p = conn;
        return p == null ? -1 : p.blockedClientId();
    }

    /** Closes the private connection (Redis drops its MULTI, WATCH and subscriptions with it). */
    public void close() {
        BackendConnection p = conn;
        if (p != null) {
            conn = null;
            p.close();
        }
    }

    /** {@code c} closed: forgets it when it was the client's; returns whether it was. */
    public boolean lost(BackendConnection c) {
        if (c != conn) {
            return false;
        }
        conn = null;
        return true;
    }

    /** The client moved to {@code newLane} (HELLO, CLIENT TRACKING): a private connection in another is closed. */
    public void lane(int newLane) {
        lane = newLane;
        if (conn != null && conn.lane() != newLane) {
            close();
        }
    }

    /** The client can take more ({@code true}) or not: reading from the private connection follows. */
    public void readWhile(boolean clientWritable) {
        heldBack = !clientWritable;
        if (conn != null) {
            conn.reading().set(clientWritable);
        }
    }

    /** The client is gone: no more master changes, and the private connection closes. */
    public void release() {
        backends.removeMasterListener(masterMoved);
        close();
    }
}
