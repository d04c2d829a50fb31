package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.redissidecar.proxy.resp.Replies;
import java.util.ArrayDeque;

/**
 * How requests leave one connected backend connection: in order, each entered in the reply FIFO; a {@code SELECT}
 * slipped in when a request's database differs from the connection's; flushed once per event-loop iteration (or
 * early, see {@link #queued}); and with replicated durability a {@code WAIT} after each iteration's writes.
 */
final class RequestWriter {
    /** Redis reads requests 16 KB at a time (PROTO_IOBUF_LEN). */
    private static final int EARLY_FLUSH_BYTES = 16 * 1024;

    private final Channel channel;
    private final ArrayDeque<InFlight> awaiting;
    private final WaitBatcher waits;
    private final FlushBatch flushBatch;
    private final FlushBatch.Flushable owner;
    private final StallWatch stall;
    private int currentDb;
    /** Bytes written since the last flush. */
    private int unflushed;
    private boolean flushQueued;

    RequestWriter(Channel channel, ArrayDeque<InFlight> awaiting, WaitBatcher waits, FlushBatch flushBatch,
                  FlushBatch.Flushable owner, StallWatch stall) {
        this.stall = stall;
        this.channel = channel;
        this.awaiting = awaiting;
        this.waits = waits;
        this.flushBatch = flushBatch;
        this.owner = owner;
    }

    /**
     * The connection's own commands, before any client's: {@code AUTH} (with the backend credentials), {@code READONLY}
     * (cluster replicas under --read-from) and, on a private connection, {@code CLIENT ID} (to unblock it later).
     */
    void writeHandshake(BackendSettings settings, boolean isPrivate, int protocol, long trackingRedirect) {
        String user = settings.access().username();
        String password = settings.access().password();
        if (password != null) {
            writeOne(InFlight.internal(InFlight.Kind.CHECKED, user == null
                    ? Replies.command(channel.alloc(), "AUTH", password)
                    : Replies.command(channel.alloc(), "AUTH", user, password)));
        }
        if (protocol == 3) {
            writeOne(InFlight.internal(InFlight.Kind.CHECKED, Replies.command(channel.alloc(), "HELLO", "3")));
        }
        if (trackingRedirect >= 0) {
            // client-side caching: this connection's reads are tracked, invalidations go to the node's link
            writeOne(InFlight.internal(InFlight.Kind.CHECKED, Replies.command(channel.alloc(), "CLIENT", "TRACKING",
                    "ON", "REDIRECT", Long.toString(trackingRedirect))));
        }
        if (settings.readonlyOnConnect()) {
            writeOne(InFlight.internal(InFlight.Kind.CHECKED, Replies.command(channel.alloc(), "READONLY")));
        }
        if (isPrivate) {
            writeOne(InFlight.internal(InFlight.Kind.CLIENT_ID, Replies.command(channel.alloc(), "CLIENT", "ID")));
        }
    }

    /** Writes a client's request, after a SELECT when its database is not the connection's. */
    void write(InFlight e) {
        if (e.db >= 0 && e.db != currentDb) {
            writeOne(InFlight.internal(InFlight.Kind.CHECKED, Replies.command(channel.alloc(), "SELECT",
                    Integer.toString(e.db))));
            currentDb = e.db;
        }
        writeOne(e);
    }

    /** Writes {@code e} as it is; its bytes may follow in {@link #writeBytes} when it has no frame (a run). */
    void writeOne(InFlight e) {
        if (e.kind != InFlight.Kind.PASSTHROUGH) {
            if (awaiting.isEmpty()) {
                stall.waitingFrom(System.nanoTime());
            }
            awaiting.add(e);
        }
        waits.add(e);
        ByteBuf f = e.frame;
        if (f != null) {
            e.frame = null;
            writeBytes(f);
        }
    }

    /** Writes request bytes (a frame, or a run of one client's requests). */
    void writeBytes(ByteBuf bytes) {
        int n = bytes.readableBytes();
        channel.write(bytes, channel.voidPromise());
        queued(n);
    }

    /** The connection left pass-through mode after RESET: Redis selected database 0. */
    void databaseReset() {
        currentDb = 0;
    }

    /**
     * {@code n} more bytes of requests are written but not flushed. They are flushed at the end of the loop iteration,
     * or at once when a whole Redis read's worth (16 KB) is waiting: Redis then starts on those while this loop reads
     * the rest of the iteration's clients, instead of idling until all of them are read (perf/RESULTS.md, "GET at
     * pipeline 16, solved"). Not while a WAIT batch is open: its writes leave together, followed by their WAIT.
     */
    private void queued(int n) {
        unflushed += n;
        if (unflushed >= EARLY_FLUSH_BYTES && !waits.collecting()) {
            unflushed = 0;
            channel.flush();
        }
        if (!flushQueued) {
            flushQueued = true;
            flushBatch.add(owner);
        }
    }

    /** The iteration ends: the WAIT of its writes (group commit), then one flush. */
    void flush() {
        flushQueued = false;
        unflushed = 0;
        InFlight wait = waits.closeBatch(channel.alloc());
        if (wait != null) {
            if (awaiting.isEmpty()) {
                stall.waitingFrom(System.nanoTime());
            }
            awaiting.add(wait);
            channel.write(wait.frame, channel.voidPromise());
            wait.frame = null;
        }
        channel.flush();
    }
}
