package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.commands.CommandInfo;

/**
 * One request on its way: queued on a backend connection until its reply comes, and in its client's reply queue
 * until the reply can be written in the client's order. Local replies (emulated commands, errors) are InFlights
 * that are done at birth.
 *
 * <p>A reply is either a buffer of its own, or a range of the backend connection's input buffer (no slice object:
 * the entry holds one reference on that buffer), so that the client session can write consecutive replies that lie
 * next to each other in that buffer as one slice.
 */
public final class InFlight {

    /** What an entry is, and so what its reply is for. */
    public enum Kind {
        /** A client's request (or a part of one): the reply goes to {@link #owner}. */
        CLIENT,
        /** A reply the proxy made itself: done at birth, never sent. */
        LOCAL,
        /** The proxy's own request whose reply is dropped (ASKING, MULTI, CLIENT UNBLOCK, a WAIT marker). */
        INTERNAL,
        /** The proxy's own request whose error reply closes the connection (AUTH, SELECT, READONLY). */
        CHECKED,
        /** {@code CLIENT ID} on a private connection: the reply is the connection's id. */
        CLIENT_ID,
        /** The {@code WAIT} after a batch of writes (replicated durability): its reply releases {@link #gate}. */
        WAIT,
        /** A request of a client in pub/sub pass-through mode: no FIFO entry; replies go to the owner as they come. */
        PASSTHROUGH
    }

    public final Kind kind;
    /** Who gets the reply; null for every kind but {@link Kind#CLIENT}. */
    public final ReplyOwner owner;
    /**
     * The request bytes until written (a retained slice of the client's input); null for a request whose bytes are
     * written together with its neighbours' (see {@link BackendConnection#sendRun}).
     */
    ByteBuf frame;
    /** The database the request must run in; -1 for "whatever the connection has". */
    final int db;
    /** Replaces the backend's reply (which is then dropped): EXEC of a transaction refused by the proxy. */
    private ByteBuf replyOverride;
    private ByteBuf reply;
    private int replyOffset = -1;
    private int replyLength;
    private boolean done;
    /** Close the client after writing this reply (QUIT, protocol error). */
    public boolean closeAfter;
    /** Sending it twice leaves the same data (see CommandInfo#idempotent): it may be replayed after a lost reply. */
    public boolean idempotent;
    /** Changes data: with replicated durability its reply waits for the WAIT of its batch. */
    public boolean write;
    /**
     * A script (EVAL, EVALSHA, FCALL and their read-only forms): an error it returns is its own result, which it may
     * have made up after writing ({@code return {err='MOVED ...'}}), never a signal that it did not run.
     */
    public boolean script;
    /** A write: the WAIT that must confirm it before its reply may go out; a WAIT: the batch it confirms. */
    WaitGate gate;
    /** A read-only command sent under --read-from (retried on a read connection). */
    public boolean readRoute;
    /** Sent on the client's private connection (blocking commands, transactions), not its shared one. */
    public boolean privateRoute;
    /** CLIENT REPLY OFF or SKIP: the reply is dropped, not written (the request runs as usual). */
    public boolean silent;
    /** The first part of the reply went to the client before the rest had come (see {@link ReplyStream}). */
    public boolean streamed;
    /** Metrics: the request's command (null: unknown), its latency class and arrival time; metered when counted. */
    public CommandInfo cmd;
    public int cmdClass;
    public long startNanos;
    public boolean metered;
    /** Cluster mode: the hash slot the request goes to (0 for keyless requests); -1 in the other modes. */
    public int slot = -1;
    /** Cluster mode: where a MOVED or ASK reply sent the request (used once, by the next sending). */
    public HostPort redirectTo;
    /** The redirection was an ASK: the next sending is preceded by ASKING. */
    public boolean asking;
    /** The backend requests this client request became (split or fanned out; 1 for any other). */
    public int parts = 1;
    /** Redirections followed so far (a loop is cut off with an error). */
    public int redirects;
    /** When the entry must have been answered by, while it waits for a master to retry on; 0 = not waiting. */
    public long holdDeadlineNanos;
    /** Why the entry waits to be retried, and whether an earlier sending may have run (for the final error). */
    public String retryReason;
    public boolean mayHaveRun;
    // the request's bytes, kept (one reference on the client's input buffer) until the reply, for a retry
    private ByteBuf request;
    private int requestOffset;
    private int requestLength;

    /** A client's request to run in database {@code db} ({@code frame} null: its bytes follow in a run). */
    public InFlight(ReplyOwner owner, ByteBuf frame, int db) {
        this(Kind.CLIENT, owner, frame, db);
    }

    private InFlight(Kind kind, ReplyOwner owner, ByteBuf frame, int db) {
        this.kind = kind;
        this.owner = owner;
        this.frame = frame;
        this.db = db;
    }

