package io.redissidecar.proxy.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.proxy.commands.KeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Frames one client request at a time out of a cumulation buffer without copying it: it finds where the
 * request ends and where each argument lies, and nothing more. Multibulk framing is resumable, so a request
 * that arrives in many pieces is scanned once. Inline (telnet-style) requests are rare; they are split like
 * Redis splits them and re-encoded as a multibulk request so that the rest of the proxy sees one form.
 *
 * <p>After {@link #frame} returns a length, {@link #argc()}, {@link #argOffset(int)} and {@link #argLength(int)}
 * describe the request inside {@link #frameBuffer()} until the next call. Not thread-safe: one per client.
 */
public final class RequestFramer implements KeySpec.Args {
    private final long maxBulkLength;
    private final int maxMultibulkLength;
    private final BooleanSupplier unauthenticated;
    private final int maxInlineLength;
    /** Whether short bulk headers are read eight bytes at a time ({@link #shortBulkHeader}); off only in tests. */
    private final boolean shortHeaders;

    // resumable multibulk state; offsets are relative to the frame's first byte
    private int expectedArgs = -1;
    private int parsedArgs;
    private int pos;
    private long bulkLength = -1;
    private int lineEnd;

    // completed frame
    private int argc;
    private int[] argOffsets = new int[8];
    private int[] argLengths = new int[8];
    private ByteBuf frameBuffer;
    private int frameStart;
    private ByteBuf inlineFrame;

    public RequestFramer(long maxBulkLength, int maxMultibulkLength, int maxInlineLength) {
        this(maxBulkLength, maxMultibulkLength, maxInlineLength, () -> false);
    }

    /**
     * As above; while {@code unauthenticated} says true (the client must AUTH first), requests are held to Redis's
     * limits before authentication: at most 10 arguments of at most 16 KB each (the fix of CVE-2021-32675).
     */
    public RequestFramer(long maxBulkLength, int maxMultibulkLength, int maxInlineLength,
                         BooleanSupplier unauthenticated) {
        this(maxBulkLength, maxMultibulkLength, maxInlineLength, unauthenticated, true);
    }

    /** As above; {@code shortHeaders} false frames every bulk header byte by byte (the reference, for tests). */
    RequestFramer(long maxBulkLength, int maxMultibulkLength, int maxInlineLength, BooleanSupplier unauthenticated,
                  boolean shortHeaders) {
        this.shortHeaders = shortHeaders && maxInlineLength >= 8;
        this.unauthenticated = unauthenticated;
        this.maxBulkLength = maxBulkLength;
        this.maxMultibulkLength = maxMultibulkLength;
        this.maxInlineLength = maxInlineLength;
    }

    /**
     * Frames the request starting at {@code in.readerIndex()}.
     *
     * @return 0 when more bytes are needed; otherwise how many bytes of {@code in} the request takes (the caller
     *         skips them). {@link #argc()} is 0 for input that Redis ignores (an empty line, {@code *0}).
     */
    public int frame(ByteBuf in, ByteBufAllocator alloc) throws RespProtocolException {
        releaseInline();
        final int start = in.readerIndex();
        final int end = in.writerIndex();
        if (expectedArgs < 0) {
            if (start >= end) {
                return 0;
            }
            if (in.getByte(start) != '*') {
                return frameInline(in, start, end, alloc);
            }
            long n = parseLine(in, start + 1, end, "too big mbulk count string");
            if (n == Long.MIN_VALUE) {
                return 0;
            }
            if (n == Long.MAX_VALUE || n > maxMultibulkLength) {
                throw new RespProtocolException("Protocol error: invalid multibulk length");
            }
            if (n > 10 && unauthenticated.getAsBoolean()) {
                throw new RespProtocolException("Protocol error: unauthenticated multibulk length");
            }
            pos = lineEnd + 2 - start;
            if (n <= 0) {
                return complete(in, start, 0, pos);
            }
            expectedArgs = (int) n;
            parsedArgs = 0;
            bulkLength = -1;
            ensureCapacity(Math.min(expectedArgs, 1024));
        }
        while (parsedArgs < expectedArgs) {
            int p = start + pos;
            if (bulkLength < 0 && shortHeaders && end - p >= 8) {
                long len = shortBulkHeader(in, p);
                // a length over a limit goes the byte-by-byte way, which refuses it with Redis's text
                if (len >= 0 && len <= maxBulkLength && (len <= 16384 || !unauthenticated.getAsBoolean())) {
                    bulkLength = len;
                    pos = lineEnd + 2 - start;
                    p = start + pos;
                }
            }
            if (bulkLength < 0) {
                if (p >= end) {
                    return 0;
                }
                byte b = in.getByte(p);
                if (b != '$') {
                    reset();
                    throw new RespProtocolException("Protocol error: expected '$', got '" + (char) (b & 0xff) + "'");
                }
                long len = parseLine(in, p + 1, end, "too big bulk count string");
                if (len == Long.MIN_VALUE) {
                    return 0;
                }
                if (len < 0 || len > maxBulkLength) {
                    reset();
                    throw new RespProtocolException("Protocol error: invalid bulk length");
                }
                if (len > 16384 && unauthenticated.getAsBoolean()) {
                    reset();
                    throw new RespProtocolException("Protocol error: unauthenticated bulk length");
                }
                bulkLength = len;
                pos = lineEnd + 2 - start;
                p = start + pos;
            }
            if ((long) end - p < bulkLength + 2) {
                return 0;
            }
            if (parsedArgs == argOffsets.length) {
                ensureCapacity(Math.min(expectedArgs, argOffsets.length * 2));
            }
            argOffsets[parsedArgs] = pos;
            argLengths[parsedArgs] = (int) bulkLength;
            parsedArgs++;
            pos += (int) bulkLength + 2;
            bulkLength = -1;
        }
        return complete(in, start, parsedArgs, pos);
    }

    /**
     * The length in a bulk header of up to five digits ({@code $3\r\n}, {@code $16\r\n}, {@code $1024\r\n}: almost
     * every key and value), read as one long instead of byte by byte, with {@link #lineEnd} set to its CR; -1 for any
     * other header, which the byte-by-byte path then frames (and rejects where it must). At least eight bytes must be
     * readable from {@code p}. The same result as {@link #parseLine} on the headers it accepts.
     */
    private long shortBulkHeader(ByteBuf in, int p) {
        long w = in.getLong(p); // big-endian: the header's first byte is the highest
        if ((int) (w >>> 56) != '$') {
            return -1;
        }
        long v = 0;
        for (int i = 1; i < 7; i++) {
            int b = (int) (w >>> (56 - 8 * i)) & 0xff;
            if (b >= '0' && b <= '9') {
                v = v * 10 + (b - '0');
            } else if (b == '\r' && i > 1 && ((int) (w >>> (48 - 8 * i)) & 0xff) == '\n') {
                lineEnd = p + i;
                return v;
            } else {
                return -1;
            }
        }
        return -1;
    }

    private int complete(ByteBuf in, int start, int args, int length) {
        argc = args;
        frameBuffer = in;
        frameStart = start;
        expectedArgs = -1;
        pos = 0;
        return length;
    }

    /**
     * Parses the decimal number after a type byte up to CR, as Redis's string2ll does (optional '-', digits, no
     * spaces). Returns {@link Long#MIN_VALUE} when the line is not complete yet, {@link Long#MAX_VALUE} when it is
     * not a number; sets {@link #lineEnd} to the CR's index.
     */
    private long parseLine(ByteBuf in, int from, int end, String tooBig) throws RespProtocolException {
        int limit = Math.min(end, from + maxInlineLength);
        long v = 0;
        boolean neg = false;
        boolean valid = true;
        int digits = 0;
        for (int i = from; i < limit; i++) {
            byte b = in.getByte(i);
            if (b == '\r') {
                if (i + 1 >= end) {
                    return Long.MIN_VALUE; // wait for the LF, as Redis does
                }
                lineEnd = i;
                return valid && digits > 0 ? (neg ? -v : v) : Long.MAX_VALUE;
            }
            if (b == '-' && i == from) {
                neg = true;
            } else if (b >= '0' && b <= '9' && digits < 18) {
                v = v * 10 + (b - '0');
                digits++;
            } else {
                valid = false;
            }
        }
        if (end - from >= maxInlineLength) {
            reset();
            throw new RespProtocolException("Protocol error: " + tooBig);
        }
        return Long.MIN_VALUE;
    }

    private int frameInline(ByteBuf in, int start, int end, ByteBufAllocator alloc) throws RespProtocolException {
        int nl = in.indexOf(start, Math.min(end, start + maxInlineLength + 1), (byte) '\n');
        if (nl < 0) {
            if (end - start > maxInlineLength) {
                throw new RespProtocolException("Protocol error: too big inline request");
            }
            return 0;
        }
        int lineEnd = nl > start && in.getByte(nl - 1) == '\r' ? nl - 1 : nl;
        List<byte[]> args = InlineSplitter.split(in, start, lineEnd);
        int length = nl + 1 - start;
        if (args.isEmpty()) {
            return complete(in, start, 0, length);
        }
        ByteBuf out = alloc.buffer();
        out.writeByte('*').writeBytes(Integer.toString(args.size()).getBytes()).writeByte('\r').writeByte('\n');
        ensureCapacity(args.size());
        for (int i = 0; i < args.size(); i++) {
            byte[] a = args.get(i);
            out.writeByte('$').writeBytes(Integer.toString(a.length).getBytes()).writeByte('\r').writeByte('\n');
            argOffsets[i] = out.writerIndex();
            argLengths[i] = a.length;
            out.writeBytes(a).writeByte('\r').writeByte('\n');
        }
        inlineFrame = out;
        argc = args.size();
        frameBuffer = out;
        frameStart = 0;
        return length;
    }

    private void ensureCapacity(int n) {
        if (argOffsets.length < n) {
            int[] o = new int[n];
            int[] l = new int[n];
            System.arraycopy(argOffsets, 0, o, 0, argOffsets.length);
            System.arraycopy(argLengths, 0, l, 0, argLengths.length);
            argOffsets = o;
            argLengths = l;
        }
    }

    private void releaseInline() {
        if (inlineFrame != null) {
            inlineFrame.release();
            inlineFrame = null;
        }
    }

    /** After a request of very many arguments, the argument arrays go back to a small size (Redis frees its argv). */
    public void shrink() {
        if (argOffsets.length > 1024) {
            argOffsets = new int[8];
            argLengths = new int[8];
        }
    }

    /** Forgets any partial request (after a protocol error or when the client goes away). */
    public void reset() {
        expectedArgs = -1;
        pos = 0;
        bulkLength = -1;
        argc = 0;
        frameBuffer = null;
        releaseInline();
    }

    /** True when the last framed request came from an inline line (its frame is a re-encoded copy). */
    public boolean isInline() {
        return inlineFrame != null && frameBuffer == inlineFrame;
    }

    public int argc() {
        return argc;
    }

    /** The buffer the last request's arguments live in; absolute index = {@link #frameStart()} + offset. */
    public ByteBuf frameBuffer() {
        return frameBuffer;
    }

    public int frameStart() {
        return frameStart;
    }

    public int argOffset(int i) {
        return frameStart + argOffsets[i];
    }

    public int argLength(int i) {
        return argLengths[i];
    }

    /** Length in bytes of the (possibly re-encoded) frame; for multibulk input the same as {@link #frame}. */
    public int frameLength(int consumed) {
        return isInline() ? inlineFrame.readableBytes() : consumed;
    }

    /** A new reference to the last request's bytes ({@code consumed} of the input, or the re-encoded inline frame). */
    public ByteBuf retainedFrame(int consumed) {
        return isInline() ? frameBuffer.retainedDuplicate() : frameBuffer.retainedSlice(frameStart, consumed);
    }

    /** Copies argument {@code i}; for emulated commands and error messages only, never on the forwarding path. */
    public byte[] argBytes(int i) {
        byte[] b = new byte[argLengths[i]];
        frameBuffer.getBytes(argOffset(i), b);
        return b;
    }

    /** Whether argument {@code i} equals {@code lowerAscii} ignoring ASCII case. */
    public boolean argEqualsIgnoreCase(int i, byte[] lowerAscii) {
        int len = argLengths[i];
        int off = argOffset(i);
        // as Redis's strcasecmp: the argument ends at its first NUL byte ("STREAMS\0x" is STREAMS to Redis)
        if (len != lowerAscii.length
                && !(len > lowerAscii.length && frameBuffer.getByte(off + lowerAscii.length) == 0)) {
            return false;
        }
        for (int k = 0; k < lowerAscii.length; k++) {
            byte b = frameBuffer.getByte(off + k);
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != lowerAscii[k]) {
                return false;
            }
        }
        return true;
    }

    /** Whether arguments {@code i} and {@code j} are the same bytes. */
    @Override
    public boolean argsEqual(int i, int j) {
        int len = argLengths[i];
        return len == argLengths[j] && ByteBufUtil.equals(frameBuffer, argOffset(i), frameBuffer, argOffset(j), len);
    }

    /** Parses argument {@code i} as a Redis integer; {@link Long#MIN_VALUE} if it is not one. */
    public long argLong(int i) {
        int len = argLengths[i];
        if (len == 0 || len > 19) {
            return Long.MIN_VALUE;
        }
        int off = argOffset(i);
        boolean neg = frameBuffer.getByte(off) == '-';
        long v = 0;
        for (int k = neg ? 1 : 0; k < len; k++) {
            byte b = frameBuffer.getByte(off + k);
            if (b < '0' || b > '9') {
                return Long.MIN_VALUE;
            }
            v = v * 10 + (b - '0');
        }
        if (neg && len == 1) {
            return Long.MIN_VALUE;
        }
        return neg ? -v : v;
    }
}
