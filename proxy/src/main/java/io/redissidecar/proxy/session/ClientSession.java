package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.redissidecar.config.HostPort;
import io.redissidecar.config.Mode;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.backend.PrivateLink;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.cluster.ClusterRequests;
import io.redissidecar.proxy.cluster.ClusterSelector;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.Handling;
import io.redissidecar.proxy.metrics.LoopCounters;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.routing.BackendSelector;
import io.redissidecar.proxy.routing.MasterReplicaSelector;
import io.redissidecar.proxy.routing.Route;
import io.redissidecar.proxy.routing.Router;
import io.redissidecar.topology.SlotMap;

/**
 * One client connection, the backbone of the data plane: it frames the client's requests, classifies each (command
 * lookup, the AUTH gate), routes it ({@link Router}) and forwards it to a backend connection of the same event loop
 * that a {@link BackendSelector} picks. Each route has one place: SHARED here, PRIVATE in {@link PrivateRoute}
 * (with {@link ClusterPinning} in cluster mode), PASSTHROUGH in {@link Subscriptions}, SPLIT, FAN_OUT and INFO in
 * {@link MergedDispatch} ({@link ClusterRequests} builds the parts), LOCAL in {@link LocalCommands}. Replies leave in
 * the client's request order ({@link ReplyQueue}); requests that wait to be sent again are {@link HeldRequests}; the
 * state Redis would keep per connection is the {@link ConnectionState}; request entries come from
 * {@link RequestEntries}. These parts exist once per client: routing a request allocates nothing but its entry.
 *
 * <p>Ordering: a client's requests all go to one backend connection at a time. Before it switches (shared to
 * private, or to a new master) it waits until every reply from the previous connection is in (a barrier), so that
 * Redis sees the client's commands in the order the client sent them. Consecutive requests to one connection leave
 * as one slice of the client's input buffer ({@link RequestRun}). Flow control: the client stops being read while any
 * pause bit is set (too many replies pending, client or backend not writable, a barrier, requests held).
 */
public final class ClientSession extends ChannelInboundHandlerAdapter implements ReplyOwner {
    private static final int PAUSE_PENDING = 1;
    private static final int PAUSE_CLIENT_UNWRITABLE = 2;
    private static final int PAUSE_BACKEND_UNWRITABLE = 4;
    static final int PAUSE_BARRIER = 8;
    static final int PAUSE_RETRY = 16;
    /** A failed AUTH's reply is delayed (slowed down per address): nothing more is read until it is queued. */
    static final int PAUSE_AUTH_DELAY = 32;

    private final ProxyContext px;
    private final ProxyMetrics metrics;
    final LoopCounters counters;
    final LoopBackends backends;
    private final RequestFramer framer;
    final ConnectionState state;
    final ReplyQueue replies;
    final HeldRequests held;
    final Subscriptions subs;
    final PrivateLink priv;
    final PrivateRoute privateRoute;
    private final MergedDispatch merged;
    final BackendSelector selector;
    private final boolean clusterMode;
    /** Cluster mode: the hash slot of the request routed last (null in the other modes). */
    final Router.Slots slots;
    ChannelHandlerContext ctx;
    private ByteBuf cumulation;
    final RequestEntries entries;
    final LocalReplies answers;
    final ClientTracking tracking;
    final SlowSubscriber slow;
    BackendConnection lastTarget;
    private boolean lastTargetShared;
    /** Cluster mode: the slot map the client's requests in flight were routed with (see {@link #stopsAtBarrier}). */
    private SlotMap sentWith;
    /** Cluster mode: the slot of the request being dispatched (0 for keyless ones). */
    int curSlot = -1;
    private int pauses;
    private final RequestRun run = new RequestRun();
    private final OutputLimit output = new OutputLimit();
    final ClientAuth auth;
    boolean closing;
    private boolean active;

