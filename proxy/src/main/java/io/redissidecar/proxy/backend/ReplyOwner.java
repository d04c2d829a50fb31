package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.redissidecar.config.HostPort;

/**
 * The client side of a backend connection: where replies go. Implemented by the client session, and by what acts for
 * it on a request: a merged request's parts, a request on a connection of its own. Only a session has a private
 * connection, pass-through frames and writers to wake: the defaults are for the others.
 */
public interface ReplyOwner {

    /** {@code e} is done: its reply can be written once everything before it in the client's order has been. */
    void replyReady(InFlight e);

    /**
     * {@code e} did not get its reply on {@code from} but may be sent again: it was never written, or its reply
     * proves it did not run ({@code mayHaveRun} false), or it is idempotent. Its frame is released.
     */
    void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun);

    /**
     * Cluster mode: the node answered {@code MOVED} or {@code ASK} (the command did not run there): send {@code e}
     * to {@code target} (after {@code ASKING} when {@code ask}). Its frame is released.
     */
    void redirect(InFlight e, HostPort target, boolean ask);

    /**
     * The first part of {@code e}'s reply, before the rest has come (a large reply): true when the owner wrote it to
     * its client, which it may do only if {@code e}'s reply is the next one that client is due; then it owns
     * {@code piece}, and {@code e}'s completion is the rest of the reply. False: the reply is kept until complete.
     */
    default boolean replyPiece(InFlight e, ByteBuf piece) {
        return false;
    }

    /** A frame from a private connection in pub/sub pass-through mode (messages, (un)subscribe replies). */
    default void passthrough(ByteBuf frame) {
        frame.release();
    }

    /** The client's private tracking connection closed: what it read through it is no longer tracked. */
    default void trackingLost() {
    }

    /** The private connection {@code c} learnt its Redis {@code CLIENT ID}. */
    default void connectionId(BackendConnection c, long id) {
    }

    /** The client's private connection closed: whatever per-connection state it held in Redis is gone. */
    default void privateConnectionLost(BackendConnection c) {
    }

    /** A backend connection the client waits on became writable again. */
    default void backendWritable() {
    }

    /** Whether the client still wants replies (a closed client's entries are dropped as they come). */
    boolean isActive();
}
