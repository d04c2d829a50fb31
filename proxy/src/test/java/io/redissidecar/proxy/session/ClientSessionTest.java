package io.redissidecar.proxy.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.redissidecar.config.ConfigLoader;
import io.redissidecar.config.HostPort;
import io.redissidecar.config.Options;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.backend.BackendSettings;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.topology.NodeAccess;
import io.redissidecar.topology.NodeBreakers;
import io.redissidecar.topology.Topology;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ClientSession} against a scripted fake Redis, with no sockets: the proxy's listener, its backend connections,
 * the fake backend and the test clients are Netty local channels on one event loop. The test thread only hands work
 * to that loop and waits until the loop has nothing left to do ({@link #settle}), so every step is deterministic.
 */
class ClientSessionTest {
    private static final HostPort MASTER = new HostPort("127.0.0.1", 6390);
    private static final String DENY = Options.DEFAULT_DENY + ",keys";

    private EventLoopGroup group;
    private EventLoop loop;
    private FakeRedis redis;
    private LoopBackends backends;
    private ProxyContext px;
    private Channel backendServer;
    private Channel proxyServer;
    private final List<Client> clients = new ArrayList<>();
    private LocalAddress proxyAddress;

    // ---------------------------------------------------------------- the cases

    @Test
    void pipelinedRequestsLeaveAsOneRunAndRepliesComeBackInOrder() throws Exception {
        start();
        Client c = connect();
        c.send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n*2\r\n$3\r\nGET\r\n$1\r\nb\r\n");
        settle();
        assertEquals("$2\r\nva\r\n+OK\r\n$2\r\nvb\r\n", c.received());
        assertEquals(1, redis.connections().size());
        FakeRedis.Conn shared = redis.connection(0);
        assertEquals(List.of("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n"
                + "*2\r\n$3\r\nGET\r\n$1\r\nb\r\n"), shared.reads(), "one write of the three requests");
        assertEquals(List.of("GET a", "SET b 2", "GET b"), shared.commands());
    }

    @Test
    void clientsSharingAConnectionGetOnlyTheirOwnReplies() throws Exception {
        start();
        Client a = connect();
        Client b = connect();
        redis.hold(cmd -> true);
        onLoop(() -> {
            a.write("*2\r\n$3\r\nGET\r\n$2\r\na1\r\n");
            b.write("*2\r\n$3\r\nGET\r\n$2\r\nb1\r\n");
            a.write("*2\r\n$3\r\nGET\r\n$2\r\na2\r\n");
            b.write("*2\r\n$3\r\nGET\r\n$2\r\nb2\r\n");
        });
        settle();
        assertEquals(1, redis.connections().size(), "both clients on the one shared connection");
        FakeRedis.Conn shared = redis.connection(0);
        assertEquals(List.of("GET a1", "GET b1", "GET a2", "GET b2"), shared.commands());
        assertEquals("", a.received());
        assertEquals("", b.received());
        onLoop(() -> shared.releaseHeld()); // the four replies in one write: one read on the proxy's side
        settle();
        assertEquals(List.of("$3\r\nva1\r\n$3\r\nvb1\r\n$3\r\nva2\r\n$3\r\nvb2\r\n"), shared.written());
        assertEquals("$3\r\nva1\r\n$3\r\nva2\r\n", a.received());
        assertEquals("$3\r\nvb1\r\n$3\r\nvb2\r\n", b.received());
    }

    @Test
    void selectIsEmulatedAndSlippedInBeforeTheNextRequest() throws Exception {
        start();
        Client c = connect();
        c.send("*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n");
        settle();
        assertEquals("+OK\r\n", c.received());
        assertTrue(redis.connections().isEmpty(), "SELECT alone reaches no backend");
        c.send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
        settle();
        assertEquals("+OK\r\n$2\r\nva\r\n", c.received());
        assertEquals(List.of("SELECT 2", "GET a"), redis.connection(0).commands());
    }

    @Test
    void clientNameAndIdAreAnsweredByTheProxy() throws Exception {
        start();
        Client c = connect();
        c.send("*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n$3\r\napp\r\n"
                + "*2\r\n$6\r\nCLIENT\r\n$7\r\nGETNAME\r\n"
                + "*2\r\n$6\r\nclient\r\n$2\r\nid\r\n");
        settle();
        assertEquals("+OK\r\n$3\r\napp\r\n:1\r\n", c.received());
        assertTrue(redis.connections().isEmpty(), "nothing reaches the backend");
    }

    @Test
    void aTransactionGoesToAPrivateConnection() throws Exception {
        start();
        Client c = connect();
        c.send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n"
                + "*1\r\n$5\r\nMULTI\r\n"
                + "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n"
                + "*1\r\n$4\r\nEXEC\r\n"
                + "*2\r\n$3\r\nGET\r\n$1\r\nc\r\n");
        settle();
        assertEquals("$2\r\nva\r\n+OK\r\n+QUEUED\r\n*1\r\n+OK\r\n$2\r\nvc\r\n", c.received());
        assertEquals(2, redis.connections().size(), "a second backend connection for the transaction");
        assertEquals(List.of("GET a", "GET c"), redis.connection(0).commands());
        assertEquals(List.of("CLIENT ID", "MULTI", "SET b 2", "EXEC"), redis.connection(1).commands());
    }

    @Test
    void unknownAndDeniedCommandsAreAnsweredByTheProxy() throws Exception {
        start();
        Client c = connect();
        c.send("*2\r\n$3\r\nFOO\r\n$3\r\nbar\r\n");
        settle();
        assertEquals("-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n", c.received());
        c.send("*2\r\n$4\r\nKEYS\r\n$1\r\n*\r\n");
        settle();
        assertEquals("-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n"
                + "-ERR redis-sidecar: command 'keys' is refused by the proxy (deny-commands)\r\n", c.received());
        assertTrue(redis.connections().isEmpty(), "fail closed: neither reaches a backend");
    }

    @Test
    void aBlockingCommandWaitsForTheRepliesDueOnTheSharedConnection() throws Exception {
        start();
        Client c = connect();
        redis.hold(cmd -> cmd.get(0).equals("GET"));
        c.send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n*3\r\n$5\r\nBLPOP\r\n$1\r\nq\r\n$1\r\n0\r\n");
        settle();
        FakeRedis.Conn shared = redis.connection(0);
        assertEquals(List.of("GET a"), shared.commands());
        List<String> onPrivate = redis.connections().stream().skip(1).flatMap(k -> k.commands().stream())
                .collect(Collectors.toList());
        assertFalse(onPrivate.contains("BLPOP q 0"), "BLPOP must wait for GET's reply: " + onPrivate);
        assertEquals("", c.received());
        onLoop(shared::releaseHeld);
        settle();
        assertEquals(2, redis.connections().size());
        assertEquals(List.of("CLIENT ID", "BLPOP q 0"), redis.connection(1).commands());
        assertEquals("$2\r\nva\r\n*2\r\n$1\r\nq\r\n$1\r\nx\r\n", c.received());
    }

    @Test
    void malformedRequestClosesOnlyThatClient() throws Exception {
        start();
        Client bad = connect();
        Client good = connect();
        bad.send("*2\r\n$3\r\nGET\r\n$1\r\nb\r\n*1\r\n$x\r\n");
        settle();
        assertEquals("$2\r\nvb\r\n-ERR Protocol error: invalid bulk length\r\n", bad.received(),
                "the reply due first, then the error");
        assertFalse(call(() -> bad.channel.isActive()), "the client is closed");
        good.send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
        settle();
        assertEquals("$2\r\nva\r\n", good.received());
        assertTrue(call(() -> good.channel.isActive()));
        assertEquals(List.of("GET b", "GET a"), redis.connection(0).commands());
    }

    /** Issue 12, finding 5: a large reply's first bytes reach its client before its last have come. */
    @Test
    void aLargeReplyGoesToItsClientAsItArrives() throws Exception {
        start();
        Client c = connect();
        Client d = connect();
        redis.hold(cmd -> cmd.get(1).equals("big"));
        onLoop(() -> {
            c.write("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
            d.write("*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
        });
        settle();
        FakeRedis.Conn shared = redis.connection(0);
        assertEquals(List.of("GET big", "GET a"), shared.commands());
        String first = "$100000\r\n" + "x".repeat(70_000);
        onLoop(() -> shared.writeRaw(first));
        settle();
        assertEquals(first, c.received(), "the first 70,000 bytes went ahead");
        onLoop(() -> shared.writeRaw("y".repeat(30_000) + "\r\n$2\r\nva\r\n"));
        settle();
        assertEquals(first + "y".repeat(30_000) + "\r\n", c.received());
        assertEquals("$2\r\nva\r\n", d.received(), "the next reply framed where it starts");
    }

    /** A reply cut off after its first part went out: the client is closed, with no error inside the reply. */
    @Test
    void aStreamedReplyCutOffClosesItsClient() throws Exception {
        start();
        Client c = connect();
        redis.hold(cmd -> cmd.get(1).equals("big"));
        c.send("*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
        settle();
        FakeRedis.Conn shared = redis.connection(0);
        String first = "$100000\r\n" + "x".repeat(70_000);
        onLoop(() -> shared.writeRaw(first));
        settle();
        onLoop(() -> shared.channel.close());
        settle();
        assertEquals(first, c.received(), "nothing after the part that went");
        assertFalse(call(() -> c.channel.isActive()), "the client is closed");
    }

    @Test
    void requestsBeforeAuthAreRefused() throws Exception {
        start("--client-password", "s3cret");
        Client c = connect();
        c.send("*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
        settle();
        assertEquals("-NOAUTH Authentication required.\r\n", c.received());
        assertTrue(redis.connections().isEmpty(), "nothing reaches the backend");
        c.send("*2\r\n$4\r\nAUTH\r\n$6\r\ns3cret\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n");
        settle();
        assertEquals("-NOAUTH Authentication required.\r\n+OK\r\n$2\r\nva\r\n", c.received());
        assertEquals(List.of("GET a"), redis.connection(0).commands());
    }

    // ---------------------------------------------------------------- the scripted backend

    /** Redis's replies in these tests: GET k is "vk", and a few fixed answers. */
    private static String script(List<String> cmd) {
        String name = cmd.get(0).toUpperCase();
        return switch (name) {
            case "GET" -> bulk("v" + cmd.get(1));
            case "SET", "MULTI", "SELECT" -> "+OK\r\n";
            case "EXEC" -> "*1\r\n+OK\r\n";
            case "CLIENT" -> ":1000\r\n";
            case "BLPOP" -> "*2\r\n" + bulk(cmd.get(1)) + bulk("x");
            default -> "-ERR unknown command '" + cmd.get(0) + "', with args beginning with: "
                    + cmd.stream().skip(1).map(a -> "'" + a + "' ").collect(Collectors.joining()) + "\r\n";
        };
    }

    private static String bulk(String s) {
        return "$" + s.length() + "\r\n" + s + "\r\n";
    }

    /**
     * A fake Redis: records what each connection receives (each read as it came, and split into commands) and
     * answers from a script; inside MULTI it answers {@code +QUEUED}. The replies to one read leave in one write.
     * Commands matching {@link #hold} get no reply (nor does anything after them on that connection) until
     * {@link Conn#releaseHeld}. Runs on the loop.
     */
    static final class FakeRedis {
        private final Function<List<String>, String> script;
        private final List<Conn> conns = new ArrayList<>();
        private volatile Predicate<List<String>> hold = cmd -> false;

        FakeRedis(Function<List<String>, String> script) {
            this.script = script;
        }

        void hold(Predicate<List<String>> p) {
            hold = p;
        }

        synchronized List<Conn> connections() {
            return List.copyOf(conns);
        }

        Conn connection(int i) {
            List<Conn> all = connections();
            assertTrue(all.size() > i, "backend connection " + i + " of " + all.size());
            return all.get(i);
        }

        synchronized void accepted(Conn c) {
            conns.add(c);
        }

        final class Conn extends ChannelInboundHandlerAdapter {
            private final List<String> reads = new ArrayList<>();
            private final List<List<String>> commands = new ArrayList<>();
            private final List<String> written = new ArrayList<>();
            private final ArrayDeque<List<String>> held = new ArrayDeque<>();
            private final StringBuilder unparsed = new StringBuilder();
            private final StringBuilder out = new StringBuilder();
            private boolean inMulti;
            private Channel channel;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                channel = ctx.channel();
                accepted(this);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf in = (ByteBuf) msg;
                String s = in.toString(StandardCharsets.UTF_8);
                in.release();
                synchronized (this) {
                    reads.add(s);
                }
                unparsed.append(s);
                for (List<String> cmd; (cmd = Resp.parseCommand(unparsed)) != null; ) {
                    synchronized (this) {
                        commands.add(cmd);
                    }
                    if (!held.isEmpty() || hold.test(cmd)) {
                        held.add(cmd);
                    } else {
                        out.append(answer(cmd));
                    }
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                writeOut();
            }

            /** Writes {@code s} as it is (a reply in parts). */
            void writeRaw(String s) {
                out.append(s);
                writeOut();
            }

            /** Answers every held command, in one write. */
            void releaseHeld() {
                for (List<String> cmd; (cmd = held.poll()) != null; ) {
                    out.append(answer(cmd));
                }
                writeOut();
            }

            private String answer(List<String> cmd) {
                String name = cmd.get(0).toUpperCase();
                if (name.equals("MULTI")) {
                    inMulti = true;
                } else if (name.equals("EXEC") || name.equals("DISCARD")) {
                    inMulti = false;
                } else if (inMulti) {
                    return "+QUEUED\r\n";
                }
                return script.apply(cmd);
            }

            private void writeOut() {
                if (out.length() == 0) {
                    return;
                }
                String s = out.toString();
                out.setLength(0);
                synchronized (this) {
                    written.add(s);
                }
                channel.writeAndFlush(Unpooled.copiedBuffer(s, StandardCharsets.UTF_8));
            }

            synchronized List<String> reads() {
                return List.copyOf(reads);
            }

            /** The commands received, as space-separated arguments. */
            synchronized List<String> commands() {
                return commands.stream().map(c -> String.join(" ", c)).collect(Collectors.toList());
            }

            /** What this connection wrote, one entry per write. */
            synchronized List<String> written() {
                return List.copyOf(written);
            }
        }
    }

    /** The test's own minimal RESP request parser (arrays of bulk strings only). */
    static final class Resp {
        private Resp() {
        }

        /** Removes one complete command from the front of {@code b} and returns it; null when none is complete. */
        static List<String> parseCommand(StringBuilder b) {
            int[] pos = {0};
            String header = line(b, pos);
            if (header == null) {
                return null;
            }
            if (header.charAt(0) != '*') {
                throw new IllegalStateException("fake Redis expects arrays, got: " + header);
            }
            int n = Integer.parseInt(header.substring(1));
            List<String> args = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String len = line(b, pos);
                if (len == null) {
                    return null;
                }
                int l = Integer.parseInt(len.substring(1));
                if (b.length() < pos[0] + l + 2) {
                    return null;
                }
                args.add(b.substring(pos[0], pos[0] + l));
                pos[0] += l + 2;
            }
            b.delete(0, pos[0]);
            return args;
        }

        private static String line(StringBuilder b, int[] pos) {
            int end = b.indexOf("\r\n", pos[0]);
            if (end < 0) {
                return null;
            }
            String s = b.substring(pos[0], end);
            pos[0] = end + 2;
            return s;
        }
    }

    // ---------------------------------------------------------------- the clients

    /** A test client: what it receives is kept as text (buffers released at once). */
    final class Client extends ChannelInboundHandlerAdapter {
        private final StringBuilder received = new StringBuilder();
        Channel channel;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            synchronized (received) {
                received.append(in.toString(StandardCharsets.UTF_8));
            }
            in.release();
        }

        /** Writes {@code resp} to the proxy; on the loop. */
        void write(String resp) {
            channel.writeAndFlush(Unpooled.copiedBuffer(resp, StandardCharsets.UTF_8));
        }

        void send(String resp) throws Exception {
            onLoop(() -> write(resp));
        }

        String received() {
            synchronized (received) {
                return received.toString();
            }
        }
    }

    private Client connect() throws Exception {
        Client c = new Client();
        c.channel = new Bootstrap().group(loop).channel(LocalChannel.class).handler(c).connect(proxyAddress)
                .sync().channel();
        clients.add(c);
        settle();
        return c;
    }

    // ---------------------------------------------------------------- wiring

    /** The proxy in static mode in front of the fake Redis at {@link #MASTER}; {@code args} are extra options. */
    private void start(String... args) throws Exception {
        String[] all = Stream.concat(Stream.of("--mode", "static", "--backends", MASTER.toString(),
                "--backend-timeout-ms", "0", "--deny-commands", DENY), Stream.of(args)).toArray(String[]::new);
        SidecarConfig config = ConfigLoader.load(all, Map.of());
        px = new ProxyContext(config, CommandTable.load(config.denyCommands()), Topology.fixed(MASTER, "7.0.15", 16));
        group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        loop = group.next();
        String id = Long.toHexString(System.nanoTime());
        redis = new FakeRedis(ClientSessionTest::script);
        LocalAddress backendAddress = new LocalAddress("redis-" + id + "-" + MASTER);
        backendServer = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        ch.pipeline().addLast(redis.new Conn());
                    }
                }).bind(backendAddress).sync().channel();
        BackendSettings settings = new BackendSettings(NodeAccess.plain(config.backendUsername(), config.backendPassword()), null,
                config.backendConnections(), 0, config.replicationTimeoutMs(), new NodeBreakers(Duration.ofMillis(500)),
                config.backendTimeoutMs(), false, ProxyMetrics.disabled(), new ConcurrentHashMap<>());
        backends = new LoopBackends(loop, new Bootstrap().channel(LocalChannel.class), settings, node -> { },
                () -> null, node -> node.equals(MASTER) ? backendAddress : new LocalAddress("nowhere-" + node));
        proxyAddress = new LocalAddress("proxy-" + id);
        proxyServer = new ServerBootstrap().group(group).channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<LocalChannel>() {
                    @Override
                    protected void initChannel(LocalChannel ch) {
                        assertTrue(px.admit());
                        ch.pipeline().addLast(new ClientSession(px, backends));
                    }
                }).bind(proxyAddress).sync().channel();
    }

    @AfterEach
    void stop() throws Exception {
        if (group == null) {
            return;
        }
        onLoop(() -> {
            clients.forEach(c -> c.channel.close());
            backends.closeAll();
            proxyServer.close();
            backendServer.close();
        });
        settle();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Runs {@code r} on the loop and waits for it. */
    private void onLoop(Runnable r) throws Exception {
        loop.submit(r).get(5, TimeUnit.SECONDS);
    }

    private <T> T call(Callable<T> c) throws Exception {
        return loop.submit(c).get(5, TimeUnit.SECONDS);
    }

    /**
     * Waits until the loop has no task left: everything the last action set off (deliveries between local channels,
     * flush batches) has run. Nothing is scheduled for later in these tests (no backend timeout, no held retries).
     */
    private void settle() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!call(() -> ((SingleThreadEventExecutor) loop).pendingTasks() == 0)) {
            if (System.nanoTime() > deadline) {
                fail("the event loop did not settle");
            }
        }
    }
}
