package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;

/**
 * Asks a node that has stopped answering a shared connection whether it is busy running a script: a {@code PING} on a
 * connection of its own. {@code -BUSY ...} means the node is alive and its pool is marked busy (new requests get that
 * error at once, as Redis answers other connections, and the watchdog spares the stalled connection); any other
 * answer clears the mark.
 */
final class BusyProbe implements ReplyOwner {
    private static final byte[] BUSY = "-BUSY ".getBytes(StandardCharsets.US_ASCII);
    private final BackendPool pool;
    private BackendConnection conn;

    private BusyProbe(BackendPool pool) {
        this.pool = pool;
    }

    /** Starts a probe of {@code pool}'s node; null when no connection can be opened (its circuit is open). */
    static BusyProbe start(BackendPool pool) {
        BusyProbe probe = new BusyProbe(pool);
        BackendConnection c = pool.openPrivate(probe, 0);
        if (c == null) {
            return null;
        }
        probe.conn = c;
        c.send(new InFlight(probe, Replies.command(ByteBufAllocator.DEFAULT, "PING"), -1));
        return probe;
    }

    /** Gives the probe up: its connection closes, and its request fails (not busy, as far as is known). */
    void abandon() {
        conn.close();
    }

    @Override
    public void replyReady(InFlight e) {
        ByteBuf b = e.takeReply();
        int off = e.isRange() ? e.replyOffset() : b == null ? 0 : b.readerIndex();
        int len = e.isRange() ? e.replyLength() : b == null ? 0 : b.readableBytes();
        boolean busy = len > BUSY.length && b.getByte(off) == '-' && ReplyVerdict.startsWith(b, off, len, BUSY);
        pool.probed(busy ? b.toString(off + 1, len - 3, StandardCharsets.UTF_8) : null);
        if (b != null) {
            b.release();
        }
        conn.close();
    }


    @Override
    public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        e.discard();
        pool.probed(null);
    }

    @Override
    public void redirect(InFlight e, HostPort target, boolean ask) {
        e.discard();
        pool.probed(null);
    }

    @Override
    public boolean isActive() {
        return true;
    }
}
