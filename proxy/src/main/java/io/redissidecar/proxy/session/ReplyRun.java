package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;

/**
 * Joins a client's consecutive replies that lie next to each other in one backend read buffer into one slice, so that
 * the replies one backend read completes for a client (16 of them at pipeline 16) leave as one buffer and one write.
 * Each reply added holds one reference to its buffer; a run keeps one and releases the others.
 */
public final class ReplyRun {
    private ByteBuf buf;
    private int offset;
    private int length;

    /**
     * Adds the reply at {@code offset}/{@code length} of {@code b} (the caller's reference passes to the run).
     * Returns the run it ends, as a slice that owns one reference, or null when the reply extends the current run.
     */
    public ByteBuf add(ByteBuf b, int offset, int length) {
        if (b == buf && this.offset + this.length == offset) {
            this.length += length;
            b.release(); // the run holds one reference already
            return null;
        }
        ByteBuf ended = take();
        buf = b;
        this.offset = offset;
        this.length = length;
        return ended;
    }

    /** Ends the current run: a slice that owns one reference, or null when there is none. */
    public ByteBuf take() {
        if (buf == null) {
            return null;
        }
        ByteBuf s = buf.slice(offset, length);
        buf = null;
        return s;
    }
}