    public ClientSession(ProxyContext px, LoopBackends backends) {
        this.px = px;
        this.metrics = px.metrics();
        this.counters = metrics.counters(backends.eventLoop());
        this.backends = backends;
        this.state = new ConnectionState(px.nextClientId(), px.users());
        this.auth = new ClientAuth(this, px, state);
        this.framer = new RequestFramer(px.config().maxBulkLength(), px.config().maxMultibulkLength(),
                px.config().maxInlineLength(), () -> !state.authed);
        this.replies = new ReplyQueue(metrics, counters, backends, this::drain);
        this.clusterMode = px.config().mode() == Mode.CLUSTER;
        this.tracking = new ClientTracking(this, px);
        this.slow = new SlowSubscriber(this, px);
        this.entries = new RequestEntries(this, px, framer, state, clusterMode, tracking);
        this.held = new HeldRequests(this, px, backends, counters);
        this.answers = new LocalReplies(this, px, counters);
        this.subs = new Subscriptions(this, px);
        this.selector = clusterMode ? new ClusterSelector(px.topology(), backends, px::config, state.id)
                : new MasterReplicaSelector(px.topology(), backends, px::config, state.id);
        this.slots = clusterMode ? new Router.Slots() : null;
        this.privateRoute = new PrivateRoute(this, px, selector);
        this.priv = privateRoute.link();
        this.merged = new MergedDispatch(this, px, framer, selector);
    }

