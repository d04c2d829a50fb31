package io.redissidecar.proxy.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/** Builders for the replies the proxy writes itself. Constant replies are shared, read-only and never freed. */
public final class Replies {
    private Replies() {
    }

    public static final ByteBuf OK = constant("+OK\r\n");
    public static final ByteBuf RESET = constant("+RESET\r\n");
    public static final ByteBuf NULL_BULK = constant("$-1\r\n");
    /** RESP3's null. */
    public static final ByteBuf NULL3 = constant("_\r\n");
    public static final ByteBuf EXECABORT = constant("-EXECABORT Transaction discarded because of previous errors.\r\n");

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] TXT = "txt:".getBytes(StandardCharsets.US_ASCII);

    private static ByteBuf constant(String s) {
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(s.length()).writeBytes(
                s.getBytes(StandardCharsets.US_ASCII)).asReadOnly());
    }

    /** A constant reply to write: a duplicate, so each write has its own indexes. */
    public static ByteBuf of(ByteBuf constant) {
        return constant.duplicate();
    }

    /** {@code -<message>\r\n}; {@code message} starts with the error code (ERR, NOPROTO...). */
    public static ByteBuf error(ByteBufAllocator alloc, String message) {
        String clean = message.replace('\r', ' ').replace('\n', ' ');
        ByteBuf b = alloc.buffer(clean.length() + 3);
        b.writeByte('-').writeCharSequence(clean, StandardCharsets.UTF_8);
        return b.writeByte('\r').writeByte('\n');
    }

    /** {@code -<message>\r\n} with each char of {@code message} as one byte (text quoted from a request, as is). */
    public static ByteBuf errorLatin1(ByteBufAllocator alloc, String message) {
        String clean = message.replace('\r', ' ').replace('\n', ' ');
        ByteBuf b = alloc.buffer(clean.length() + 3);
        b.writeByte('-').writeCharSequence(clean, StandardCharsets.ISO_8859_1);
        return b.writeByte('\r').writeByte('\n');
    }

    public static ByteBuf integer(ByteBufAllocator alloc, long v) {
        return alloc.buffer(24).writeByte(':').writeBytes(Long.toString(v).getBytes(StandardCharsets.US_ASCII))
                .writeByte('\r').writeByte('\n');
    }

    public static ByteBuf bulk(ByteBufAllocator alloc, byte[] value) {
        if (value == null) {
            return of(NULL_BULK);
        }
        ByteBuf b = alloc.buffer(value.length + 16);
        writeBulk(b, value);
        return b;
    }

    /**
     * Text as Redis sends INFO, CLIENT INFO, CLUSTER NODES: a bulk string in RESP2, a verbatim string ({@code =},
     * format {@code txt}) in RESP3.
     */
    public static ByteBuf text(ByteBufAllocator alloc, byte[] value, int proto) {
        if (proto != 3) {
            return bulk(alloc, value);
        }
        ByteBuf b = alloc.buffer(value.length + 20);
        b.writeByte('=').writeCharSequence(Integer.toString(value.length + 4), StandardCharsets.US_ASCII);
        b.writeBytes(CRLF).writeBytes(TXT).writeBytes(value).writeBytes(CRLF);
        return b;
    }

    public static void writeBulk(ByteBuf b, byte[] value) {
        b.writeByte('$').writeBytes(Integer.toString(value.length).getBytes(StandardCharsets.US_ASCII))
                .writeByte('\r').writeByte('\n').writeBytes(value).writeByte('\r').writeByte('\n');
    }

    /** A bulk string whose bytes are {@code length} bytes of {@code src} at {@code offset}. */
    public static void writeBulk(ByteBuf b, ByteBuf src, int offset, int length) {
        b.writeByte('$').writeBytes(Integer.toString(length).getBytes(StandardCharsets.US_ASCII))
                .writeByte('\r').writeByte('\n').writeBytes(src, offset, length).writeByte('\r').writeByte('\n');
    }

    public static void writeArrayHeader(ByteBuf b, int n) {
        b.writeByte('*').writeBytes(Integer.toString(n).getBytes(StandardCharsets.US_ASCII))
                .writeByte('\r').writeByte('\n');
    }

    public static void writeInteger(ByteBuf b, long v) {
        b.writeByte(':').writeBytes(Long.toString(v).getBytes(StandardCharsets.US_ASCII))
                .writeByte('\r').writeByte('\n');
    }

    /** A request whose arguments are bytes carried in ISO-8859-1 strings (channel names re-subscribed). */
    public static ByteBuf commandLatin1(ByteBufAllocator alloc, String name, Collection<String> args) {
        ByteBuf b = alloc.buffer(16 * args.size() + 32);
        writeArrayHeader(b, args.size() + 1);
        writeBulk(b, name.getBytes(StandardCharsets.US_ASCII));
        for (String a : args) {
            writeBulk(b, a.getBytes(StandardCharsets.ISO_8859_1));
        }
        return b;
    }

    /** A request in RESP multibulk form, for the proxy's own commands to backends (SELECT, AUTH, DISCARD). */
    public static ByteBuf command(ByteBufAllocator alloc, String... args) {
        ByteBuf b = alloc.buffer(16 * args.length + 16);
        writeArrayHeader(b, args.length);
        for (String a : args) {
            writeBulk(b, a.getBytes(StandardCharsets.UTF_8));
        }
        return b;
    }
}
