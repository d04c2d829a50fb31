package io.redissidecar.proxy.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;

/**
 * Cluster mode: one client request carried out as several backend requests (parts), whose replies are merged into
 * the one reply the client gets: a multi-key command split per key, or a command sent to every master. The parts
 * are retried and redirected like any request (through the session); the merged reply completes the client's entry.
 *
 * <p>If a part fails, the client gets that part's error for the whole command (the other parts may have run: an
 * MSET split over several masters can be partly applied; see the README).
 */
public final class MergedRequest implements ReplyOwner {

    /** How the parts' replies become one. */
    public enum Merge {
        /** MGET split per key: each part answers a one-element array; the elements in key order. */
        ELEMENTS,
        /** MSET split per key: +OK when every part says +OK. */
        ALL_OK,
        /** DEL, UNLINK, EXISTS, TOUCH (per key), DBSIZE (per master): the sum of the integers. */
        SUM,
        /** KEYS: the arrays of every master, one after the other. */
        CONCAT,
        /** RANDOMKEY: the first master's key that is not nil. */
        FIRST_NOT_NIL,
        /** SCRIPT LOAD, FLUSHDB, PING, ...: every master answers the same; that answer. */
        SAME,
        /** SCRIPT EXISTS: a script exists when every master has it. */
        AND,
        /** SCAN, one master at a time: the cursor rewritten to name the master (see {@link ScanCursor}). */
        SCAN,
        /** INFO: the proxy's own section first, then the master's reply. */
        INFO
    }

    private final ReplyOwner session;
    private final ByteBufAllocator alloc;
    private final InFlight client;
    private final Merge merge;
    private final InFlight[] parts;
    private int remaining;
    private int added;
    /** SCAN: the index of the master the part went to, and how many masters there are. */
    int scanMaster;
    int scanMasters;
    /** INFO: the proxy's section, prepended to the master's text. */
    byte[] infoPrefix;

    /**
     * @param session the client's session: parts are retried and redirected through it
     * @param client  the client's entry, completed with the merged reply
     */
    public MergedRequest(ReplyOwner session, ByteBufAllocator alloc, InFlight client, Merge merge, int partCount) {
        this.session = session;
        this.alloc = alloc;
        this.client = client;
        this.merge = merge;
        this.parts = new InFlight[partCount];
        this.remaining = partCount;
    }

    /** Registers the next part (in the order of the merged reply). */
    public InFlight part(ByteBuf frame, int slot, boolean idempotent) {
        InFlight p = new InFlight(this, frame, -1);
        p.slot = slot;
        p.idempotent = idempotent;
        p.keepRequest(frame, frame.readerIndex(), frame.readableBytes());
        parts[added++] = p;
        return p;
    }

    @Override
    public void replyReady(InFlight e) {
        if (--remaining > 0) {
            return;
        }
        if (!session.isActive()) {
            for (InFlight p : parts) {
                p.discard();
            }
            return;
        }
        ByteBuf merged;
        try {
            merged = merged(alloc);
        } finally {
            for (InFlight p : parts) {
                p.discard();
            }
        }
        client.completeLocally(merged);
    }

    /** A part dropped without a reply (its client went away while it waited to be retried). */
    public void dropped(InFlight e) {
        e.discard();
        replyReady(e);
    }

