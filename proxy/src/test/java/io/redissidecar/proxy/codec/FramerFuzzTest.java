package io.redissidecar.proxy.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzz tests (Jazzer) of the framers. In {@code mvn test} (no {@code JAZZER_FUZZ}) each method runs
 * only on its seed corpus, {@code src/test/resources/io/redissidecar/proxy/codec/FramerFuzzTestInputs/<method>/};
 * with {@code JAZZER_FUZZ=1} one method (select it with {@code -Dtest=FramerFuzzTest#method}) is fuzzed for at most
 * {@code maxDuration}, and an input that fails is written to that folder.
 *
 * <p>Input of the two framer tests: byte 0's low 3 bits give {@code k}, the next {@code k} bytes give fragment
 * lengths ({@code b + 1}, used in turn), the rest is the stream, fed one fragment at a time into a cumulation buffer
 * as a socket would deliver it ({@code k = 0}: one fragment). The splitter test takes its input as one inline line.
 *
 * <p>Properties: only {@link RespProtocolException} escapes; a frame is never empty or longer than what is
 * readable; its arguments lie inside it; feeding in fragments gives the same frames as feeding everything at once;
 * every buffer is released (the test's and the framer's own inline frames), and Netty's leak detector (PARANOID in
 * test JVMs) finds nothing; frame() is called at most once per byte plus once per fragment (no loop without
 * progress). Small limits (1 KB bulks and inline lines, 64 arguments) make the limit paths reachable.
 */
class FramerFuzzTest {
    static final int MAX_BULK = 1024;
    static final int MAX_ARGS = 64;
    static final int MAX_INLINE = 1024;

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    /** The stream and how it is cut, decoded from the fuzz input. */
    record Feed(byte[] stream, int[] fragmentLengths) {
        static Feed of(byte[] data) {
            if (data.length == 0) {
                return new Feed(data, new int[0]);
            }
            int k = Math.min(data[0] & 7, data.length - 1);
            int[] lens = new int[k];
            for (int i = 0; i < k; i++) {
                lens[i] = (data[1 + i] & 0xff) + 1;
            }
            return new Feed(Arrays.copyOfRange(data, 1 + k, data.length), lens);
        }

        /** The stream cut into fragments; one fragment when no lengths were given. */
        List<byte[]> fragments() {
            List<byte[]> out = new ArrayList<>();
            int i = 0;
            int n = 0;
            while (i < stream.length) {
                int len = fragmentLengths.length == 0 ? stream.length : fragmentLengths[n++ % fragmentLengths.length];
                int to = Math.min(stream.length, i + len);
                out.add(Arrays.copyOfRange(stream, i, to));
                i = to;
            }
            return out;
        }
    }

    /** Hands the framer its buffers and remembers each one, so that the test can check it released them all. */
    static final class TrackingAllocator extends AbstractByteBufAllocator {
        final List<ByteBuf> allocated = new ArrayList<>();

        TrackingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            ByteBuf b = new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
            allocated.add(b);
            return b;
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        /** Buffers the framer allocated and still holds. */
        long live() {
            return allocated.stream().filter(b -> b.refCnt() != 0).count();
        }
    }

    /** What framing a stream produced: one entry per frame, and how it ended. */
    record Outcome(List<String> frames, String error) {
    }

    // ---------------------------------------------------------------- RequestFramer

    @FuzzTest(maxDuration = "60s")
    void requestFramer(byte[] data) {
        Feed feed = Feed.of(data);
        Outcome whole = frameRequests(List.of(feed.stream()));
        Outcome pieces = frameRequests(feed.fragments());
        assertEquals(whole, pieces, "fragments " + Arrays.toString(feed.fragmentLengths()));
    }

    private static Outcome frameRequests(List<byte[]> fragments) {
        RequestFramer framer = new RequestFramer(MAX_BULK, MAX_ARGS, MAX_INLINE);
        TrackingAllocator framerAlloc = new TrackingAllocator();
        try {
            return feed(fragments, new Framing() {
                @Override
                public int frame(ByteBuf in) throws RespProtocolException {
                    int n = framer.frame(in, framerAlloc);
                    // at most the inline frame just made: the one before it was released by this call
                    assertTrue(framerAlloc.live() <= (n > 0 && framer.isInline() ? 1 : 0),
                            framerAlloc.live() + " framer buffers held");
                    return n;
                }

                @Override
                public String describe(ByteBuf in, int n) {
                    return checkRequest(framer, in, n);
                }

                @Override
                public void reset() {
                    framer.reset();
                }
            });
        } finally {
            framer.reset();
            assertEquals(0, framerAlloc.live(), "framer buffers not released by reset()");
        }
    }

    /** One framer under test, driven by {@link #feed}. */
    private interface Framing {
        /** Frames the next request or reply in {@code in}; its length, or 0 when it is not complete. */
        int frame(ByteBuf in) throws RespProtocolException;

        /** Checks the frame of {@code n} bytes at {@code in}'s reader index and describes it, for comparison. */
        String describe(ByteBuf in, int n);

        /** Forgets a partial frame (after a protocol error). */
        default void reset() {
        }
    }

    /**
     * Feeds {@code fragments} one at a time into a cumulation buffer and frames until the framer needs more or
     * throws: the frames (described) and the error. No exception but {@code RespProtocolException}; a frame never
     * longer than what is readable; at most one {@code frame()} call without progress per byte or fragment; the
     * cumulation buffer released.
     */
    private static Outcome feed(List<byte[]> fragments, Framing framer) {
        ByteBuf cumulation = ALLOC.buffer();
        List<String> frames = new ArrayList<>();
        String error = null;
        long calls = 0;
        long bytes = 0;
        try {
            feeding:
            for (byte[] fragment : fragments) {
                cumulation.writeBytes(fragment);
                bytes += fragment.length;
                while (true) {
                    assertTrue(++calls <= bytes + fragments.size() + 1, "frame() called without progress");
                    int n;
                    try {
                        n = framer.frame(cumulation);
                    } catch (RespProtocolException e) {
                        error = e.getMessage();
                        framer.reset();
                        break feeding;
                    }
                    assertTrue(n >= 0 && n <= cumulation.readableBytes(),
                            "frame of " + n + " bytes, " + cumulation.readableBytes() + " readable");
                    if (n == 0) {
                        break;
                    }
                    frames.add(framer.describe(cumulation, n));
                    cumulation.skipBytes(n);
                    cumulation.discardReadBytes();
                }
            }
        } catch (RuntimeException e) {
            throw new AssertionError("unexpected " + e, e);
        } finally {
            assertTrue(cumulation.release(), "cumulation buffer still referenced");
        }
        return new Outcome(frames, error);
    }

    /** Checks one framed request and describes it (argument bytes) for the whole-versus-fragments comparison. */
    private static String checkRequest(RequestFramer f, ByteBuf in, int consumed) {
        int argc = f.argc();
        assertTrue(argc >= 0 && argc <= MAX_ARGS, "argc " + argc);
        ByteBuf fb = f.frameBuffer();
        int frameEnd = f.isInline() ? fb.writerIndex() : in.readerIndex() + consumed;
        if (!f.isInline()) {
            assertEquals(in.readerIndex(), f.frameStart());
        }
        StringBuilder sb = new StringBuilder().append(f.isInline() ? "inline" : "multibulk").append(consumed);
        for (int i = 0; i < argc; i++) {
            int off = f.argOffset(i);
            int len = f.argLength(i);
            assertTrue(len >= 0 && len <= (f.isInline() ? MAX_INLINE : MAX_BULK), "argument length " + len);
            assertTrue(off >= f.frameStart() && off + len + 2 <= frameEnd, "argument " + i + " outside its frame");
            if (f.isInline()) {
                // the framer wrote this frame itself; in client input the two bytes after a bulk are skipped
                // unchecked, as Redis skips them (seed bulk_length_short_of_data)
                assertEquals('\r', fb.getByte(off + len));
                assertEquals('\n', fb.getByte(off + len + 1));
            }
            sb.append('|').append(new String(f.argBytes(i), StandardCharsets.ISO_8859_1));
        }
        ByteBuf frame = f.retainedFrame(consumed);
        try {
            assertEquals(f.frameLength(consumed), frame.readableBytes());
        } finally {
            frame.release();
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- InlineSplitter

    @FuzzTest(maxDuration = "60s")
    void inlineSplitter(byte[] line) {
        ByteBuf in = Unpooled.wrappedBuffer(line);
        List<byte[]> args;
        try {
            args = InlineSplitter.split(in, 0, line.length);
        } catch (RespProtocolException e) {
            return;
        } catch (RuntimeException e) {
            throw new AssertionError("unexpected " + e, e);
        } finally {
            in.release(); // a heap wrapper (the shared empty buffer when the line is empty)
        }
        long total = 0;
        for (byte[] a : args) {
            total += a.length;
        }
        assertTrue(args.size() <= (line.length + 1) / 2 + 1 && total <= line.length,
                args.size() + " arguments of " + total + " bytes from " + line.length);
        if (!containsAny(line, "\"'")) {
            // no quotes: plain whitespace splitting, backslashes are literal
            assertSplitEquals(plainSplit(line), args);
        }
        // round trip: every argument written back as a fully escaped quoted string splits to the same arguments
        byte[] requoted = quote(args);
        ByteBuf again = Unpooled.wrappedBuffer(requoted);
        try {
            assertSplitEquals(args, InlineSplitter.split(again, 0, requoted.length));
        } catch (RespProtocolException e) {
            fail("re-quoted arguments rejected: " + e.getMessage());
        } finally {
            again.release();
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0x0b || b == '\f';
    }

    private static boolean containsAny(byte[] line, String chars) {
        for (byte b : line) {
            if (chars.indexOf(b) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static List<byte[]> plainSplit(byte[] line) {
        List<byte[]> out = new ArrayList<>();
        int i = 0;
        while (i < line.length) {
            while (i < line.length && isSpace(line[i])) {
                i++;
            }
            int from = i;
            while (i < line.length && !isSpace(line[i])) {
                i++;
            }
            if (i > from) {
                out.add(Arrays.copyOfRange(line, from, i));
            }
        }
        return out;
    }

    private static byte[] quote(List<byte[]> args) {
        StringBuilder sb = new StringBuilder();
        for (byte[] a : args) {
            sb.append(sb.length() == 0 ? "\"" : " \"");
            for (byte b : a) {
                sb.append(String.format("\\x%02x", b & 0xff));
            }
            sb.append('"');
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void assertSplitEquals(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size(), "argument count");
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "argument " + i);
        }
    }

    // ---------------------------------------------------------------- ReplyFramer

    @FuzzTest(maxDuration = "60s")
    void replyFramer(byte[] data) {
        Feed feed = Feed.of(data);
        Outcome whole = frameReplies(List.of(feed.stream()));
        Outcome pieces = frameReplies(feed.fragments());
        assertEquals(whole, pieces, "fragments " + Arrays.toString(feed.fragmentLengths()));
    }

    private static Outcome frameReplies(List<byte[]> fragments) {
        ReplyFramer framer = new ReplyFramer();
        return feed(fragments, new Framing() {
            @Override
            public int frame(ByteBuf in) throws RespProtocolException {
                return framer.frame(in);
            }

            @Override
            public String describe(ByteBuf in, int n) {
                assertTrue(!framer.inProgress(), "framer still in a reply after returning one");
                return in.toString(in.readerIndex(), n, StandardCharsets.ISO_8859_1);
            }

            @Override
            public void reset() {
                framer.reset();
            }
        });
    }
}
