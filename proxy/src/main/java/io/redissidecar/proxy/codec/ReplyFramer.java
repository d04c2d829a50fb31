package io.redissidecar.proxy.codec;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/**
 * Finds where each RESP2 or RESP3 reply from a backend ends, nested aggregates included, without copying or decoding
 * it. Every RESP3 type is known (maps, sets, pushes, attributes, doubles, big numbers, booleans, verbatim strings,
 * bulk errors, {@code _} nulls) except streamed strings and aggregates, which Redis does not send: those are refused.
 * Resumable: a large reply arriving in many reads is scanned once. Not thread-safe: one per backend connection.
 */
public final class ReplyFramer {
    /** The largest reply the proxy forwards (its bytes must fit one buffer); Redis's own default limit is 512 MB. */
    static final int MAX_REPLY = Integer.MAX_VALUE - 64;
    private int pos;
    /** Bytes of the bulk string being read that are still to come, its CRLF included; -1 outside a bulk. */
    private long pendingBulk = -1;
    private int depth;
    private long[] remaining = new long[8];
    /** Whether the aggregate at each depth is a RESP3 attribute. */
    private boolean[] attributes = new boolean[8];

    /**
     * @return 0 when the reply at {@code in.readerIndex()} is not complete yet; otherwise its length in bytes
     * @throws RespProtocolException when the backend sends something that is not RESP
     */
    public int frame(ByteBuf in) throws RespProtocolException {
        final int start = in.readerIndex();
        final int end = in.writerIndex();
        while (true) {
            int p = start + pos;
            if (pendingBulk >= 0) {
                if ((long) end - p < pendingBulk) {
                    return 0;
                }
                pos += (int) pendingBulk;
                pendingBulk = -1;
                if (elementDone()) {
                    return finish();
                }
                continue;
            }
            if (p >= end) {
                return 0;
            }
            byte type = in.getByte(p);
            int cr = in.indexOf(p + 1, end, (byte) '\r');
            if (cr < 0 || cr + 1 >= end) {
                return 0;
            }
            switch (type) {
                case '+', '-', ':', '_', ',', '(', '#' -> {
                    // RESP2's simple string, error and integer; RESP3's null, double, big number and boolean
                    pos = cr + 2 - start;
                    if (elementDone()) {
                        return finish();
                    }
                }
                case '$', '!', '=' -> {
                    // bulk string; RESP3's bulk error and verbatim string
                    long len = parseNumber(in, p + 1, cr);
                    pos = cr + 2 - start;
                    if (len < 0) {
                        if (type != '$') {
                            throw new RespProtocolException("negative length for a RESP3 blob from backend");
                        }
                        if (elementDone()) {
                            return finish();
                        }
                    } else if (len > MAX_REPLY - 2 - pos) {
                        // a reply is kept in one buffer, whose size is an int: larger ones cannot be forwarded
                        throw new RespProtocolException("reply larger than " + MAX_REPLY + " bytes");
                    } else {
                        pendingBulk = len + 2;
                    }
                }
                case '*', '~', '>', '%', '|' -> {
                    // array; RESP3's set, push, map (two elements an entry) and attribute (a map before the value
                    // it annotates, which is the element)
                    long n = parseNumber(in, p + 1, cr);
                    pos = cr + 2 - start;
                    if (type == '%' || type == '|') {
                        n *= 2;
                    }
                    if (n > 0) {
                        push(n, type == '|');
                    } else if (type != '|' && elementDone()) {
                        return finish();
                    }
                }
                default -> throw new RespProtocolException("unexpected RESP type byte 0x"
                        + Integer.toHexString(type & 0xff) + " from backend");
            }
        }
    }

    private void push(long n, boolean attribute) {
        if (depth == remaining.length) {
            remaining = Arrays.copyOf(remaining, depth * 2);
            attributes = Arrays.copyOf(attributes, depth * 2);
        }
        attributes[depth] = attribute;
        remaining[depth++] = n;
    }

    /** Marks one element complete; true when that completes the top-level reply. */
    private boolean elementDone() {
        while (depth > 0) {
            if (--remaining[depth - 1] > 0) {
                return false;
            }
            depth--;
            if (attributes[depth]) {
                return false; // an attribute ended: the value it annotates, the element itself, follows
            }
        }
        return true;
    }

    private int finish() {
        int len = pos;
        pos = 0;
        return len;
    }

    private static long parseNumber(ByteBuf in, int from, int to) throws RespProtocolException {
        if (from >= to) {
            throw new RespProtocolException("empty length from backend");
        }
        if (to - from > 19) {
            throw new RespProtocolException("length from backend out of range"); // would wrap around a long
        }
        boolean neg = in.getByte(from) == '-';
        long v = 0;
        for (int i = neg ? from + 1 : from; i < to; i++) {
            byte b = in.getByte(i);
            if (b < '0' || b > '9') {
                throw new RespProtocolException("bad length from backend");
            }
            v = v * 10 + (b - '0');
        }
        return neg ? -v : v;
    }

    /**
     * After {@link #frame} returned 0: how many bytes of the incomplete reply at {@code in.readerIndex()} may be
     * handed on before its end ({@link #consumed} then tells the framer they are gone). Every readable byte belongs to
     * that reply; all of them may go while a bulk string's content is being read, else those up to the start of the
     * element still incomplete (its header line is needed to frame the rest).
     */
    public int streamable(ByteBuf in) {
        return pendingBulk >= 0 ? in.readableBytes() : pos;
    }

    /** The first {@code n} bytes (at most {@link #streamable}) of the incomplete reply left the buffer. */
    public void consumed(int n) {
        if (n <= pos) {
            pos -= n;
        } else {
            pendingBulk -= n - pos; // stays positive: the bulk's end has not arrived
            pos = 0;
        }
    }

    /** Whether a reply is still partly read (for error reporting when the connection closes). */
    public boolean inProgress() {
        return pos != 0 || depth != 0 || pendingBulk >= 0;
    }

    public void reset() {
        pos = 0;
        depth = 0;
        pendingBulk = -1;
    }
}