    @Override
    public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        if (!session.isActive()) {
            dropped(e);
            return;
        }
        session.retry(e, from, reason, mayHaveRun);
    }

    @Override
    public void redirect(InFlight e, HostPort target, boolean ask) {
        if (!session.isActive()) {
            dropped(e);
            return;
        }
        session.redirect(e, target, ask);
    }

    @Override
    public void backendWritable() {
        session.backendWritable();
    }

    @Override
    public boolean isActive() {
        return session.isActive();
    }

    // ---------------------------------------------------------------- merging

    private ByteBuf merged(ByteBufAllocator alloc) {
        ByteBuf[] r = new ByteBuf[parts.length];
        ByteBuf[] owned = new ByteBuf[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                InFlight p = parts[i];
                ByteBuf b = p.takeReply();
                owned[i] = b;
                r[i] = b == null ? null : p.isRange() ? b.slice(p.replyOffset(), p.replyLength()) : b;
                if (r[i] == null || !r[i].isReadable()) {
                    return Replies.error(alloc, "ERR redis-sidecar: a part of the split command got no reply");
                }
                if (r[i].getByte(r[i].readerIndex()) == '-') {
                    return r[i].retainedSlice(); // the first error stands for the whole command
                }
            }
            return switch (merge) {
                case ELEMENTS -> elements(alloc, r);
                case ALL_OK, SAME -> r[0].retainedSlice();
                case SUM -> Replies.integer(alloc, sum(r));
                case CONCAT -> concat(alloc, r);
                case FIRST_NOT_NIL -> firstNotNil(r);
                case AND -> and(alloc, r);
                case SCAN -> ScanCursor.rewriteReply(alloc, r[0], scanMaster, scanMasters);
                case INFO -> info(alloc, r[0], infoPrefix);
            };
        } finally {
            for (ByteBuf b : owned) {
                if (b != null) {
                    b.release();
                }
            }
        }
    }

    /** Each reply is {@code *1\r\n<element>}: the array of all elements. */
    private static ByteBuf elements(ByteBufAllocator alloc, ByteBuf[] r) {
        ByteBuf out = alloc.buffer();
        Replies.writeArrayHeader(out, r.length);
        for (ByteBuf b : r) {
            int body = lineEnd(b, b.readerIndex()) + 2;
            out.writeBytes(b, body, b.writerIndex() - body);
        }
        return out;
    }

    private static ByteBuf concat(ByteBufAllocator alloc, ByteBuf[] r) {
        long n = 0;
        for (ByteBuf b : r) {
            n += number(b);
        }
        ByteBuf out = alloc.buffer();
        Replies.writeArrayHeader(out, (int) n);
        for (ByteBuf b : r) {
            int body = lineEnd(b, b.readerIndex()) + 2;
            out.writeBytes(b, body, b.writerIndex() - body);
        }
        return out;
    }

    private static ByteBuf firstNotNil(ByteBuf[] r) {
        for (ByteBuf b : r) {
            byte t = b.getByte(b.readerIndex());
            if (!(t == '$' && b.getByte(b.readerIndex() + 1) == '-' || t == '_')) { // RESP2's and RESP3's null
                return b.retainedSlice();
            }
        }
        return r[0].retainedSlice();
    }

    /** SCRIPT EXISTS: arrays of :0/:1 of the same length; 1 where every master says 1. */
    private static ByteBuf and(ByteBufAllocator alloc, ByteBuf[] r) {
        int n = (int) number(r[0]);
        ByteBuf out = alloc.buffer();
        Replies.writeArrayHeader(out, n);
        int[] pos = new int[r.length];
        for (int j = 0; j < r.length; j++) {
            pos[j] = lineEnd(r[j], r[j].readerIndex()) + 2;
        }
        for (int i = 0; i < n; i++) {
            boolean all = true;
            for (int j = 0; j < r.length; j++) {
                ByteBuf b = r[j];
                if (pos[j] >= b.writerIndex() || b.getByte(pos[j] + 1) != '1') {
                    all = false;
                }
                pos[j] = pos[j] < b.writerIndex() ? lineEnd(b, pos[j]) + 2 : pos[j];
            }
            Replies.writeInteger(out, all ? 1 : 0);
        }
        return out;
    }

    /**
     * The bulk string {@code $n\r\n<text>\r\n} with {@code prefix} before the text; in RESP3 the verbatim string
     * {@code =n\r\ntxt:<text>\r\n} likewise.
     */
    private static ByteBuf info(ByteBufAllocator alloc, ByteBuf r, byte[] prefix) {
        boolean verbatim = r.getByte(r.readerIndex()) == '=';
        int body = lineEnd(r, r.readerIndex()) + 2 + (verbatim ? 4 : 0);
        int textLen = r.writerIndex() - body - 2;
        ByteBuf out = alloc.buffer(prefix.length + textLen + 32);
        out.writeByte(verbatim ? '=' : '$').writeBytes(Integer.toString(prefix.length + textLen + (verbatim ? 4 : 0))
                .getBytes(StandardCharsets.US_ASCII)).writeByte('\r').writeByte('\n');
        if (verbatim) {
            out.writeBytes(r, body - 4, 4); // txt:
        }
        out.writeBytes(prefix).writeBytes(r, body, textLen).writeByte('\r').writeByte('\n');
        return out;
    }

    private static long sum(ByteBuf[] r) {
        long n = 0;
        for (ByteBuf b : r) {
            n += number(b);
        }
        return n;
    }

    /** The number after the type byte of the reply's first line ({@code :5}, {@code *3}). */
    static long number(ByteBuf b) {
        int end = lineEnd(b, b.readerIndex());
        return Long.parseLong(b.toString(b.readerIndex() + 1, end - b.readerIndex() - 1, StandardCharsets.US_ASCII));
    }

    /** The index of the {@code \r} ending the line that starts at {@code from}. */
    static int lineEnd(ByteBuf b, int from) {
        int i = b.indexOf(from, b.writerIndex(), (byte) '\r');
        if (i < 0) {
            throw new IllegalStateException("reply line without CRLF");
        }
        return i;
    }
}