    /** A request of the proxy's own ({@code kind} is neither CLIENT nor LOCAL), in whatever database is selected. */
    public static InFlight internal(Kind kind, ByteBuf frame) {
        return new InFlight(kind, null, frame, -1);
    }

    /** A pass-through request of a client whose database is {@code db} (a SELECT is slipped in if needed). */
    public static InFlight passthrough(ByteBuf frame, int db) {
        return new InFlight(Kind.PASSTHROUGH, null, frame, db);
    }

    /** A finished entry holding a reply the proxy made itself. */
    public static InFlight local(ByteBuf reply) {
        InFlight e = new InFlight(Kind.LOCAL, null, null, -1);
        e.reply = reply;
        e.done = true;
        return e;
    }

    public boolean isDone() {
        return done;
    }

    /** True when the reply is a range of a shared buffer: {@link #replyBuffer()} at offset/length below. */
    public boolean isRange() {
        return replyOffset >= 0;
    }

    /** The reply buffer: the whole reply, or (see {@link #isRange()}) the buffer holding it. Ownership passes. */
    public ByteBuf takeReply() {
        ByteBuf r = reply;
        reply = null;
        return r;
    }

    public int replyOffset() {
        return replyOffset;
    }

    public int replyLength() {
        return replyLength;
    }

    /**
     * Whether the reply may go to the client in pieces: a client's request whose reply goes out as Redis sends it (not
     * held for a WAIT, not replaced by the proxy).
     */
    boolean canStream() {
        return kind == Kind.CLIENT && gate == null && replyOverride == null && !silent;
    }

    /** Keeps the request's bytes ({@code length} bytes of {@code buf} at {@code offset}) for a retry. */
    public void keepRequest(ByteBuf buf, int offset, int length) {
        buf.retain();
        request = buf;
        requestOffset = offset;
        requestLength = length;
    }

    /** Whether the request's bytes were kept, so that it can be sent again. */
    public boolean canResend() {
        return request != null;
    }

    /** A new reference to the request's bytes, to send them again. */
    public ByteBuf requestForResend() {
        return request.retainedSlice(requestOffset, requestLength);
    }

    private void releaseRequest() {
        if (request != null) {
            request.release();
            request = null;
        }
    }

    /** Drops the bytes of a send that failed (the entry is about to be retried or failed). */
    public void dropFrame() {
        if (frame != null) {
            frame.release();
            frame = null;
        }
    }

    /** Whether the entry carries its own request bytes (not part of a run). */
    public boolean hasFrame() {
        return frame != null;
    }

    /** Gives the entry its own request bytes (ownership passes). */
    public void setFrame(ByteBuf f) {
        frame = f;
    }

    /** Sends {@code newFrame} instead of the client's request and answers the client {@code override}. */
    public void substitute(ByteBuf newFrame, ByteBuf override) {
        if (frame != null) {
            frame.release();
        }
        frame = newFrame;
        replyOverride = override;
    }

    /** The reply is {@code length} bytes of {@code buf} at {@code offset}; takes its own reference on it. */
    public void completeRange(ByteBuf buf, int offset, int length) {
        if (replyOverride != null) {
            complete(null);
            return;
        }
        buf.retain();
        reply = buf;
        replyOffset = offset;
        replyLength = length;
        finish();
    }

    /** Answers the entry with a reply the proxy made (an error after a hold that ran out). */
    public void completeLocally(ByteBuf r) {
        complete(r);
    }

    /** Keeps the reply without telling the owner: it waits for its batch's WAIT. */
    void storeRange(ByteBuf buf, int offset, int length) {
        buf.retain();
        reply = buf;
        replyOffset = offset;
        replyLength = length;
    }

    /** The WAIT confirmed the write: the stored reply may go out. */
    void releaseStored() {
        finish();
    }

    /** Forgets a stored reply (the write will be sent again elsewhere and confirmed there). */
    void dropStored() {
        if (reply != null) {
            reply.release();
            reply = null;
        }
        replyOffset = -1;
    }

    /** The WAIT did not confirm the write: the client gets {@code error} instead of the stored reply. */
    void failStored(ByteBuf error) {
        if (reply != null) {
            reply.release();
        }
        reply = error;
        replyOffset = -1;
        finish();
    }

    /** The reply is {@code r} (owned by this entry from now on); null stands for the override. */
    void complete(ByteBuf r) {
        if (replyOverride != null) {
            if (r != null) {
                r.release();
            }
            r = replyOverride;
            replyOverride = null;
        }
        reply = r;
        finish();
    }

    private void finish() {
        releaseRequest();
        done = true;
        if (owner != null) {
            owner.replyReady(this);
        } else {
            discard();
        }
    }

    /** Releases whatever buffers the entry still holds (client gone). */
    public void discard() {
        releaseRequest();
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