    // ---------------------------------------------------------------- Netty events

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        replies.channel(ctx);
        this.active = true;
        px.register(this);
        auth.connected(ctx);
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
        boolean writable = ctx.channel().isWritable();
        if (writable) {
            resume(PAUSE_CLIENT_UNWRITABLE);
        } else {
            pause(PAUSE_CLIENT_UNWRITABLE);
        }
        slow.writable(writable); // a subscriber's messages wait in Redis while it does not keep up
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && replies.inflight() == 0 && !state.passthrough && replies.size() == 0) {
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
        held.clientGone();
        tracking.off();
        replies.clientGone();
        subs.clientGone();
        // entries still on a backend connection are released as their replies arrive (isActive() is false now)
        priv.release(); // Redis drops the private connection's MULTI, WATCH and subscriptions with it
    }

    // ---------------------------------------------------------------- request path: frame, classify, route

    private void process() {
        ByteBuf cum = cumulation;
        // the requests of one read arrived together: one clock reading serves them all (metrics)
        entries.readArrived(metrics.enabled() ? System.nanoTime() : 0);
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
                boolean dispatched;
                try {
                    dispatched = dispatch(consumed);
                } finally {
                    entries.dispatched();
                    framer.shrink();
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

    /** Handles the framed request; false when it must wait (barrier) and stays unconsumed. */
    private boolean dispatch(int consumed) {
        ByteBuf buf = framer.frameBuffer();
        CommandInfo cmd = px.commands().lookup(buf, framer.argOffset(0), framer.argLength(0));
        boolean container = cmd != null && cmd.subcommands() != null && framer.argc() >= 2;
        if (container) {
            cmd = cmd.subcommands().lookup(buf, framer.argOffset(1), framer.argLength(1));
        }
        if (cmd == null) {
            if (LocalCommands.crossProtocol(framer)) {
                return answers.crossProtocolClose(ctx);
            }
            // fail closed, also on a client's own pass-through connection: what the proxy does not know (a name
            // with a NUL byte that Redis may read as another command included) is never checked, so never sent
            return answers.refuse(Replies.errorLatin1(ctx.alloc(), LocalCommands.unknownCommand(framer, container)));
        }
        entries.dispatching(cmd);
        if (!cmd.arityOk(framer.argc())) { // Redis's text, answered here: never sent unchecked
            return answers.refuse(Replies.errorLatin1(ctx.alloc(), "ERR wrong number of arguments for '"
                    + cmd.name() + "' command"));
        }
        if (!state.authed && !Emulator.allowedBeforeAuth(cmd)) {
            return answers.local(Replies.error(ctx.alloc(), "NOAUTH Authentication required."));
        }
        if (!state.user.unrestricted() && auth.refused(cmd, framer)) {
            return true; // users with every permission cost the test of one boolean
        }
        Route route = Router.route(cmd, framer, state, slots);
        if (clusterMode) {
            curSlot = Math.max(0, slots.slot());
        }
        return switch (route) {
            case SHARED -> {
                boolean read = px.readFromReplicas() && cmd != null && cmd.has(CommandInfo.READONLY);
                BackendConnection c = read ? selector.read(curSlot) : selector.shared(curSlot);
                yield c == null ? held.hold(consumed, cmd, false) : forward(c, consumed, cmd);
            }
            case PRIVATE -> privateRoute.send(consumed, cmd);
            case PASSTHROUGH -> {
                if (clusterMode && !state.passthrough) {
                    boolean shard = cmd != null && cmd.name().startsWith("s") && slots.slot() >= 0;
                    privateRoute.slot = shard ? slots.slot() : 0;
                }
                yield subs.request(consumed, cmd, framer);
            }
            case SPLIT, FAN_OUT -> merged.send(consumed, cmd, route);
            case INFO -> merged.info(consumed, cmd);
            case SIDE -> SideRequest.send(this, selector.privateNode(0), framer.retainedFrame(consumed))
                    || answers.noMaster();
            case LOCAL -> LocalCommands.reply(this, cmd, framer, px);
            case DENIED, UNSUPPORTED, NOT_IN_MULTI, CROSSSLOT, NOT_AFTER_SUBSCRIBE, SECRET ->
                    answers.refuse(route.refusal(cmd.name()));
        };
    }

    // ---------------------------------------------------------------- forwarding

    boolean forward(BackendConnection target, int consumed, CommandInfo cmd) {
        String busy = backends.anyBusy() ? backends.pool(target.node()).busy() : null;
        if (busy != null) {
            return answers.refuse(busy); // the node runs a long script: Redis's own -BUSY, at once, as Redis answers
        }
        boolean privateRoute = priv.is(target);
        if (stopsAtBarrier(target, !privateRoute)) {
            return false;
        }
        this.privateRoute.beforeSend(cmd, target, privateRoute);
        InFlight e = entries.request(consumed, cmd, privateRoute, curSlot);
        String why = state.execAbort; // read before the transaction ends
        if (cmd != null && cmd.handling() == Handling.TRANSACTION && state.afterTransactionCommand(cmd.name())) {
            // a command was refused at queueing time: abort like Redis does, and tell the client so
            e.substitute(Replies.command(ctx.alloc(), "DISCARD"), why == null ? Replies.of(Replies.EXECABORT)
                    : Replies.errorLatin1(ctx.alloc(), ConnectionState.EXECABORT_BECAUSE + why));
        }
        replies.sent(e);
        lastTarget = target;
        lastTargetShared = !privateRoute;
        if (e.hasFrame() || framer.isInline()) {
            // a request of its own (re-encoded inline, or replaced): it leaves alone, after any pending run
            flushRun();
            if (!e.hasFrame()) {
                e.setFrame(framer.frameBuffer().retainedDuplicate());
            }
            target.send(e);
        } else {
            if (!run.continues(target, framer.frameStart(), state.db)) {
                flushRun();
            }
            run.add(target, framer.frameStart(), consumed, state.db);
            target.send(e); // its bytes leave with the run
        }
        waitIfUnwritable(target);
        return true;
    }

    /** Writes the pending run of requests (one slice of the input buffer) to its connection. */
    void flushRun() {
        run.flush(cumulation);
    }

    /**
     * Whether the request must wait until the client's requests in flight are answered before it goes to
     * {@code target} (the ordering barrier). A client's requests go to one connection at a time; in cluster mode,
     * requests on shared connections may go to several nodes at once as long as the slot map they were routed with
     * holds (requests for one key always meet on one connection then). When it must, the client stops being read
     * (PAUSE_BARRIER) until they are.
     */
    boolean stopsAtBarrier(BackendConnection target, boolean shared) {
        if (replies.inflight() == 0 || target == lastTarget) {
            if (clusterMode && shared) {
                sentWith = px.topology().slots();
            }
            return false;
        }
        if (clusterMode && shared && lastTargetShared && sentWith == px.topology().slots()) {
            return false;
        }
        pause(PAUSE_BARRIER);
        return true;
    }

    void waitIfUnwritable(BackendConnection c) {
        if (!c.isWritable()) {
            c.addWriteWaiter(this);
            pause(PAUSE_BACKEND_UNWRITABLE);
        }
    }

    // ---------------------------------------------------------------- replies made by the proxy

    void resetState() {
        subs.clear();
        state.reset(px.users());
        tracking.off();
        privateRoute.protocol(2); // Redis's RESET goes back to RESP2 too
        replies.replyMode(true, false);
    }

    private void protocolError(String message) {
        framer.reset();
        answers.closeAfterReplies(Replies.error(ctx.alloc(), "ERR " + message));
    }

    // ---------------------------------------------------------------- the private connection

    @Override
    public void privateConnectionLost(BackendConnection c) {
        privateRoute.lost(c);
    }

    @Override
    public void passthrough(ByteBuf frame) {
        subs.frame(frame, clusterMode, active, priv);
    }

    // ---------------------------------------------------------------- retries and redirections

    @Override
    public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        held.retry(e, from, reason, mayHaveRun);
    }

    @Override
    public void redirect(InFlight e, HostPort target, boolean ask) {
        held.redirect(e, target, ask);
    }

    // ---------------------------------------------------------------- reply path

    @Override
    public void replyReady(InFlight e) {
        replies.answered();
        held.replyCame();
        if (!active) {
            e.discard(); // client gone
            return;
        }
        replies.replyReady();
    }

    @Override
    public boolean replyPiece(InFlight e, ByteBuf piece) {
        if (!active || !replies.writePiece(e, piece)) {
            return false;
        }
        drainReplies(); // the output limit counts what waits to be written to the client
        return true;
    }

    /** The replies that are due are written (see {@link ReplyQueue#replyReady}); a barrier may lift. */
    void drain() {
        drainReplies();
        if (replies.inflight() == 0 && !state.awaitingReset && (pauses & PAUSE_BARRIER) != 0) {
            resume(PAUSE_BARRIER);
        }
    }

    void drainReplies() {
        active = replies.drain(active);
        String broken = active ? output.broken(ctx.channel(), state.passthrough ? px.outputLimits().pubsub()
                : px.outputLimits().normal()) : null; // an off limit (0 0 0) is never broken
        if (broken != null) {
            px.outputLimitClosed(ctx.channel().remoteAddress(), broken, state.passthrough);
            active = false;
            ctx.close(); // as Redis does: the client's pending replies are dropped
        }
        if ((pauses & PAUSE_PENDING) != 0 && replies.size() <= px.maxPending() / 2) {
            resume(PAUSE_PENDING);
        }
    }

    @Override
    public void backendWritable() {
        resume(PAUSE_BACKEND_UNWRITABLE);
    }

    @Override
    public boolean isActive() {
        return active;
    }

    @Override
    public void trackingLost() {
        tracking.deliver(null);
    }

    // ---------------------------------------------------------------- flow control

    void pause(int reason) {
        if (pauses == 0 && ctx != null) {
            ctx.channel().config().setAutoRead(false);
        }
        pauses |= reason;
    }

    void resume(int reason) {
        if ((pauses & reason) == 0) {
            return;
        }
        pauses &= ~reason;
        if (pauses == 0 && active) {
            ctx.channel().config().setAutoRead(true);
            process();
        }
    }

    // ---------------------------------------------------------------- for the session's parts and the admin side

    /** A merged request's entry takes its place in the order; its parts go to shared connections. */
    void expectMerged(InFlight client) {
        replies.sent(client);
        lastTargetShared = true;
    }

    ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /** A request (or part) went to {@code c}: the barrier compares the next one with it. */
    void sentTo(BackendConnection c, boolean shared) {
        lastTarget = c;
        lastTargetShared = shared;
    }

    /** The connection state Redis would keep for this client; read it on the session's event loop. */
    public ConnectionState state() {
        return state;
    }

    /** Requests of this client whose replies are not written yet; call on the session's event loop. */
    public int pendingReplies() {
        return replies.size();
    }

    public EventLoop eventLoop() {
        return backends.eventLoop();
    }
}
