package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;

/**
 * One request on its way: queued on a backend connection until its reply comes, and in its client's reply queue
 * until the reply can be written in the client's order. Local replies (emulated commands, errors) are InFlights
 * that are done at birth.
 */
public final class InFlight {
    /** Who gets the reply; null for the proxy's own requests (SELECT before a request, AUTH on connect). */
    final ReplyOwner owner;
    /** The request bytes until written (a retained slice of the client's input). */
    ByteBuf frame;
    /** The database the request must run in; -1 for "whatever the connection has". */
    final int db;
    /** Replaces the backend's reply (which is then dropped): EXEC of a transaction refused by the proxy. */
    ByteBuf replyOverride;
    private ByteBuf reply;
    private boolean done;
    /** Close the client after writing this reply (QUIT, protocol error). */
    public boolean closeAfter;
    /** Whether the request reached the backend's socket buffer (its fate is unknown if the connection drops). */
    boolean written;
    /** The proxy's own request whose error reply closes the connection (AUTH, SELECT). */
    boolean checkError;
    /** Pub/sub pass-through request: no FIFO entry, its replies flow to the owner as they come. */
    boolean noReply;

    public InFlight(ReplyOwner owner, ByteBuf frame, int db) {
        this.owner = owner;
        this.frame = frame;
        this.db = db;
    }

    /** A finished entry holding a reply the proxy made itself. */
    public static InFlight local(ByteBuf reply) {
        InFlight e = new InFlight(null, null, -1);
        e.reply = reply;
        e.done = true;
        return e;
    }

    public boolean isDone() {
        return done;
    }

    /** Takes the reply (the caller owns it then). */
    public ByteBuf takeReply() {
        ByteBuf r = reply;
        reply = null;
        return r;
    }

    /** Sends {@code newFrame} instead of the client's request and answers the client {@code override}. */
    public void substitute(ByteBuf newFrame, ByteBuf override) {
        if (frame != null) {
            frame.release();
        }
        frame = newFrame;
        replyOverride = override;
    }

    void complete(ByteBuf r) {
        if (replyOverride != null) {
            r.release();
            r = replyOverride;
            replyOverride = null;
        }
        reply = r;
        done = true;
        if (owner != null) {
            owner.replyReady(this);
        } else {
            r.release();
        }
    }

    /** Releases whatever buffers the entry still holds (client gone). */
    public void discard() {
        if (frame != null) {
            frame.release();
            frame = null;
        }
        if (reply != null) {
            reply.release();
            reply = null;
        }
        if (replyOverride != null) {
            replyOverride.release();
            replyOverride = null;
        }
    }
}
