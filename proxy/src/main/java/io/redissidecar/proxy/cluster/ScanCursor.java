package io.redissidecar.proxy.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;

/**
 * Cluster mode SCAN: the cursor the client sees names the master (its index among the masters ordered by first
 * slot, in the low 8 bits) and that master's own cursor (the bits above). A scan visits the masters one after the
 * other, each from cursor 0 until it answers 0, so a full scan visits every master once.
 */
final class ScanCursor {
    static final int MASTER_BITS = 8;

    private ScanCursor() {
    }

    /** The master index of a client cursor. */
    static int master(long cursor) {
        return (int) (cursor & ((1 << MASTER_BITS) - 1));
    }

    /** The master's own cursor inside a client cursor. */
    static long backend(long cursor) {
        return cursor >>> MASTER_BITS;
    }

    /** The master's reply {@code [cursor, keys]} with the cursor made a client cursor. */
    static ByteBuf rewriteReply(ByteBufAllocator alloc, ByteBuf r, int master, int masters) {
        int start = r.readerIndex();
        int headerEnd = MergedRequest.lineEnd(r, start) + 2;       // *2\r\n
        int lenEnd = MergedRequest.lineEnd(r, headerEnd) + 2;      // $n\r\n
        int valueEnd = MergedRequest.lineEnd(r, lenEnd);           // cursor\r\n
        long backendNext = Long.parseUnsignedLong(r.toString(lenEnd, valueEnd - lenEnd, StandardCharsets.US_ASCII));
        long next;
        if (backendNext != 0) {
            next = (backendNext << MASTER_BITS) | master;
        } else if (master + 1 < masters) {
            next = master + 1; // the next master, from its cursor 0
        } else {
            next = 0; // the scan is complete
        }
        byte[] cursor = Long.toUnsignedString(next).getBytes(StandardCharsets.US_ASCII);
        ByteBuf out = alloc.buffer();
        Replies.writeArrayHeader(out, 2);
        Replies.writeBulk(out, cursor);
        out.writeBytes(r, valueEnd + 2, r.writerIndex() - valueEnd - 2);
        return out;
    }
}
