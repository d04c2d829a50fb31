package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.redissidecar.config.HostPort;
import io.redissidecar.topology.NodeState;
import io.redissidecar.topology.SlotMap;
import io.redissidecar.proxy.routing.SlotHash;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.FlushBatch;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.Handling;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.routing.ReplicaChoice;
import io.redissidecar.proxy.routing.Route;
import io.redissidecar.proxy.routing.Router;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One client connection: frames its requests, routes each (see {@link Router}), sends it on a backend connection
 * of the same event loop, and writes the replies back in the client's request order. It also keeps the
 * connection state Redis would keep per connection (database, name, transaction, subscriptions).
 *
 * <p>Ordering: a client's requests all go to one backend connection at a time. Before it switches (shared to
 * private, or to a new master) it waits until every reply from the previous connection is in (a barrier), so
 * that Redis sees the client's commands in the order the client sent them.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter
        implements ReplyOwner, FlushBatch.Flushable, LoopBackends.Drainable, Router.State {

    private static final int PAUSE_PENDING = 1;
    private static final int PAUSE_CLIENT_UNWRITABLE = 2;
    private static final int PAUSE_BACKEND_UNWRITABLE = 4;
    private static final int PAUSE_BARRIER = 8;
    private static final int PAUSE_RETRY = 16;
    private static final byte[] GET = "get".getBytes();
    /** A harmless replicated write (PUBLISH to a channel of the proxy's own) that moves a connection's offset. */
    private static final ByteBuf WAIT_MARKER = Unpooled.unreleasableBuffer(Replies.command(
            io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, "PUBLISH", "__redis-sidecar__:wait", "").asReadOnly());
    /** Commands that may write without Redis's write flag: replicated durability confirms them too. */
    private static final Set<String> SCRIPTED = Set.of("exec", "eval", "evalsha", "fcall");
    private static final byte[] INCR = "incr".getBytes();

    private final ProxyContext px;
    private final ProxyMetrics metrics;
    private final io.redissidecar.proxy.metrics.LoopCounters counters;
    // metrics: the command being dispatched and when its read arrived (0 with metrics off)
    private CommandInfo curCmd;
    private long dispatchNanos;
    private boolean dispatching;
    private final LoopBackends backends;
    private final RequestFramer framer;
    private final ArrayDeque<InFlight> replies = new ArrayDeque<>();
    // failover: requests waiting for a master to be retried on, in their original order
    private final ArrayDeque<InFlight> retryQueue = new ArrayDeque<>();
    private final Runnable retryTask = this::retryTick;
    private final Runnable masterMoved = this::masterMoved;
    private boolean retryScheduled;
    private int retryBackoffMs;
    // pub/sub: what the client is subscribed to, to subscribe again on a new master
    private final Set<String> channels = new LinkedHashSet<>();
    private final Set<String> patterns = new LinkedHashSet<>();
    private final Set<String> shardChannels = new LinkedHashSet<>();
    private boolean resubscribeNeeded;
    private long resubscribeDeadline;
    private int swallow;
    final long id;
    final long createdAtMillis = System.currentTimeMillis();
    private ChannelHandlerContext ctx;
    private ByteBuf cumulation;
    private int inflight;
    private BackendConnection lastTarget;
    private BackendConnection home;
    private BackendConnection priv;
    // --read-from: the replica this client reads from, and the topology snapshot that choice was made on
    private BackendConnection readConn;
    private HostPort readChoice;
    private Map<HostPort, NodeState> readNodesSeen;
    private Map<HostPort, HostPort> clusterReadChoice;
    private int pauses;
    // the run of consecutive requests to one connection not yet written: [runStart, runStart + runLength) of cumulation
    private BackendConnection runTarget;
    private int runStart;
    private int runLength;
    private int runDb;
    private boolean closing;
    private boolean active;
    private boolean flushQueued;
    private boolean drainQueued;
    private final ReplyRun replyRun = new ReplyRun();

    // connection state Redis keeps per connection
    int db;
    byte[] name;
    boolean authed;
    private boolean inMulti;
    private boolean watching;
    private boolean txDirty;
    private boolean passthrough;
    private boolean awaitingReset;

    // cluster mode (see the README's cluster section)
    private final boolean cluster;
    private final Router.Slots slots;
    /** The slot of the request being dispatched (0 for keyless requests), and the slot the private connection serves. */
    private int curSlot = -1;
    private int privSlot;
    /** The slot map the client's requests in flight were routed with: while it holds, they may go to several nodes. */
    private SlotMap sentWith;
    private boolean lastTargetShared;
    /** The node a transaction or WATCH is pinned to; MULTI answered by the proxy until its first command. */
    private HostPort txNode;
    private boolean multiPending;
    /** Sharded pub/sub: the node that dropped the client's shard channels because their slot moved away. */
    private HostPort shardMovedFrom;
    private static final byte[] SUNSUBSCRIBE_PUSH = "*3\r\n$12\r\nsunsubscribe\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf ASKING = Unpooled.unreleasableBuffer(Replies.command(
            io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, "ASKING").asReadOnly());
    private static final ByteBuf MULTI = Unpooled.unreleasableBuffer(Replies.command(
            io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, "MULTI").asReadOnly());
    private static final ByteBuf EMPTY_ARRAY = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("*0\r\n",
            StandardCharsets.US_ASCII).asReadOnly());
    private static final String CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";

    public ClientSession(ProxyContext px, LoopBackends backends) {
        this.px = px;
        this.metrics = px.metrics();
        this.counters = metrics.counters(backends.eventLoop());
        this.backends = backends;
        this.framer = new RequestFramer(px.config().maxBulkLength(), px.config().maxMultibulkLength(),
                px.config().maxInlineLength());
        this.id = px.nextClientId();
        this.authed = px.config().clientPassword() == null;
        this.cluster = px.config().mode() == io.redissidecar.config.Mode.CLUSTER;
        this.slots = cluster ? new Router.Slots() : null;
    }

    // ---------------------------------------------------------------- Netty events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.active = true;
        px.register(this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (closing || !active) {
            in.release();
            return;
        }
        metrics.bytesIn(counters, in.readableBytes());
        cumulation = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(),
                cumulation, in);
        process();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            resume(PAUSE_CLIENT_UNWRITABLE);
        } else {
            pause(PAUSE_CLIENT_UNWRITABLE);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && inflight == 0 && !passthrough && replies.isEmpty()) {
            ctx.close(); // Redis "timeout": idle clients with nothing in flight are closed; subscribers are not
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        active = false;
        px.unregister(this);
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        framer.reset();
        for (InFlight e : retryQueue) {
            if (e.owner instanceof MergedRequest m) {
                m.dropped(e);
            } else {
                e.discard();
            }
        }
        retryQueue.clear();
        for (InFlight e : replies) {
            if (e.isDone()) {
                e.discard();
            }
        }
        // entries still on a backend connection are released as their replies arrive (isActive() is false now)
        backends.removeMasterListener(masterMoved);
        if (priv != null) {
            BackendConnection p = priv;
            priv = null;
            p.close(); // Redis drops the private connection's MULTI, WATCH and subscriptions with it
        }
    }

    // ---------------------------------------------------------------- request path

    private void process() {
        ByteBuf cum = cumulation;
        // the requests of one read arrived together: one clock reading serves them all (metrics)
        dispatchNanos = metrics.enabled() ? System.nanoTime() : 0;
        try {
            while (pauses == 0 && !closing && cum != null && cum.isReadable()) {
                if (replies.size() >= px.maxPending()) {
                    pause(PAUSE_PENDING);
                    break;
                }
                int consumed;
                try {
                    consumed = framer.frame(cum, ctx.alloc());
                } catch (RespProtocolException e) {
                    protocolError(e.getMessage());
                    break;
                }
                if (consumed == 0) {
                    break;
                }
                if (framer.argc() == 0) {
                    cum.skipBytes(consumed);
                    continue;
                }
                dispatching = true;
                boolean dispatched;
                try {
                    dispatched = dispatch(consumed);
                } finally {
                    dispatching = false;
                }
                if (!dispatched) {
                    framer.reset(); // stalled at a barrier: the request stays in the buffer and is framed again
                    break;
                }
                cum.skipBytes(consumed);
            }
        } finally {
            flushRun();
            if (cumulation != null && !cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            }
        }
    }

    /** Writes the pending run of requests (one slice of the input buffer) to its connection. */
    private void flushRun() {
        BackendConnection t = runTarget;
        if (t != null) {
            runTarget = null;
            t.sendRun(cumulation.retainedSlice(runStart, runLength));
        }
    }

    /** Handles the framed request; false when it must wait (barrier) and stays unconsumed. */
    private boolean dispatch(int consumed) {
        ByteBuf buf = framer.frameBuffer();
        int argc = framer.argc();
        CommandInfo cmd = px.commands().lookup(buf, framer.argOffset(0), framer.argLength(0));
        if (cmd != null && cmd.subcommands() != null && argc >= 2) {
            cmd = cmd.subcommands().lookup(buf, framer.argOffset(1), framer.argLength(1));
        }
        if (cmd != null && !cmd.arityOk(argc)) {
            cmd = null; // Redis answers with its own wrong-arity error
        }
        curCmd = cmd;
        if (!authed && !(cmd != null && Emulator.allowedBeforeAuth(cmd))) {
            return local(Replies.error(ctx.alloc(), "NOAUTH Authentication required."));
        }
        Route route = Router.route(cmd, framer, this, slots);
        if (cluster) {
            curSlot = Math.max(0, slots.slot());
        }
        switch (route) {
            case SHARED -> {
                boolean read = px.readFromReplicas() && cmd != null && cmd.has(CommandInfo.READONLY);
                BackendConnection c = cluster
                        ? (read ? clusterReadConnection(curSlot) : clusterConnection(curSlot))
                        : (read ? readConnection() : homeConnection());
                return c == null ? hold(consumed, cmd, false) : forward(c, consumed, cmd);
            }
            case PRIVATE -> {
                if (cluster) {
                    Boolean done = clusterPrivate(consumed, cmd);
                    if (done != null) {
                        return done;
                    }
                }
                BackendConnection c = privateConnection();
                if (c == null) {
                    return hold(consumed, cmd, true);
                }
                boolean sent = forward(c, consumed, cmd);
                if (cluster) {
                    txNode = (inMulti || watching) && priv != null ? priv.node() : null;
                }
                return sent;
            }
            case PASSTHROUGH -> {
                if (cluster && !passthrough) {
                    boolean shard = cmd != null && cmd.name().startsWith("s") && slots.slot() >= 0;
                    privSlot = shard ? slots.slot() : 0;
                }
                return passthroughRequest(consumed, cmd);
            }
            case SPLIT -> {
                return split(cmd);
            }
            case FAN_OUT -> {
                return fanOut(consumed, cmd);
            }
            case CROSSSLOT -> {
                return refuse(CROSSSLOT);
            }
            case INFO -> {
                return info(consumed, cmd);
            }
            case LOCAL -> {
                return emulate(cmd);
            }
            case DENIED -> {
                return refuse("ERR redis-sidecar: command '" + cmd.name() + "' is refused by the proxy "
                        + "(deny-commands)");
            }
            case UNSUPPORTED -> {
                return refuse("ERR redis-sidecar: command '" + cmd.name() + "' is not supported through the "
                        + "proxy (it changes how a shared connection replies)");
            }
            case NOT_IN_MULTI -> {
                return refuse("ERR redis-sidecar: command '" + cmd.name() + "' is not supported inside MULTI");
            }
            default -> throw new IllegalStateException(route.toString());
        }
    }

    private boolean forward(BackendConnection target, int consumed, CommandInfo cmd) {
        boolean shared = target != priv;
        if (stopsAtBarrier(target, shared)) {
            return false;
        }
        if (cmd != null && cmd.name().equals("wait") && target == priv) {
            // WAIT counts replicas that have this connection's last write; the client's writes went over its shared
            // connection (all answered: the barrier above), so first give this connection a replicated write of its
            // own, after them: then WAIT covers the client's writes (and possibly others', which is conservative)
            flushRun();
            target.sendInternal(Replies.of(WAIT_MARKER));
        }
        InFlight e = newEntry(consumed, cmd, target == priv);
        if (cmd != null && cmd.handling() == Handling.TRANSACTION) {
            transactionStateAfter(cmd, e);
        }
        replies.add(e);
        inflight++;
        lastTarget = target;
        lastTargetShared = shared;
        if (e.hasFrame() || framer.isInline()) {
            // a request of its own (re-encoded inline, or replaced): it leaves alone, after any pending run
            flushRun();
            if (!e.hasFrame()) {
                e.setFrame(framer.frameBuffer().retainedDuplicate());
            }
            target.send(e);
        } else {
            int start = framer.frameStart();
            if (runTarget != target || runDb != db || runStart + runLength != start) {
                flushRun();
                runTarget = target;
                runStart = start;
                runLength = 0;
                runDb = db;
            }
            runLength += consumed;
            target.send(e); // its bytes leave with the run
        }
        if (!target.isWritable()) {
            target.addWriteWaiter(this);
            pause(PAUSE_BACKEND_UNWRITABLE);
        }
        return true;
    }

    /**
     * Whether the request must wait until the client's requests in flight are answered before it goes to
     * {@code target} (the ordering barrier). A client's requests go to one connection at a time; in cluster mode,
     * requests on shared connections may go to several nodes at once as long as the slot map they were routed with
     * holds (requests for one key always meet on one connection then). When it must, the client stops being read
     * (PAUSE_BARRIER) until they are.
     */
    private boolean stopsAtBarrier(BackendConnection target, boolean shared) {
        if (inflight == 0 || target == lastTarget) {
            if (cluster && shared) {
                sentWith = px.topology().slots();
            }
            return false;
        }
        if (cluster && shared && lastTargetShared && sentWith == px.topology().slots()) {
            return false;
        }
        pause(PAUSE_BARRIER);
        return true;
    }

    /**
     * A new entry for the framed request. Its bytes are kept for a retry when failover holding is on and the request
     * is not part of a transaction (whose state dies with its connection): see the README's retry table.
     */
    private InFlight newEntry(int consumed, CommandInfo cmd, boolean privateRoute) {
        InFlight e = new InFlight(this, null, db);
        tag(e);
        e.slot = cluster ? curSlot : -1;
        e.privateRoute = privateRoute;
        e.write = cmd != null && (cmd.has(CommandInfo.WRITE) || SCRIPTED.contains(cmd.name()));
        e.readRoute = px.readFromReplicas() && !privateRoute && cmd != null && cmd.has(CommandInfo.READONLY)
                && !inMulti && !watching;
        boolean transactional = inMulti || watching || (cmd != null && cmd.handling() == Handling.TRANSACTION);
        if (px.holdNanos() > 0 && cmd != null && !transactional) {
            e.idempotent = idempotent(cmd);
            e.keepRequest(framer.frameBuffer(), framer.frameStart(), framer.frameLength(consumed));
        }
        return e;
    }

    /** The command table's verdict, less the options that make a write depend on what was there (SET GET, ZADD INCR). */
    private boolean idempotent(CommandInfo cmd) {
        if (!cmd.idempotent()) {
            return false;
        }
        byte[] unsafe = cmd.name().equals("set") ? GET : cmd.name().equals("zadd") ? INCR : null;
        if (unsafe != null) {
            for (int i = 3; i < framer.argc(); i++) {
                if (framer.argEqualsIgnoreCase(i, unsafe)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** No master is known: the request waits (in order) for one, up to failover-hold-ms. */
    private boolean hold(int consumed, CommandInfo cmd, boolean privateRoute) {
        if (px.holdNanos() == 0) {
            return noMaster();
        }
        InFlight e = newEntry(consumed, cmd, privateRoute);
        if (!e.canResend()) {
            return noMaster(); // transactional: cannot wait
        }
        replies.add(e);
        inflight++;
        retry(e, null, "no master known", false);
        return true;
    }

    private void transactionStateAfter(CommandInfo cmd, InFlight e) {
        switch (cmd.name()) {
            case "multi" -> inMulti = true;
            case "watch" -> watching = !inMulti || watching;
            case "unwatch" -> watching = inMulti && watching;
            case "exec", "discard" -> {
                if (inMulti && txDirty && cmd.name().equals("exec")) {
                    // a command was refused at queueing time: abort like Redis does, and tell the client so
                    e.substitute(Replies.command(ctx.alloc(), "DISCARD"), Replies.of(Replies.EXECABORT));
                }
                if (inMulti) {
                    inMulti = false;
                    watching = false;
                    txDirty = false;
                }
            }
            default -> {
            }
        }
    }

    private ByteBuf forwardFrame(int consumed) {
        ByteBuf buf = framer.frameBuffer();
        return framer.isInline() ? buf.retainedDuplicate() : buf.retainedSlice(framer.frameStart(), consumed);
    }

    private boolean passthroughRequest(int consumed, CommandInfo cmd) {
        BackendConnection c = privateConnection();
        if (c == null) {
            return noMaster();
        }
        if (inflight > 0 && c != lastTarget) {
            pause(PAUSE_BARRIER);
            return false;
        }
        if (!passthrough) {
            passthrough = true;
            c.setPassthrough(true);
        }
        flushRun();
        lastTarget = c;
        if (cmd != null && cmd.handling() == Handling.PUBSUB) {
            trackSubscriptions(cmd.name());
        }
        metrics.request(counters, cmd, ProxyMetrics.OK); // pass-through: Redis's replies are not matched to requests
        c.sendPassthrough(forwardFrame(consumed));
        if (cmd != null && cmd.name().equals("reset")) {
            awaitingReset = true; // nothing more is sent until Redis confirms, so replies stay in order
            pause(PAUSE_BARRIER);
        } else if (cmd != null && cmd.name().equals("quit")) {
            closing = true; // Redis answers +OK and closes; the client is closed with it
        }
        if (!c.isWritable()) {
            c.addWriteWaiter(this);
            pause(PAUSE_BACKEND_UNWRITABLE);
        }
        return true;
    }

    private void trackSubscriptions(String command) {
        Set<String> set = switch (command) {
            case "subscribe", "unsubscribe" -> channels;
            case "psubscribe", "punsubscribe" -> patterns;
            default -> shardChannels;
        };
        boolean add = !command.contains("unsub");
        if (!add && framer.argc() == 1) {
            set.clear();
            return;
        }
        for (int i = 1; i < framer.argc(); i++) {
            String name = new String(framer.argBytes(i), StandardCharsets.ISO_8859_1);
            if (add) {
                set.add(name);
            } else {
                set.remove(name);
            }
        }
    }

    private boolean emulate(CommandInfo cmd) {
        switch (cmd.name()) {
            case "quit" -> {
                closeAfterReplies(Replies.of(Replies.OK));
                return true;
            }
            case "reset" -> {
                if (inflight > 0) {
                    pause(PAUSE_BARRIER);
                    return false;
                }
                if (priv != null && (inMulti || watching)) {
                    BackendConnection p = priv;
                    priv = null;
                    p.close();
                }
                resetState();
                return local(Replies.of(Replies.RESET));
            }
            default -> {
                return local(Emulator.reply(this, cmd, framer, ctx.alloc(), px));
            }
        }
    }

    private void resetState() {
        channels.clear();
        patterns.clear();
        shardChannels.clear();
        db = 0;
        name = null;
        inMulti = false;
        watching = false;
        txDirty = false;
        authed = px.config().clientPassword() == null;
    }

    private boolean refuse(String message) {
        if (inMulti) {
            txDirty = true;
        }
        metrics.request(counters, curCmd, ProxyMetrics.REFUSED);
        enqueueLocal(InFlight.local(Replies.error(ctx.alloc(), message)));
        return true;
    }

    /** Marks an entry of the request being dispatched for the request metrics (counted when its reply is written). */
    private void tag(InFlight e) {
        if (dispatchNanos != 0) {
            e.cmd = curCmd;
            e.cmdClass = ProxyMetrics.classOf(curCmd);
            e.startNanos = dispatchNanos;
            e.metered = true;
        }
    }

    private boolean noMaster() {
        return local(Replies.error(ctx.alloc(), "ERR redis-sidecar: no master available ("
                + px.topology().whyNoMaster() + ")"));
    }

    private boolean local(ByteBuf reply) {
        InFlight e = InFlight.local(reply);
        if (dispatching) {
            tag(e);
        }
        enqueueLocal(e);
        return true;
    }

    private void enqueueLocal(InFlight e) {
        replies.add(e);
        drainReplies();
    }

    private void protocolError(String message) {
        framer.reset();
        closeAfterReplies(Replies.error(ctx.alloc(), "ERR " + message));
    }

    /** Reads no more; writes the replies still due, then {@code last}, then closes the client. */
    private void closeAfterReplies(ByteBuf last) {
        InFlight e = InFlight.local(last);
        e.closeAfter = true;
        closing = true;
        enqueueLocal(e);
    }

    private BackendConnection homeConnection() {
        HostPort m = px.topology().master();
        if (m == null) {
            return null;
        }
        BackendConnection h = home;
        if (h == null || (h.node() != m && !h.node().equals(m)) || !h.isUsable()) {
            h = backends.pool(m).shared(); // null while the master's circuit is open: the request is held
            home = h;
        }
        return h;
    }

    /**
     * The connection for a read-only command under --read-from: a replica within max-replica-lag-ms (the same one
     * while it stays eligible, so a client's reads keep their order), or the master as the policy allows; null when
     * the policy has no node to offer (the read is held).
     */
    private BackendConnection readConnection() {
        HostPort node = readNode();
        if (node == null) {
            return null;
        }
        HostPort m = px.topology().master();
        if (node.equals(m)) {
            return homeConnection();
        }
        BackendConnection r = readConn;
        if (r == null || !r.node().equals(node) || !r.isUsable()) {
            r = backends.pool(node).shared();
            readConn = r;
        }
        return r;
    }

    private HostPort readNode() {
        Map<HostPort, NodeState> nodes = px.topology().nodes();
        if (nodes != readNodesSeen || readChoice == null) { // choose again when the topology snapshot changes
            readNodesSeen = nodes;
            readChoice = ReplicaChoice.choose(nodes, px.topology().master(), px.config().readFrom(),
                    px.config().maxReplicaLagMs(), readChoice, id);
        }
        return readChoice;
    }

    private BackendConnection privateConnection() {
        BackendConnection p = priv;
        return p != null && p.isUsable() ? p : openPrivate(privateNode());
    }

    /** A new private connection to {@code node} (null: no node, or its circuit is open), kept as the client's. */
    private BackendConnection openPrivate(HostPort node) {
        if (node == null) {
            return null;
        }
        BackendConnection p = backends.pool(node).openPrivate(this);
        if (p != null) {
            priv = p;
            backends.addMasterListener(masterMoved);
        }
        return p;
    }

    /** Where the private connection goes: the master, or in cluster mode the owner of {@link #privSlot}. */
    private HostPort privateNode() {
        return cluster ? clusterOwner(privSlot) : px.topology().master();
    }

    // ---------------------------------------------------------------- cluster mode

    private HostPort clusterOwner(int slot) {
        SlotMap map = px.topology().slots();
        return map == null ? null : map.owner(slot);
    }

    /** The client's shared connection to the owner of {@code slot}; null while the slot has none (held). */
    private BackendConnection clusterConnection(int slot) {
        SlotMap map = px.topology().slots();
        int i = map == null ? -1 : map.ownerIndex(slot);
        return i < 0 ? null : backends.masterPool(map, i).sharedFor(id);
    }

    /**
     * Cluster mode, --read-from: a replica of the slot's master within max-replica-lag-ms (the same one while it
     * stays eligible), or the master as the policy allows; null when there is none (held).
     */
    private BackendConnection clusterReadConnection(int slot) {
        SlotMap map = px.topology().slots();
        HostPort master = map == null ? null : map.owner(slot);
        if (master == null) {
            return null;
        }
        Map<HostPort, NodeState> nodes = px.topology().nodes();
        if (nodes != readNodesSeen || clusterReadChoice == null) {
            readNodesSeen = nodes;
            clusterReadChoice = new java.util.HashMap<>();
        }
        HostPort choice = clusterReadChoice.get(master);
        if (choice == null) {
            choice = ReplicaChoice.choose(nodes, java.util.Arrays.asList(map.replicas(slot)), master,
                    px.config().readFrom(), px.config().maxReplicaLagMs(), null, id);
            if (choice == null) {
                return null;
            }
            clusterReadChoice.put(master, choice);
        }
        return backends.pool(choice).sharedFor(id);
    }

    /**
     * Cluster mode, private route (transactions, WATCH, blocking commands): pins a transaction to the node of its
     * first key (MULTI itself is answered by the proxy until then), refuses keys of other nodes inside it with
     * CROSSSLOT, and moves the private connection to the node a blocking command's key lives on. Returns null to
     * go on with the common private route, or the dispatch result.
     */
    private Boolean clusterPrivate(int consumed, CommandInfo cmd) {
        String n = cmd == null ? "" : cmd.name();
        if (multiPending) {
            switch (n) {
                case "exec", "discard" -> {
                    boolean abort = txDirty && n.equals("exec");
                    multiPending = false;
                    inMulti = false;
                    watching = false;
                    txDirty = false;
                    txNode = null;
                    return local(abort ? Replies.of(Replies.EXECABORT)
                            : n.equals("exec") ? Replies.of(EMPTY_ARRAY) : Replies.of(Replies.OK));
                }
                case "multi" -> {
                    return local(Replies.error(ctx.alloc(), "ERR MULTI calls can not be nested"));
                }
                case "watch" -> {
                    txDirty = true;
                    return local(Replies.error(ctx.alloc(), "ERR WATCH inside MULTI is not allowed"));
                }
                default -> {
                }
            }
        } else if (n.equals("multi") && !watching && !inMulti) {
            inMulti = true;
            multiPending = true;
            return local(Replies.of(Replies.OK));
        }
        HostPort owner = clusterOwner(curSlot);
        if (txNode != null) {
            if (slots.slot() >= 0 && owner != null && !owner.equals(txNode)) {
                return refuse(CROSSSLOT);
            }
            return null; // the pinned connection
        }
        if (owner == null) {
            if (inMulti) {
                return refuse("CLUSTERDOWN Hash slot not served");
            }
            privSlot = curSlot;
            return null; // held like any request without an owner, then sent to the slot's owner
        }
        BackendConnection p = priv;
        if (p != null && p.isUsable() && !p.node().equals(owner) && !passthrough) {
            if (inflight > 0) {
                pause(PAUSE_BARRIER);
                return false;
            }
            priv = null;
            p.close(); // nothing in flight on it: move the private connection to the key's node
        }
        privSlot = curSlot;
        if (multiPending) {
            BackendConnection c = privateConnection();
            if (c == null) {
                return refuse("CLUSTERDOWN Hash slot not served");
            }
            if (stopsAtBarrier(c, false)) {
                return false;
            }
            flushRun();
            c.sendInternal(Replies.of(MULTI)); // the client had its +OK when it sent MULTI
            multiPending = false;
            txNode = c.node();
            return forward(c, consumed, cmd);
        }
        return null;
    }

    /** Cluster mode: a multi-key command whose keys lie in several slots, as one request per key, merged. */
    private boolean split(CommandInfo cmd) {
        if (stopsAtBarrier(null, true)) {
            return false;
        }
        String n = cmd.name();
        boolean pairs = n.equals("mset");
        MergedRequest.Merge merge = switch (n) {
            case "mget" -> MergedRequest.Merge.ELEMENTS;
            case "mset" -> MergedRequest.Merge.ALL_OK;
            default -> MergedRequest.Merge.SUM;
        };
        int keys = slots.keyCount();
        InFlight client = new InFlight(this, null, db);
        tag(client);
        MergedRequest m = new MergedRequest(this, client, merge, keys);
        ByteBuf buf = framer.frameBuffer();
        byte[] name = cmd.nameBytes();
        InFlight[] parts = new InFlight[keys];
        for (int i = 0; i < keys; i++) {
            int k = slots.keyArg(i);
            ByteBuf f = ctx.alloc().buffer(32 + framer.argLength(k) + (pairs ? framer.argLength(k + 1) : 0));
            Replies.writeArrayHeader(f, pairs ? 3 : 2);
            Replies.writeBulk(f, name);
            Replies.writeBulk(f, buf, framer.argOffset(k), framer.argLength(k));
            if (pairs) {
                Replies.writeBulk(f, buf, framer.argOffset(k + 1), framer.argLength(k + 1));
            }
            int slot = SlotHash.slot(buf, framer.argOffset(k), framer.argLength(k));
            parts[i] = m.part(f, slot, true); // MGET, EXISTS read; MSET, DEL, UNLINK, TOUCH leave the same data twice
            parts[i].write = !n.equals("mget") && !n.equals("exists");
        }
        sendParts(client, parts);
        return true;
    }

    /** Cluster mode: a command for every master (merged), or SCAN on the master its cursor names. */
    private boolean fanOut(int consumed, CommandInfo cmd) {
        SlotMap map = px.topology().slots();
        if (map == null || map.masters().isEmpty()) {
            return hold(consumed, cmd, false);
        }
        if (stopsAtBarrier(null, true)) {
            return false;
        }
        String n = cmd.name();
        InFlight client = new InFlight(this, null, db);
        tag(client);
        java.util.List<HostPort> masters = map.masters();
        if (n.equals("scan")) {
            return scan(client, map);
        }
        MergedRequest.Merge merge = switch (n) {
            case "keys" -> MergedRequest.Merge.CONCAT;
            case "dbsize" -> MergedRequest.Merge.SUM;
            case "randomkey" -> MergedRequest.Merge.FIRST_NOT_NIL;
            case "script|exists" -> MergedRequest.Merge.AND;
            default -> MergedRequest.Merge.SAME;
        };
        MergedRequest m = new MergedRequest(this, client, merge, masters.size());
        InFlight[] parts = new InFlight[masters.size()];
        boolean idempotent = cmd.idempotent();
        for (int i = 0; i < parts.length; i++) {
            ByteBuf f = forwardFrame(consumed);
            parts[i] = m.part(f, map.firstSlot(masters.get(i)), idempotent);
            parts[i].write = cmd.has(CommandInfo.WRITE);
        }
        sendParts(client, parts);
        return true;
    }

    private boolean scan(InFlight client, SlotMap map) {
        long cursor;
        try {
            cursor = Long.parseUnsignedLong(new String(framer.argBytes(1), StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return local(Replies.error(ctx.alloc(), "ERR invalid cursor"));
        }
        java.util.List<HostPort> masters = map.masters();
        int master = ScanCursor.master(cursor);
        if (master >= masters.size()) {
            return local(Replies.error(ctx.alloc(), "ERR invalid cursor"));
        }
        ByteBuf f = ctx.alloc().buffer(64 + framer.frameLength(0));
        Replies.writeArrayHeader(f, framer.argc());
        Replies.writeBulk(f, "SCAN".getBytes(StandardCharsets.US_ASCII));
        Replies.writeBulk(f, Long.toUnsignedString(ScanCursor.backend(cursor)).getBytes(StandardCharsets.US_ASCII));
        for (int i = 2; i < framer.argc(); i++) {
            Replies.writeBulk(f, framer.frameBuffer(), framer.argOffset(i), framer.argLength(i));
        }
        MergedRequest m = new MergedRequest(this, client, MergedRequest.Merge.SCAN, 1);
        m.scanMaster = master;
        m.scanMasters = masters.size();
        sendParts(client, new InFlight[] {m.part(f, map.firstSlot(masters.get(master)), true)});
        return true;
    }

    private static final byte[][] PROXY_SECTIONS = {"proxy".getBytes(), "all".getBytes(), "everything".getBytes(),
        "default".getBytes()};

    /**
     * INFO: the proxy's {@code # Proxy} section (when no section is named, or proxy, all, everything or default is),
     * followed by the master's INFO; {@code INFO proxy} alone is answered by the proxy.
     */
    private boolean info(int consumed, CommandInfo cmd) {
        boolean withProxy = framer.argc() == 1;
        boolean onlyProxy = framer.argc() > 1;
        for (int i = 1; i < framer.argc(); i++) {
            boolean proxySection = framer.argEqualsIgnoreCase(i, PROXY_SECTIONS[0]);
            for (byte[] p : PROXY_SECTIONS) {
                withProxy |= framer.argEqualsIgnoreCase(i, p);
            }
            onlyProxy &= proxySection;
        }
        String section = withProxy ? px.infoSection() + "\r\n" : "";
        if (onlyProxy) {
            return local(Replies.bulk(ctx.alloc(), section.getBytes(StandardCharsets.UTF_8)));
        }
        int slot = 0;
        BackendConnection c = cluster ? clusterConnection(slot) : homeConnection();
        if (c == null) {
            return hold(consumed, cmd, false);
        }
        if (stopsAtBarrier(c, true)) {
            return false;
        }
        InFlight client = new InFlight(this, null, db);
        tag(client);
        MergedRequest m = new MergedRequest(this, client, MergedRequest.Merge.INFO, 1);
        m.infoPrefix = section.getBytes(StandardCharsets.UTF_8);
        ByteBuf f = forwardFrame(consumed);
        sendParts(client, new InFlight[] {m.part(f, slot, true)});
        return true;
    }

    /** Queues the client's entry for a merged request and sends its parts (held parts wait for their slot's owner). */
    private void sendParts(InFlight client, InFlight[] parts) {
        flushRun();
        replies.add(client);
        inflight++;
        lastTargetShared = true;
        for (InFlight p : parts) {
            BackendConnection c = cluster ? clusterConnection(p.slot) : homeConnection();
            if (c == null) {
                p.dropFrame();
                retry(p, null, "no master owns slot " + p.slot, false);
                continue;
            }
            lastTarget = c;
            c.send(p);
            if (!c.isWritable()) {
                c.addWriteWaiter(this);
                pause(PAUSE_BACKEND_UNWRITABLE);
            }
        }
    }

    @Override
    public void redirect(InFlight e, HostPort target, boolean ask) {
        if (!active) {
            if (e.owner == this) {
                inflight--;
            }
            e.discard();
            return;
        }
        if (++e.redirects > 5) {
            e.completeLocally(Replies.error(ctx.alloc(), "ERR redis-sidecar: too many redirections (last to "
                    + target + "); the command was not run"));
            return;
        }
        px.redirected(ask);
        metrics.request(counters, e.cmd, ProxyMetrics.REDIRECTED);
        e.redirectTo = target;
        e.asking = ask;
        retry(e, null, (ask ? "ASK " : "MOVED ") + target, false);
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    // ---------------------------------------------------------------- reply path

    @Override
    public void replyReady(InFlight e) {
        inflight--;
        retryBackoffMs = 0; // a reply came: connections work again
        if (!active) {
            e.discard(); // client gone
            return;
        }
        if (drainQueued) {
            return;
        }
        if (backends.deferDrain(this)) {
            drainQueued = true; // drained when the backend read that completed it ends
            return;
        }
        drain();
    }

    @Override
    public void drain() {
        drainQueued = false;
        drainReplies();
        if (inflight == 0 && !awaitingReset && (pauses & PAUSE_BARRIER) != 0) {
            resume(PAUSE_BARRIER);
        }
    }

    private void drainReplies() {
        boolean wrote = false;
        long bytes = 0;
        ReplyRun run = replyRun;
        for (InFlight e; (e = replies.peek()) != null && e.isDone(); ) {
            replies.poll();
            if (!active) {
                e.discard();
                continue;
            }
            if (e.isRange()) {
                ByteBuf b = e.takeReply();
                if (e.metered) {
                    metrics.answered(counters, e.cmd, b.getByte(e.replyOffset()) == '-', e.cmdClass, e.startNanos,
                            completedAt(e));
                }
                bytes += e.replyLength();
                ByteBuf ended = run.add(b, e.replyOffset(), e.replyLength());
                if (ended != null) {
                    ctx.write(ended, ctx.voidPromise());
                }
                wrote = true;
                continue;
            }
            ByteBuf ended = run.take();
            if (ended != null) {
                ctx.write(ended, ctx.voidPromise());
            }
            ByteBuf r = e.takeReply();
            if (e.metered && r.isReadable()) {
                metrics.answered(counters, e.cmd, r.getByte(r.readerIndex()) == '-', e.cmdClass, e.startNanos,
                        completedAt(e));
            }
            bytes += r.readableBytes();
            if (e.closeAfter) {
                ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                active = false;
                continue;
            }
            ctx.write(r, ctx.voidPromise());
            wrote = true;
        }
        ByteBuf ended = run.take();
        if (ended != null) {
            ctx.write(ended, ctx.voidPromise());
        }
        if (bytes > 0) {
            metrics.bytesOut(counters, bytes);
        }
        if (wrote && active && !flushQueued) {
            flushQueued = true;
            backends.flushBatch().add(this);
        }
        if ((pauses & PAUSE_PENDING) != 0 && replies.size() <= px.maxPending() / 2) {
            resume(PAUSE_PENDING);
        }
    }

    /** When {@code e}'s reply was complete: the loop's last backend read, or now for replies made by the proxy. */
    private long completedAt(InFlight e) {
        long t = backends.replyReadNanos;
        return t >= e.startNanos ? t : System.nanoTime();
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        if (ctx.channel().isOpen()) {
            ctx.flush();
        }
    }

    @Override
    public void passthrough(ByteBuf frame) {
        if (cluster && active && isServerSunsubscribe(frame)) {
            // the slot of the client's shard channels moved to another master: Redis unsubscribed the client by
            // itself; the proxy hides that and subscribes again on the new owner
            frame.release();
            BackendConnection p = priv;
            if (p != null && shardMovedFrom == null) {
                shardMovedFrom = p.node();
                backends.requestTopologyCheck(p.node());
                p.retire();
            }
            return;
        }
        if (!active || swallow > 0) {
            if (swallow > 0 && --swallow == 0) { // confirmations of a re-subscription the client already had
                px.resubscribed();
            }
            frame.release();
            return;
        }
        if (awaitingReset && isReset(frame)) {
            awaitingReset = false;
            passthrough = false;
            if (priv != null) {
                priv.setPassthrough(false);
            }
            resetState();
            enqueueLocal(InFlight.local(frame));
            resume(PAUSE_BARRIER);
            return;
        }
        enqueueLocal(InFlight.local(frame));
    }

    /** A {@code sunsubscribe} push for a shard channel the client did not unsubscribe from (it still has it). */
    private boolean isServerSunsubscribe(ByteBuf f) {
        int r = f.readerIndex();
        int n = SUNSUBSCRIBE_PUSH.length;
        if (f.readableBytes() <= n || shardChannels.isEmpty()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (f.getByte(r + i) != SUNSUBSCRIBE_PUSH[i]) {
                return false;
            }
        }
        if (f.getByte(r + n) != '$') {
            return false;
        }
        int lenEnd = f.indexOf(r + n, f.writerIndex(), (byte) '\r');
        int len = Integer.parseInt(f.toString(r + n + 1, lenEnd - r - n - 1, StandardCharsets.US_ASCII));
        String channel = f.toString(lenEnd + 2, len, StandardCharsets.ISO_8859_1);
        return shardChannels.contains(channel);
    }

    private static boolean isReset(ByteBuf f) {
        return f.readableBytes() == 8 && f.getByte(f.readerIndex()) == '+' && f.getByte(f.readerIndex() + 1) == 'R';
    }

    @Override
    public void privateConnectionLost(BackendConnection c) {
        if (c != priv) {
            return;
        }
        priv = null;
        if (active && passthrough && px.holdNanos() > 0 && !awaitingReset && !closing) {
            // subscribed: subscribe again on the master (the same node back, or a new one), then carry on
            if (!resubscribeNeeded) {
                resubscribeDeadline = System.nanoTime() + px.holdNanos();
            }
            resubscribeNeeded = true;
            swallow = 0;
            pause(PAUSE_RETRY);
            scheduleRetry();
            return;
        }
        if (active && (passthrough || inMulti || watching)) {
            // the state Redis kept for this client (subscriptions, transaction) is gone: so is the client's connection
            closeAfterReplies(Unpooled.EMPTY_BUFFER);
        }
    }

    /**
     * The master changed, or a failover began (no master), while this client has a private connection: a subscriber
     * moves to the new master (the connection is retired, and its loss re-subscribes); a blocked command is released
     * with CLIENT UNBLOCK, so that it is known not to have run and is sent again on the new master.
     */
    private void masterMoved() {
        BackendConnection p = priv;
        HostPort m = privateNode();
        if (p == null || inMulti || watching || (m != null && p.node().equals(m))) {
            return;
        }
        if (passthrough) {
            if (m != null) {
                p.retire();
            }
        } else if (px.holdNanos() > 0) {
            p.unblockForFailover();
        }
    }

    @Override
    public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        if (!active) {
            if (e.owner == this) {
                inflight--;
            }
            e.discard();
            return;
        }
        if (e.holdDeadlineNanos == 0) {
            e.holdDeadlineNanos = System.nanoTime() + px.holdNanos();
        }
        e.retryReason = reason;
        e.mayHaveRun |= mayHaveRun;
        if (from != null) {
            metrics.request(counters, e.cmd, ProxyMetrics.RETRIED);
        }
        retryQueue.add(e);
        pause(PAUSE_RETRY);
        scheduleRetry();
    }

    /** Retries after a back-off (25 ms doubling to 500 ms), or at once when the master changes. */
    private void scheduleRetry() {
        if (retryScheduled) {
            return;
        }
        retryScheduled = true;
        int delay = retryBackoffMs;
        retryBackoffMs = Math.min(Math.max(delay * 2, 25), 500);
        backends.onNextMasterChange(retryTask);
        backends.eventLoop().schedule(retryTask, delay, TimeUnit.MILLISECONDS);
    }

    private void retryTick() {
        if (!retryScheduled) {
            return; // the other trigger came first
        }
        retryScheduled = false;
        if (!active) {
            return;
        }
        long now = System.nanoTime();
        if (resubscribeNeeded && !resubscribe(now)) {
            return;
        }
        for (InFlight e; (e = retryQueue.peek()) != null; ) {
            if (now - e.holdDeadlineNanos > 0) {
                retryQueue.poll();
                metrics.heldFailed();
                String why = px.topology().master() == null ? e.retryReason + " (" + px.topology().whyNoMaster()
                        + ")" : e.retryReason;
                e.completeLocally(Replies.error(ctx.alloc(), "ERR redis-sidecar: no master took the command within "
                        + "failover-hold-ms (" + px.config().failoverHoldMs() + " ms): " + why
                        + "; the command " + (e.mayHaveRun ? "may or may not have run" : "was not run")));
                continue;
            }
            BackendConnection c = cluster ? clusterRetryConnection(e) : e.privateRoute ? privateConnection()
                    : e.readRoute ? readConnection() : homeConnection();
            if (c == null) {
                scheduleRetry();
                return;
            }
            retryQueue.poll();
            metrics.heldReplayed();
            e.setFrame(e.requestForResend());
            if (e.asking) {
                c.sendInternal(Replies.of(ASKING)); // ASKING holds for the next command on this connection only
            }
            e.redirectTo = null;
            e.asking = false;
            if (e.owner == this) {
                lastTarget = c;
                lastTargetShared = !e.privateRoute;
            }
            c.send(e);
        }
        if (!resubscribeNeeded && retryQueue.isEmpty()) {
            resume(PAUSE_RETRY); // the back-off is reset by the next reply, not here: the new connection may fail too
        }
    }

    /** Cluster mode: where a held or redirected request goes now (null: not yet). */
    private BackendConnection clusterRetryConnection(InFlight e) {
        HostPort node = e.redirectTo != null ? e.redirectTo : clusterOwner(e.slot);
        if (node == null) {
            return null;
        }
        if (!e.privateRoute) {
            return e.readRoute && e.redirectTo == null ? clusterReadConnection(e.slot)
                    : backends.pool(node).sharedFor(id);
        }
        BackendConnection p = priv;
        if (p != null && p.isUsable() && !p.node().equals(node)) {
            if (p.pending() > 0 || inMulti || watching) {
                return null;
            }
            priv = null;
            p.close();
        }
        return priv != null && priv.isUsable() ? priv : openPrivate(node);
    }

    /** Subscribes a new private connection to everything the client had; false when it must wait more. */
    private boolean resubscribe(long now) {
        if (now - resubscribeDeadline > 0) {
            resubscribeNeeded = false;
            closeAfterReplies(Unpooled.EMPTY_BUFFER); // no master to subscribe on within the hold
            return false;
        }
        if (shardMovedFrom != null && shardMovedFrom.equals(privateNode())) {
            scheduleRetry(); // the slot map does not show the move yet (a refresh is on its way)
            return false;
        }
        BackendConnection c = privateConnection();
        if (c == null) {
            scheduleRetry();
            return false;
        }
        shardMovedFrom = null;
        resubscribeNeeded = false;
        c.setPassthrough(true);
        lastTarget = c;
        if (!channels.isEmpty()) {
            c.sendPassthrough(Replies.commandLatin1(ctx.alloc(), "SUBSCRIBE", channels));
        }
        if (!patterns.isEmpty()) {
            c.sendPassthrough(Replies.commandLatin1(ctx.alloc(), "PSUBSCRIBE", patterns));
        }
        if (!shardChannels.isEmpty()) {
            c.sendPassthrough(Replies.commandLatin1(ctx.alloc(), "SSUBSCRIBE", shardChannels));
        }
        swallow += channels.size() + patterns.size() + shardChannels.size();
        return true;
    }

    @Override
    public void backendWritable() {
        resume(PAUSE_BACKEND_UNWRITABLE);
    }

    @Override
    public boolean isActive() {
        return active;
    }

    // ---------------------------------------------------------------- flow control

    private void pause(int reason) {
        if (pauses == 0 && ctx != null) {
            ctx.channel().config().setAutoRead(false);
        }
        pauses |= reason;
    }

    private void resume(int reason) {
        if ((pauses & reason) == 0) {
            return;
        }
        pauses &= ~reason;
        if (pauses == 0 && active) {
            ctx.channel().config().setAutoRead(true);
            process();
        }
    }

    // ---------------------------------------------------------------- state for Router, Emulator, admin

    @Override
    public boolean inMulti() {
        return inMulti;
    }

    @Override
    public boolean watching() {
        return watching;
    }

    @Override
    public boolean passthrough() {
        return passthrough;
    }

    /** Requests of this client whose replies are not written yet; call on the session's event loop. */
    public int pendingReplies() {
        return replies.size();
    }

    public io.netty.channel.EventLoop eventLoop() {
        return backends.eventLoop();
    }

    ChannelHandlerContext ctx() {
        return ctx;
    }
}
