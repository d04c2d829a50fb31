package io.redissidecar.proxy.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RequestFramerTest {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    private static ByteBuf buf(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    private static String arg(RequestFramer f, int i) {
        return new String(f.argBytes(i), StandardCharsets.ISO_8859_1);
    }

    @Test
    void framesAMultibulkRequestAndFindsItsArguments() throws Exception {
        RequestFramer f = new RequestFramer(512 << 20, 1 << 20, 65536);
        ByteBuf in = buf("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n");
        int n = f.frame(in, alloc);
        assertEquals(31, n);
        assertEquals(3, f.argc());
        assertEquals("SET", arg(f, 0));
        assertEquals("k", arg(f, 1));
        assertEquals("hello", arg(f, 2));
        in.skipBytes(n);
        assertEquals(14, f.frame(in, alloc));
        assertEquals("PING", arg(f, 0));
        in.release();
    }

    @Test
    void resumesAcrossEveryPossibleSplit() throws Exception {
        String req = "*4\r\n$4\r\nMSET\r\n$1\r\na\r\n$10\r\n0123456789\r\n$0\r\n\r\n";
        for (int split = 1; split < req.length(); split++) {
            RequestFramer f = new RequestFramer(512 << 20, 1 << 20, 65536);
            ByteBuf in = buf(req.substring(0, split));
            assertEquals(0, f.frame(in, alloc), "split at " + split);
            in.writeBytes(req.substring(split).getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(req.length(), f.frame(in, alloc), "split at " + split);
            assertEquals(4, f.argc());
            assertEquals("0123456789", arg(f, 2));
            assertEquals("", arg(f, 3));
            in.release();
        }
    }

    @Test
    void byteByByteFeeding() throws Exception {
        String req = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
        RequestFramer f = new RequestFramer(512 << 20, 1 << 20, 65536);
        ByteBuf in = Unpooled.buffer();
        int n = 0;
        for (char c : req.toCharArray()) {
            assertEquals(0, n);
            in.writeByte(c);
            n = f.frame(in, alloc);
        }
        assertEquals(req.length(), n);
        assertEquals("key", arg(f, 1));
        in.release();
    }

    @Test
    void inlineRequestsAreSplitLikeRedisAndReencoded() throws Exception {
        RequestFramer f = new RequestFramer(512 << 20, 1 << 20, 65536);
        ByteBuf in = buf("set \"a b\" 'c\\'d' \"\\x41\\n\"\r\n");
        int n = f.frame(in, alloc);
        assertEquals(in.readableBytes(), n);
        assertTrue(f.isInline());
        assertEquals(4, f.argc());
        assertEquals("a b", arg(f, 1));
        assertEquals("c'd", arg(f, 2));
        assertEquals("A\n", arg(f, 3));
        assertEquals("*4\r\n$3\r\nset\r\n$3\r\na b\r\n$3\r\nc'd\r\n$2\r\nA\n\r\n",
                f.frameBuffer().toString(StandardCharsets.ISO_8859_1));
        f.reset(); // releases the re-encoded frame
        in.release();
    }

    @Test
    void emptyLinesAndEmptyMultibulkAreSkipped() throws Exception {
        RequestFramer f = new RequestFramer(512 << 20, 1 << 20, 65536);
        ByteBuf in = buf("\r\n*0\r\n*-1\r\n");
        assertEquals(2, f.frame(in, alloc));
        assertEquals(0, f.argc());
        in.skipBytes(2);
        assertEquals(4, f.frame(in, alloc));
        assertEquals(0, f.argc());
        in.skipBytes(4);
        assertEquals(5, f.frame(in, alloc));
        assertEquals(0, f.argc());
        in.release();
    }

    @Test
    void malformedInputIsRejectedWithRedisWording() {
        assertError("*abc\r\n", "Protocol error: invalid multibulk length");
        assertError("*3000000\r\n", "Protocol error: invalid multibulk length");
        assertError("*1\r\n%3\r\n", "Protocol error: expected '$', got '%'");
        assertError("*1\r\n$-5\r\n", "Protocol error: invalid bulk length");
        assertError("*1\r\n$999999999999\r\n", "Protocol error: invalid bulk length");
        assertError("*1\r\n$x\r\n", "Protocol error: invalid bulk length");
        assertError("set \"a\r\n", "Protocol error: unbalanced quotes in request");
        assertError("x".repeat(70_000), "Protocol error: too big inline request");
        assertError("*" + "1".repeat(70_000), "Protocol error: too big mbulk count string");
    }

    private void assertError(String input, String message) {
        RequestFramer f = new RequestFramer(512L << 20, 1 << 20, 65536);
        ByteBuf in = buf(input);
        try {
            RespProtocolException e = assertThrows(RespProtocolException.class, () -> f.frame(in, alloc));
            assertEquals(message, e.getMessage());
        } finally {
            in.release();
        }
    }

    @Test
    void argumentHelpers() throws Exception {
        RequestFramer f = new RequestFramer(512 << 20, 1 << 20, 65536);
        ByteBuf in = buf("*3\r\n$6\r\nSELECT\r\n$2\r\n-7\r\n$2\r\n1x\r\n");
        f.frame(in, alloc);
        assertTrue(f.argEqualsIgnoreCase(0, "select".getBytes()));
        assertEquals(-7, f.argLong(1));
        assertEquals(Long.MIN_VALUE, f.argLong(2));
        in.release();
    }

    /**
     * Short bulk headers ({@code $3\r\n}, {@code $16\r\n}, up to five digits) are read eight bytes at a time: the
     * same frames, arguments and errors as the byte-by-byte reference on random streams of well-formed and broken
     * headers fed in random fragments (one to six digits, leading zeros, a CR without LF, signs, spaces, letters,
     * limits, and Redis's limits before AUTH: CI found a 20,000-byte bulk read before AUTH by the first version).
     */
    @Test
    void shortBulkHeadersFrameAsTheByteByByteReference() {
        String[] junk = {"$", "$-1\r\n", "$x\r\n", "$\r\n", "$1 \r\n", "$+1\r\n", "$1", "$12", "*1\r\n", "x"};
        Random r = new Random(20261201);
        for (int round = 0; round < 4000; round++) {
            StringBuilder stream = new StringBuilder();
            for (int req = 0, reqs = 1 + r.nextInt(4); req < reqs; req++) {
                int argc = 1 + r.nextInt(12);
                stream.append('*').append(argc).append("\r\n");
                for (int a = 0; a < argc; a++) {
                    int len = r.nextInt(100) == 0 ? r.nextInt(120_000)
                            : r.nextInt(10) < 7 ? r.nextInt(12) : r.nextInt(1100);
                    String data = "v".repeat(len);
                    switch (r.nextInt(12)) {
                        case 0 -> stream.append("$0").append(len).append("\r\n").append(data).append("\r\n");
                        case 1 -> stream.append('$').append(len).append("\rX").append(data).append("\r\n");
                        case 2 -> stream.append(junk[r.nextInt(junk.length)]);
                        default -> stream.append('$').append(len).append("\r\n").append(data).append("\r\n");
                    }
                }
            }
            long maxBulk = r.nextBoolean() ? 512 << 20 : 1 + r.nextInt(r.nextBoolean() ? 40 : 2000);
            byte[] bytes = stream.toString().getBytes(StandardCharsets.ISO_8859_1);
            int[] cuts = new int[1 + r.nextInt(4)];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = 1 + r.nextInt(bytes.length);
            }
            boolean unauthenticated = round % 3 == 0; // Redis's limits before AUTH: 10 arguments, 16 KB bulks
            assertEquals(frames(new RequestFramer(maxBulk, 1 << 20, 65536, () -> unauthenticated, false), bytes, cuts),
                    frames(new RequestFramer(maxBulk, 1 << 20, 65536, () -> unauthenticated, true), bytes, cuts),
                    "stream " + stream.substring(0, Math.min(300, stream.length())).replace("\r", "\\r")
                            .replace("\n", "\\n"));
        }
    }

    /** What a framer makes of {@code bytes} fed in pieces ending at {@code cuts} and then whole: frames or an error. */
    private List<String> frames(RequestFramer f, byte[] bytes, int[] cuts) {
        List<String> out = new ArrayList<>();
        ByteBuf in = Unpooled.buffer();
        int fed = 0;
        try {
            for (int i = 0; i <= cuts.length; i++) {
                int upTo = i < cuts.length ? Math.max(fed, cuts[i]) : bytes.length;
                in.writeBytes(bytes, fed, upTo - fed);
                fed = upTo;
                for (int n; (n = f.frame(in, alloc)) > 0; in.skipBytes(n)) {
                    StringBuilder frame = new StringBuilder().append(n).append(':');
                    for (int a = 0; a < f.argc(); a++) {
                        frame.append(f.argOffset(a)).append('+').append(f.argLength(a)).append(' ');
                    }
                    out.add(frame.toString());
                }
            }
        } catch (RespProtocolException e) {
            out.add("error: " + e.getMessage());
        } finally {
            in.release();
        }
        return out;
    }
}
