package io.redissidecar.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.resolver.AddressResolver;
import io.netty.util.ReferenceCountUtil;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.NoopAddressResolver;
import io.netty.util.concurrent.EventExecutor;
import java.net.SocketAddress;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.topology.NodeAccess;
import io.redissidecar.topology.NodeBreakers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One backend connection against a scripted Redis: an {@link EmbeddedChannel} whose outbound side is what the proxy
 * sends and whose inbound side is what the test answers. The connection is opened through its own
 * {@code connect()}, with a bootstrap that hands out the embedded channel, so that closing it closes that channel.
 */
class BackendConnectionTest {
    private static final HostPort NODE = new HostPort("127.0.0.1", 7000);

    /**
     * An embedded channel that sends what is written only when it is flushed, and does not run the loop's pending
     * tasks on every write as the stock EmbeddedChannel does (both at the channel and at its unsafe): on a real event
     * loop the {@link FlushBatch} runs at the end of the iteration, not in the middle of the next write. Without
     * this, each write would flush the ones before it.
     */
    private static final class LoopChannel extends EmbeddedChannel {
        LoopChannel() {
            super(false, false, new HoldWrites()); // registered by the bootstrap, on the LoopBackends' loop
        }

        @Override
        public ChannelFuture write(Object msg, ChannelPromise promise) {
            return pipeline().write(msg, promise);
        }

        @Override
        public Channel flush() {
            pipeline().flush();
            return this;
        }
    }

