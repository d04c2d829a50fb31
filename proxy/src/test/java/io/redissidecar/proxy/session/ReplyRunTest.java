package io.redissidecar.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ReplyRunTest {

    private static ByteBuf read(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void adjacentRepliesOfOneReadBecomeOneSliceHoldingOneReference() {
        ByteBuf in = read("+OK\r\n:1\r\n$3\r\nbar\r\n");
        ReplyRun run = new ReplyRun();
        assertNull(run.add(in.retain(), 0, 5));
        assertNull(run.add(in.retain(), 5, 4));
        assertNull(run.add(in.retain(), 9, 9));
        assertEquals(2, in.refCnt(), "the caller's reference and the one the run keeps of the three");
        ByteBuf slice = run.take();
        assertEquals("+OK\r\n:1\r\n$3\r\nbar\r\n", slice.toString(StandardCharsets.US_ASCII));
        assertNull(run.take());
        slice.release();
        in.release();
        assertEquals(0, in.refCnt());
    }

    @Test
    void aGapOrAnotherBufferEndsTheRun() {
        ByteBuf a = read("+A\r\n+B\r\n+C\r\n");
        ByteBuf b = read("+D\r\n");
        ReplyRun run = new ReplyRun();
        assertNull(run.add(a.retain(), 0, 4));
        ByteBuf first = run.add(a.retain(), 8, 4); // +B belongs to another client: not adjacent
        assertEquals("+A\r\n", first.toString(StandardCharsets.US_ASCII));
        ByteBuf second = run.add(b.retain(), 0, 4);
        assertEquals("+C\r\n", second.toString(StandardCharsets.US_ASCII));
        ByteBuf third = run.take();
        assertEquals("+D\r\n", third.toString(StandardCharsets.US_ASCII));
        first.release();
        second.release();
        third.release();
        a.release();
        b.release();
        assertEquals(0, a.refCnt());
        assertEquals(0, b.refCnt());
    }
}
