package io.redissidecar.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.cluster.MergedRequest.Merge;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A client request split into parts: the parts are completed as a backend connection completes them (a range of
 * one input buffer holding all their replies), and the client's entry gets the merged reply. Replies in the table
 * are written with {@code ~} for CRLF.
 */
class MergedRequestTest {
    private static final String GET_FRAME = "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";

    private static final class FakeSession implements ReplyOwner {
        final List<InFlight> ready = new ArrayList<>();
        boolean active = true;

        @Override
        public void replyReady(InFlight e) {
            ready.add(e);
        }

        @Override
        public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        }

        @Override
        public void redirect(InFlight e, HostPort target, boolean ask) {
        }

        @Override
        public boolean isActive() {
            return active;
        }
    }

    private final FakeSession session = new FakeSession();
    private final InFlight client = new InFlight(session, null, 0);
    private final List<ByteBuf> allocated = new ArrayList<>();

    @AfterEach
    void everythingReleased() {
        for (ByteBuf b : allocated) {
            assertEquals(0, b.refCnt(), "a request frame or reply buffer is still referenced");
        }
    }

    private static String crlf(String s) {
        return s.replace("~", "\r\n");
    }

    private ByteBuf buf(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
        allocated.add(b);
        return b;
    }

    /** A merged request with {@code n} parts, each with a frame already written (as a backend would). */
    private MergedRequest request(Merge merge, int n, List<InFlight> parts) {
        MergedRequest m = new MergedRequest(session, ByteBufAllocator.DEFAULT, client, merge, n);
        for (int i = 0; i < n; i++) {
            ByteBuf frame = buf(GET_FRAME);
            InFlight p = m.part(frame, i, true);
            assertSame(m, p.owner, "a part's replies go to the merged request");
            assertEquals(2, frame.refCnt(), "the part keeps its request bytes for a retry");
            p.dropFrame(); // written: the channel released the frame
            parts.add(p);
        }
        return m;
    }

    /**
     * Completes {@code parts} in the order {@code order} with {@code replies} (by part index), all of them ranges of
     * one input buffer, as one backend read would deliver them.
     */
    private void complete(List<InFlight> parts, List<String> replies, int... order) {
        StringBuilder all = new StringBuilder();
        int[] offsets = new int[replies.size()];
        for (int i = 0; i < replies.size(); i++) {
            offsets[i] = all.length();
            all.append(replies.get(i));
        }
        ByteBuf in = buf(all.toString());
        for (int i : order) {
            parts.get(i).completeRange(in, offsets[i], replies.get(i).length());
        }
        in.release(); // the read ends: only the parts' references remain, and the merge releases those
    }

    private static int[] inOrder(int n) {
        int[] o = new int[n];
        for (int i = 0; i < n; i++) {
            o[i] = i;
        }
        return o;
    }

    /** The client's merged reply as text; its buffer is released. */
    private String clientReply() {
        assertEquals(List.of(client), session.ready, "the client entry is completed once");
        assertTrue(client.isDone());
        assertFalse(client.isRange(), "the merged reply is a buffer of its own");
        ByteBuf b = client.takeReply();
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    static Stream<Arguments> merges() {
        Consumer<MergedRequest> none = m -> { };
        return Stream.of(
            Arguments.of("MGET per key: elements in key order, nils kept", Merge.ELEMENTS, none,
                List.of("*1~$1~a~", "*1~$-1~", "*1~$2~bc~"), "*3~$1~a~$-1~$2~bc~"),
            Arguments.of("MSET per key: +OK from every part", Merge.ALL_OK, none,
                List.of("+OK~", "+OK~"), "+OK~"),
            Arguments.of("DEL per key: the sum", Merge.SUM, none,
                List.of(":1~", ":0~", ":2~"), ":3~"),
            Arguments.of("KEYS on every master: one array after the other", Merge.CONCAT, none,
                List.of("*2~$1~a~$1~b~", "*0~", "*1~$3~cde~"), "*3~$1~a~$1~b~$3~cde~"),
            Arguments.of("RANDOMKEY: the first key that is not nil", Merge.FIRST_NOT_NIL, none,
                List.of("$-1~", "$1~k~", "$1~j~"), "$1~k~"),
            Arguments.of("RANDOMKEY on empty masters: nil", Merge.FIRST_NOT_NIL, none,
                List.of("$-1~", "$-1~"), "$-1~"),
            Arguments.of("SCRIPT LOAD on every master: the same answer", Merge.SAME, none,
                List.of("$3~abc~", "$3~abc~"), "$3~abc~"),
            Arguments.of("SCRIPT EXISTS: 1 only where every master has it", Merge.AND, none,
                List.of("*3~:1~:0~:1~", "*3~:1~:1~:0~"), "*3~:1~:0~:0~"),
            Arguments.of("SCAN: master 1 of 3 has more: its cursor shifted", Merge.SCAN,
                (Consumer<MergedRequest>) m -> {
                    m.scanMaster = 1;
                    m.scanMasters = 3;
                },
                List.of("*2~$2~17~*1~$1~a~"), "*2~$4~4353~*1~$1~a~"),
            Arguments.of("SCAN: master 1 of 3 done: the next master from 0", Merge.SCAN,
                (Consumer<MergedRequest>) m -> {
                    m.scanMaster = 1;
                    m.scanMasters = 3;
                },
                List.of("*2~$1~0~*0~"), "*2~$1~2~*0~"),
            Arguments.of("SCAN: the last master done: cursor 0", Merge.SCAN,
                (Consumer<MergedRequest>) m -> {
                    m.scanMaster = 2;
                    m.scanMasters = 3;
                },
                List.of("*2~$1~0~*1~$1~z~"), "*2~$1~0~*1~$1~z~"),
            Arguments.of("INFO: the proxy's section before the master's text", Merge.INFO,
                (Consumer<MergedRequest>) m -> m.infoPrefix = crlf("# Proxy~a:1~~").getBytes(StandardCharsets.UTF_8),
                List.of("$9~# Redis~~"), "$25~# Proxy~a:1~~# Redis~~"),
            Arguments.of("the first error stands for the whole reply", Merge.SUM, none,
                List.of(":1~", "-ERR first~", "-ERR second~"), "-ERR first~"),
            Arguments.of("an error stands even where nothing is summed", Merge.ELEMENTS, none,
                List.of("*1~$1~a~", "-MOVED 1 127.0.0.1:7001~"), "-MOVED 1 127.0.0.1:7001~"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("merges")
    void mergesThePartsReplies(String rule, Merge merge, Consumer<MergedRequest> setup, List<String> replies,
                               String expected) {
        List<InFlight> parts = new ArrayList<>();
        MergedRequest m = request(merge, replies.size(), parts);
        setup.accept(m);
        List<String> raw = replies.stream().map(MergedRequestTest::crlf).toList();
        complete(parts, raw, inOrder(raw.size()));
        assertEquals(crlf(expected), clientReply(), rule);
    }

    @Test
    void theClientWaitsForTheLastPart() {
        List<InFlight> parts = new ArrayList<>();
        request(Merge.SUM, 3, parts);
        ByteBuf in = buf(":1\r\n:2\r\n:3\r\n");
        parts.get(0).completeRange(in, 0, 4);
        parts.get(1).completeRange(in, 4, 4);
        assertTrue(session.ready.isEmpty(), "two parts of three: nothing for the client yet");
        assertFalse(client.isDone());
        parts.get(2).completeRange(in, 8, 4);
        in.release();
        assertEquals(":6\r\n", clientReply());
    }

    @Test
    void partsCompletingOutOfOrderStillMergeInPartOrder() {
        List<InFlight> parts = new ArrayList<>();
        request(Merge.ELEMENTS, 3, parts);
        complete(parts, List.of("*1\r\n$1\r\na\r\n", "*1\r\n$1\r\nb\r\n", "*1\r\n$1\r\nc\r\n"), 2, 0, 1);
        assertEquals("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", clientReply());
    }

    @Test
    void theFirstErrorInPartOrderStandsEvenIfItCameLast() {
        List<InFlight> parts = new ArrayList<>();
        request(Merge.ALL_OK, 3, parts);
        complete(parts, List.of("+OK\r\n", "-ERR one\r\n", "-ERR two\r\n"), 2, 0, 1);
        assertEquals("-ERR one\r\n", clientReply());
    }

    @Test
    void aPartAnsweredLocallyIsMergedLikeTheOthers() {
        List<InFlight> parts = new ArrayList<>();
        request(Merge.SUM, 2, parts);
        parts.get(0).completeLocally(buf(":4\r\n"));
        complete(parts.subList(1, 2), List.of(":5\r\n"), 0);
        assertEquals(":9\r\n", clientReply());
    }

    @Test
    void aPartThatGaveUpIsTheClientsError() {
        List<InFlight> parts = new ArrayList<>();
        request(Merge.SUM, 2, parts);
        complete(parts.subList(0, 1), List.of(":4\r\n"), 0);
        parts.get(1).completeLocally(buf("-ERR redis-sidecar: no master for slot 1\r\n"));
        assertEquals("-ERR redis-sidecar: no master for slot 1\r\n", clientReply());
    }

    @Test
    void aClientGoneReleasesEverythingAndGetsNothing() {
        List<InFlight> parts = new ArrayList<>();
        request(Merge.ELEMENTS, 2, parts);
        ByteBuf in = buf("*1\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n");
        parts.get(0).completeRange(in, 0, 11);
        session.active = false;
        parts.get(1).completeRange(in, 11, 11);
        in.release();
        assertTrue(session.ready.isEmpty(), "no reply for a client that is gone");
        assertFalse(client.isDone());
        for (InFlight p : parts) {
            assertNull(p.takeReply(), "every part's reply was released");
        }
        // the buffers' reference counts are checked after each test
    }

    @Test
    void aPartDroppedWithoutAReplyStillLetsTheOthersFinish() {
        List<InFlight> parts = new ArrayList<>();
        MergedRequest m = request(Merge.SUM, 2, parts);
        session.active = false; // the client went while part 0 waited to be retried
        m.dropped(parts.get(0));
        complete(parts.subList(1, 2), List.of(":1\r\n"), 0);
        assertTrue(session.ready.isEmpty());
    }
}