    /** Keeps writes back from the channel's unsafe until a flush (see {@link LoopChannel}). */
    private static final class HoldWrites extends ChannelOutboundHandlerAdapter {
        private final ArrayDeque<Object[]> held = new ArrayDeque<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            held.add(new Object[] {msg, promise});
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // polled one by one: passing a write on runs the loop's tasks, which may flush again from inside
            for (Object[] w; (w = held.poll()) != null; ) {
                ctx.write(w[0], (ChannelPromise) w[1]);
            }
            ctx.flush();
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            for (Object[] w; (w = held.poll()) != null; ) {
                ReferenceCountUtil.release(w[0]);
            }
            ctx.close(promise);
        }
    }

    /**
     * No name resolution: the address is never used, and the stock resolver groups (even the no-op one) watch their
     * executor's termination, which the embedded loop does not support.
     */
    private static final AddressResolverGroup<SocketAddress> NO_RESOLUTION = new AddressResolverGroup<>() {
        @Override
        protected AddressResolver<SocketAddress> newResolver(EventExecutor executor) {
            return new NoopAddressResolver(executor);
        }

        @Override
        public AddressResolver<SocketAddress> getResolver(EventExecutor executor) {
            return newResolver(executor);
        }
    };

    /** Records what the connection tells the client. */
    private static final class FakeOwner implements ReplyOwner {
        final List<InFlight> ready = new ArrayList<>();
        final List<String> retries = new ArrayList<>();
        final List<String> redirects = new ArrayList<>();
        final List<InFlight> retried = new ArrayList<>();

        @Override
        public void replyReady(InFlight e) {
            ready.add(e);
        }

        @Override
        public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
            retried.add(e);
            retries.add("mayHaveRun=" + mayHaveRun + " " + reason);
        }

        @Override
        public void redirect(InFlight e, HostPort target, boolean ask) {
            retried.add(e);
            redirects.add(target + " ask=" + ask);
        }

        @Override
        public boolean isActive() {
            return true;
        }
    }

    private final EmbeddedChannel loopHolder = new EmbeddedChannel();
    private final LoopChannel ch = new LoopChannel();
    private final FakeOwner owner = new FakeOwner();
    private final List<HostPort> failures = new ArrayList<>();
    private final List<ByteBuf> allocated = new ArrayList<>();
    private BackendConnection conn;

    @AfterEach
    void releaseEverything() {
        for (InFlight e : owner.retried) {
            e.discard(); // the session would resend these: drop the kept request bytes
        }
        if (ch.isRegistered()) {
            ch.finishAndReleaseAll(); // closing fails what is still outstanding: those errors are released below
        }
        loopHolder.finishAndReleaseAll();
        for (InFlight e : owner.ready) {
            ByteBuf r = e.takeReply();
            if (r != null) {
                r.release();
            }
        }
        for (ByteBuf b : allocated) {
            assertEquals(0, b.refCnt(), "a buffer the test handed over is still referenced");
        }
    }

    private static BackendSettings settings(String password, int minReplicas) {
        return new BackendSettings(NodeAccess.plain(null, password), null, 1, minReplicas, 100, new NodeBreakers(Duration.ofSeconds(1)), 0,
                false, ProxyMetrics.disabled(), new ConcurrentHashMap<>());
    }

    private LoopBackends loop(BackendSettings s) {
        EventLoop el = loopHolder.eventLoop();
        Bootstrap b = new Bootstrap().channelFactory((io.netty.channel.ChannelFactory<Channel>) () -> ch)
                .resolver(NO_RESOLUTION);
        return new LoopBackends(el, b, s, failures::add, () -> null);
    }

    /** A connection opened with {@code s}, its connect-time commands (if any) already written and read back. */
    private BackendConnection open(BackendSettings s) {
        conn = new BackendConnection(NODE, loop(s), null, 2);
        conn.connect();
        ch.runPendingTasks();
        return conn;
    }

    private BackendConnection open() {
        return open(settings(null, 0));
    }

    /** RESP multibulk for a command, built independently of the main code's encoder. */
    private static String cmd(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString();
    }

    private ByteBuf buf(String s) {
        ByteBuf b = Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
        allocated.add(b);
        return b;
    }

    private InFlight request(String... args) {
        return new InFlight(owner, buf(cmd(args)), -1);
    }

    /** A request whose bytes are kept, so that it may be sent again ({@code canResend()}). */
    private InFlight resendable(String... args) {
        ByteBuf frame = buf(cmd(args));
        InFlight e = new InFlight(owner, frame, -1);
        e.keepRequest(frame, frame.readerIndex(), frame.readableBytes());
        return e;
    }

    /** A resendable request routed by hash slot (cluster mode): redirections are followed for it. */
    private InFlight clusterRouted(String... args) {
        InFlight e = resendable(args);
        e.slot = 1;
        return e;
    }

    /** Everything flushed to the backend so far, as text; the written buffers are released. */
    private String written() {
        StringBuilder sb = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            sb.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return sb.toString();
    }

    /** The backend answers {@code text} in one read. */
    private ByteBuf answer(String text) {
        ByteBuf b = buf(text);
        ch.writeInbound(b);
        return b;
    }

    /** The reply delivered for {@code e}, as text; the reference it held is released. */
    private static String reply(InFlight e) {
        assertTrue(e.isDone(), "the entry is not done");
        ByteBuf b = e.takeReply();
        try {
            return e.isRange() ? b.toString(e.replyOffset(), e.replyLength(), StandardCharsets.UTF_8)
                    : b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    // ---------------------------------------------------------------- order and framing

    @Test
    void writesInOrderAndMatchesRepliesFifo() {
        open();
        InFlight a = request("GET", "a");
        InFlight b = request("GET", "b");
        InFlight c = request("GET", "c");
        conn.send(a);
        conn.send(b);
        conn.send(c);
        assertEquals("", written(), "nothing leaves before the end of the loop iteration");
        ch.runPendingTasks();
        assertEquals(cmd("GET", "a") + cmd("GET", "b") + cmd("GET", "c"), written());
        assertEquals(3, conn.pending());

        ByteBuf twoInOne = answer("$2\r\nva\r\n:42\r\n"); // two replies in one read
        assertEquals(List.of(a, b), owner.ready);
        assertTrue(a.isRange(), "a reply read from the backend is a range of its input buffer");
        assertEquals(0, a.replyOffset());
        assertEquals(8, a.replyLength());
        assertEquals(8, b.replyOffset());
        assertEquals("$2\r\nva\r\n", reply(a));
        assertEquals(":42\r\n", reply(b));
        assertEquals(0, twoInOne.refCnt(), "the input is released once its replies are taken");

        answer("$5\r\nhel"); // a reply split across two reads
        assertEquals(2, owner.ready.size(), "half a reply is not delivered");
        answer("lo\r\n");
        assertEquals(List.of(a, b, c), owner.ready);
        assertEquals("$5\r\nhello\r\n", reply(c));
        assertEquals(0, conn.pending());
        assertTrue(conn.isUsable());
    }

    @Test
    void selectsTheDatabaseOnlyWhenItChanges() {
        open();
        InFlight a = new InFlight(owner, buf(cmd("GET", "a")), 3);
        InFlight b = new InFlight(owner, buf(cmd("GET", "b")), 3);
        conn.send(a);
        conn.send(b);
        ch.runPendingTasks();
        assertEquals(cmd("SELECT", "3") + cmd("GET", "a") + cmd("GET", "b"), written());
        answer("+OK\r\n$1\r\nx\r\n$1\r\ny\r\n");
        assertEquals(List.of(a, b), owner.ready, "the SELECT's own reply is not delivered to anyone");
        assertEquals("$1\r\nx\r\n", reply(a));
        assertEquals("$1\r\ny\r\n", reply(b));

        InFlight c = new InFlight(owner, buf(cmd("GET", "c")), 0);
        conn.send(c);
        ch.runPendingTasks();
        assertEquals(cmd("SELECT", "0") + cmd("GET", "c"), written(), "back to database 0");
        answer("+OK\r\n:1\r\n");
        assertEquals(":1\r\n", reply(c));
    }

    // ---------------------------------------------------------------- connect-time AUTH

    @Test
    void authenticatesFirstAndARefusalClosesWithAnErrorNamingIt() {
        open(settings("secret", 0));
        InFlight a = request("SET", "k", "v");
        conn.send(a);
        ch.runPendingTasks();
        assertEquals(cmd("AUTH", "secret") + cmd("SET", "k", "v"), written());

        ByteBuf refusal = answer("-ERR invalid password\r\n");
        assertFalse(conn.isUsable());
        assertFalse(ch.isOpen(), "the channel is closed");
        assertEquals(List.of(NODE), failures, "a topology check is asked for");
        assertEquals(List.of(a), owner.ready);
        String err = reply(a);
        assertTrue(err.startsWith("-ERR redis-sidecar: "), err);
        assertTrue(err.contains("refused the proxy (ERR invalid password)"), err);
        assertTrue(err.contains("may or may not have run"), err);
        assertEquals(0, refusal.refCnt());

        InFlight late = request("GET", "k");
        conn.send(late);
        assertTrue(reply(late).contains("refused the proxy"), "later requests fail with the same reason");
    }

    @Test
    void anAcceptedAuthIsNotDeliveredToAnyone() {
        open(settings("secret", 0));
        assertEquals(cmd("AUTH", "secret"), written());
        answer("+OK\r\n");
        assertTrue(conn.isUsable());
        assertEquals(0, conn.pending());
        assertTrue(owner.ready.isEmpty());
    }

    // ---------------------------------------------------------------- replies that prove the command did not run

    @Test
    void movedRedirectsAResendableRequest() {
        open();
        InFlight e = clusterRouted("GET", "a");
        conn.send(e);
        ch.runPendingTasks();
        written();
        answer("-MOVED 1 127.0.0.1:7001\r\n");
        assertEquals(List.of("127.0.0.1:7001 ask=false"), owner.redirects);
        assertTrue(owner.ready.isEmpty());
        assertEquals(List.of(NODE), failures, "MOVED means the slot map is stale: a refresh is asked for");
        assertTrue(conn.isUsable());
    }

    @Test
    void askRedirectsAResendableRequestWithAsking() {
        open();
        InFlight e = clusterRouted("GET", "a");
        conn.send(e);
        ch.runPendingTasks();
        written();
        answer("-ASK 1 127.0.0.1:7001\r\n");
        assertEquals(List.of("127.0.0.1:7001 ask=true"), owner.redirects);
        assertTrue(owner.ready.isEmpty());
        assertTrue(failures.isEmpty(), "ASK is a migration in progress, not a stale map");
    }

    @Test
    void aRedirectionOutsideClusterModeIsTheReply() {
        open();
        InFlight e = resendable("GET", "a"); // slot -1: static or sentinel mode
        conn.send(e);
        ch.runPendingTasks();
        written();
        answer("-MOVED 1 127.0.0.1:7001\r\n");
        assertTrue(owner.redirects.isEmpty(), "only cluster-routed requests follow a redirection");
        assertEquals(1, owner.ready.size());
        assertTrue(failures.isEmpty());
        owner.ready.forEach(InFlight::discard);
    }

    @Test
    void aScriptsErrorIsItsReplyNeverASignal() {
        open();
        for (String err : new String[] {"-MOVED 1 127.0.0.1:7001", "-ASK 1 127.0.0.1:7001", "-TRYAGAIN x",
            "-READONLY x", "-LOADING x", "-UNBLOCKED x"}) {
            InFlight e = clusterRouted("EVAL", "return 1", "0");
            e.script = true;
            conn.send(e);
            ch.runPendingTasks();
            written();
            answer(err + "\r\n");
            assertTrue(owner.redirects.isEmpty() && owner.retries.isEmpty(), err);
        }
        assertEquals(6, owner.ready.size(), "each script's error is delivered as its reply");
        assertTrue(failures.isEmpty(), "and is no node failure");
        assertTrue(conn.isUsable());
        owner.ready.forEach(InFlight::discard);
    }

    @Test
    void aRedirectionForARequestThatCannotBeResentIsItsReply() {
        open();
        InFlight moved = request("GET", "a");
        InFlight ask = request("GET", "b");
        conn.send(moved);
        conn.send(ask);
        ch.runPendingTasks();
        written();
        answer("-MOVED 1 127.0.0.1:7001\r\n-ASK 1 127.0.0.1:7001\r\n");
        assertTrue(owner.redirects.isEmpty());
        assertEquals(List.of(moved, ask), owner.ready);
        assertEquals("-MOVED 1 127.0.0.1:7001\r\n", reply(moved));
        assertEquals("-ASK 1 127.0.0.1:7001\r\n", reply(ask));
    }

    @Test
    void readonlyRetriesAsNotRunAndRetiresTheConnection() {
        open();
        InFlight e = resendable("SET", "k", "v");
        conn.send(e);
        ch.runPendingTasks();
        written();
        answer("-READONLY You can't write against a read only replica.\r\n");
        assertEquals(1, owner.retries.size());
        assertTrue(owner.retries.get(0).startsWith("mayHaveRun=false "), owner.retries.get(0));
        assertTrue(owner.retries.get(0).contains("READONLY"), owner.retries.get(0));
        assertTrue(owner.ready.isEmpty());
        assertFalse(conn.isUsable(), "the node is no master: the connection is retired");
        assertFalse(ch.isOpen(), "nothing else was outstanding: it is closed at once");
    }

    @Test
    void anOrdinaryErrorIsDelivered() {
        open();
        InFlight e = resendable("INCR", "k");
        conn.send(e);
        ch.runPendingTasks();
        written();
        answer("-ERR x\r\n");
        assertEquals(List.of(e), owner.ready);
        assertEquals("-ERR x\r\n", reply(e));
        assertTrue(owner.retries.isEmpty());
        assertTrue(conn.isUsable());
    }

    // ---------------------------------------------------------------- replicated durability

    @Test
    void aWritesReplyWaitsForItsWait() {
        open(settings(null, 1));
        InFlight w = request("SET", "k", "v");
        w.write = true;
        conn.send(w);
        ch.runPendingTasks();
        assertEquals(cmd("SET", "k", "v") + cmd("WAIT", "1", "100"), written());

        answer("+OK\r\n");
        assertTrue(owner.ready.isEmpty(), "the write's reply is held until the WAIT answers");
        assertFalse(w.isDone());
        answer(":1\r\n");
        assertEquals(List.of(w), owner.ready);
        assertEquals("+OK\r\n", reply(w));
        assertEquals(0, conn.pending());
    }

    @Test
    void aWriteNotConfirmedByItsWaitIsAnError() {
        open(settings(null, 1));
        InFlight w = request("SET", "k", "v");
        w.write = true;
        InFlight r = request("GET", "k"); // a read in the same batch: not held
        conn.send(w);
        conn.send(r);
        ch.runPendingTasks();
        assertEquals(cmd("SET", "k", "v") + cmd("GET", "k") + cmd("WAIT", "1", "100"), written());

        ByteBuf in = answer("+OK\r\n$1\r\nv\r\n:0\r\n");
        assertEquals(List.of(r, w), owner.ready, "the read goes at once, the write after its WAIT");
        assertEquals("$1\r\nv\r\n", reply(r));
        String err = reply(w);
        assertTrue(err.startsWith("-ERR redis-sidecar: write not confirmed by 1 replica(s)"), err);
        assertTrue(err.contains("WAIT answered 0"), err);
        assertEquals(0, in.refCnt(), "the held reply was released when the error replaced it");
    }

    // ---------------------------------------------------------------- lost connection

    @Test
    void aLostIdempotentRequestIsRetriedAsMayHaveRun() {
        open();
        InFlight e = resendable("GET", "a");
        e.idempotent = true;
        conn.send(e);
        ch.runPendingTasks();
        written();
        ch.close();
        assertEquals(1, owner.retries.size());
        assertTrue(owner.retries.get(0).startsWith("mayHaveRun=true "), owner.retries.get(0));
        assertTrue(owner.retries.get(0).contains("lost"), owner.retries.get(0));
        assertTrue(owner.ready.isEmpty());
        assertFalse(conn.isUsable());
        assertEquals(List.of(NODE), failures);
    }

    @Test
    void aLostNonIdempotentRequestIsAnErrorThatSaysItMayHaveRun() {
        open();
        InFlight e = resendable("INCR", "k");
        conn.send(e);
        ch.runPendingTasks();
        written();
        ch.pipeline().fireChannelInactive();
        assertTrue(owner.retries.isEmpty());
        assertEquals(List.of(e), owner.ready);
        String err = reply(e);
        assertTrue(err.contains("lost before the reply; the command may or may not have run"), err);
    }

    @Test
    void anUnsentRequestIsRetriedAsNotRunWhenTheConnectionFailsWhileConnecting() {
        conn = new BackendConnection(NODE, loop(settings(null, 0)), null, 2);
        InFlight e = resendable("INCR", "k"); // not idempotent: safe to resend only because it never left
        conn.send(e);
        assertEquals(1, conn.pending());
        // still connecting: the handler sits in a channel that never became active, which then goes
        loopHolder.pipeline().addLast(conn);
        loopHolder.pipeline().fireChannelInactive();
        assertEquals(1, owner.retries.size());
        assertTrue(owner.retries.get(0).startsWith("mayHaveRun=false "), owner.retries.get(0));
        assertSame(e, owner.retried.get(0));
        assertFalse(e.hasFrame(), "the unsent frame is released");
        assertFalse(conn.isUsable());
        loopHolder.pipeline().remove(conn);
    }

    // ---------------------------------------------------------------- protocol faults and flushing

    @Test
    void aReplyNobodyAskedForClosesTheConnection() {
        open();
        ByteBuf stray = answer("+OK\r\n");
        assertFalse(conn.isUsable());
        assertFalse(ch.isOpen());
        assertEquals(List.of(NODE), failures);
        assertEquals(0, stray.refCnt());

        InFlight late = request("GET", "a");
        conn.send(late);
        assertTrue(reply(late).contains("out of step"));
    }

    @Test
    void moreThan16KbInOneIterationIsFlushedEarly() {
        open();
        String value = "x".repeat(1000);
        List<InFlight> sent = new ArrayList<>();
        int bytes = 0;
        while (bytes < 16 * 1024) {
            assertNull(ch.outboundMessages().peek(), "flushed before 16 KB were written (" + bytes + " bytes)");
            InFlight e = request("SET", "k", value);
            bytes += cmd("SET", "k", value).length();
            conn.send(e);
            sent.add(e);
        }
        int early = ch.outboundMessages().size();
        assertEquals(sent.size(), early, "everything written so far leaves before the iteration ends");
        conn.send(request("GET", "k"));
        assertEquals(early, ch.outboundMessages().size(), "what follows waits for the end of the iteration");
        ch.runPendingTasks();
        assertEquals(early + 1, ch.outboundMessages().size());
        written();
    }
}
