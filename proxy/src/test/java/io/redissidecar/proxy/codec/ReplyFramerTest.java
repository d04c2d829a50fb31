package io.redissidecar.proxy.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyFramerTest {

    private static final String[] REPLIES = {
        "+OK\r\n", "-ERR bad\r\n", ":42\r\n", "$-1\r\n", "$0\r\n\r\n", "$5\r\nhe\r\no\r\n", "*-1\r\n", "*0\r\n",
        "*2\r\n$1\r\na\r\n*2\r\n:1\r\n*1\r\n+x\r\n", "*3\r\n*0\r\n$-1\r\n*1\r\n*1\r\n:5\r\n",
        // RESP3
        "_\r\n", ",3.14\r\n", ",-inf\r\n", "(12345678901234567890\r\n", "#t\r\n", "!8\r\nERR x\r\ny\r\n",
        "=8\r\ntxt:ab\r\n\r\n", "%2\r\n+a\r\n:1\r\n+b\r\n~1\r\n_\r\n", "%0\r\n", "~0\r\n",
        ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n", "|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n",
        "*2\r\n|1\r\n+a\r\n%1\r\n+b\r\n+c\r\n:1\r\n:2\r\n", "|0\r\n:7\r\n", "*1\r\n|1\r\n+k\r\n|1\r\n+x\r\n+y\r\n+v\r\n:9\r\n",
    };

    @Test
    void framesEachReplyWhole() throws Exception {
        StringBuilder all = new StringBuilder();
        for (String r : REPLIES) {
            all.append(r);
        }
        ByteBuf in = Unpooled.copiedBuffer(all, StandardCharsets.ISO_8859_1);
        ReplyFramer f = new ReplyFramer();
        for (String r : REPLIES) {
            int n = f.frame(in);
            assertEquals(r.length(), n, r);
            in.skipBytes(n);
        }
        assertEquals(0, f.frame(in));
        in.release();
    }

    @Test
    void resumesAcrossEverySplit() throws Exception {
        for (String r : REPLIES) {
            for (int split = 1; split < r.length(); split++) {
                ReplyFramer f = new ReplyFramer();
                ByteBuf in = Unpooled.copiedBuffer(r.substring(0, split), StandardCharsets.ISO_8859_1);
                assertEquals(0, f.frame(in), r + " split " + split);
                in.writeBytes(r.substring(split).getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(r.length(), f.frame(in), r + " split " + split);
                in.release();
            }
        }
    }

    /**
     * Issue 12, finding 5: a reply is handed on in pieces as it arrives. Fed one byte at a time, and handing on
     * whatever {@link ReplyFramer#streamable} allows after each byte, the pieces of each reply add up to it exactly and
     * the next reply is framed where it starts.
     */
    @Test
    void streamsEveryReplyInPiecesThatAddUpToIt() throws Exception {
        StringBuilder all = new StringBuilder();
        for (String r : REPLIES) {
            all.append(r);
        }
        byte[] bytes = all.toString().getBytes(StandardCharsets.ISO_8859_1);
        ReplyFramer f = new ReplyFramer();
        ByteBuf in = Unpooled.buffer();
        StringBuilder current = new StringBuilder();
        int next = 0;
        for (byte b : bytes) {
            in.writeByte(b);
            int n = f.frame(in);
            if (n > 0) {
                current.append(in.readCharSequence(n, StandardCharsets.ISO_8859_1));
                assertEquals(REPLIES[next++], current.toString());
                current.setLength(0);
                continue;
            }
            int s = f.streamable(in);
            current.append(in.readCharSequence(s, StandardCharsets.ISO_8859_1));
            f.consumed(s);
        }
        assertEquals(REPLIES.length, next);
        in.release();
    }

    @Test
    void aBulkStringsContentMayGoBeforeItsEnd() throws Exception {
        ReplyFramer f = new ReplyFramer();
        ByteBuf in = Unpooled.copiedBuffer("*2\r\n$10\r\nabc", StandardCharsets.ISO_8859_1);
        assertEquals(0, f.frame(in));
        assertEquals(12, f.streamable(in), "all of it: the header lines and the content so far");
        in.skipBytes(12);
        f.consumed(12);
        in.writeBytes("defghij\r".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(0, f.frame(in));
        assertEquals(8, f.streamable(in), "the CR of the bulk's end too");
        in.skipBytes(8);
        f.consumed(8);
        in.writeBytes("\n:1".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(0, f.frame(in));
        assertEquals(1, f.streamable(in), "not the start of the incomplete integer");
        in.skipBytes(1);
        f.consumed(1);
        in.writeBytes("2\r\n+x".getBytes(StandardCharsets.ISO_8859_1));
        assertEquals(5, f.frame(in), ":12 ends the reply");
        in.release();
    }

    @Test
    void rejectsNonResp() {
        // the last three: RESP3's streamed strings and aggregates, which Redis does not send
        for (String bad : new String[] {"?huh\r\n", "!-1\r\n", "$?\r\n;3\r\nabc\r\n;0\r\n", "*?\r\n:1\r\n.\r\n",
            ";3\r\nabc\r\n"}) {
            ByteBuf in = Unpooled.copiedBuffer(bad, StandardCharsets.ISO_8859_1);
            assertThrows(RespProtocolException.class, () -> new ReplyFramer().frame(in), bad);
            in.release();
        }
    }

    /** Issue 12, finding 5: a reply over 2 GB overflowed an int; it is refused as malformed instead. */
    @Test
    void aReplyTooLargeForOneBufferIsRefused() {
        for (String header : new String[] {"$3000000000\r\n", "*2\r\n$2147483570\r\n", "$2147483584\r\n",
            "$9223372036854775807\r\n", "$99999999999999999999\r\n", "*99999999999999999999\r\n"}) {
            ByteBuf b = Unpooled.copiedBuffer(header, StandardCharsets.US_ASCII);
            try {
                ReplyFramer f = new ReplyFramer();
                assertThrows(RespProtocolException.class, () -> f.frame(b), header);
            } finally {
                b.release();
            }
        }
    }
}
