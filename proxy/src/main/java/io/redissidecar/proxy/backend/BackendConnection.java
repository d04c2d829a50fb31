package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.codec.ReplyFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.tls.ReloadableTls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One TCP connection to a Redis node, owned by one event loop. Requests are written in order and their replies
 * matched in FIFO order; nothing on it is decoded beyond finding where each reply ends. A shared connection
 * carries many clients' requests (each tagged with its database: a SELECT is slipped in when it changes);
 * a private connection belongs to one client (transactions, blocking commands, pub/sub pass-through).
 */
public final class BackendConnection extends ChannelInboundHandlerAdapter implements FlushBatch.Flushable {
    private static final Logger log = LoggerFactory.getLogger(BackendConnection.class);

    private enum State { CONNECTING, READY, CLOSED }

    private final HostPort node;
    private final LoopBackends loop;
    private final ReplyOwner privateOwner;
    private final ArrayDeque<InFlight> awaiting = new ArrayDeque<>();
    private final ArrayDeque<InFlight> unsent = new ArrayDeque<>();
    private final ReplyFramer framer = new ReplyFramer();
    private final WriteWaiters writeWaiters = new WriteWaiters();
    private Channel channel;
    private State state = State.CONNECTING;
    private ByteBuf cumulation;
    private RequestWriter writer;
    private boolean passthrough;
    /** Answered as a node that is no master any more: no new requests; closed once its replies are in. */
    private boolean retired;
    private final StallWatch stall = new StallWatch();
    private String failure;
    private final WaitBatcher waits;
    /** Redis's CLIENT ID for this connection (private connections), to unblock it from another one; -1 unknown. */
    private long redisClientId = -1;
    private final ReadThrottle throttle = new ReadThrottle();
    private boolean droppedByNode;
    private boolean proxysDoing;
    /** The proxy sent CLIENT UNBLOCK for this connection (a failover): its -UNBLOCKED is retried. */
    boolean unblockSent;
    /** The lane of the connection (see {@link BackendPool#lane}): its RESP version, and whether it tracks. */
    private final int lane;
    /** A tracking lane's: the invalidation link's Redis client id its CLIENT TRACKING redirects to. */
    long trackingRedirect = -1;

    BackendConnection(HostPort node, LoopBackends loop, ReplyOwner privateOwner, int lane) {
        this.lane = lane;
        this.node = node;
        this.loop = loop;
        this.privateOwner = privateOwner;
        this.waits = new WaitBatcher(node, loop.settings());
    }

    void connect() {
        ReloadableTls tls = loop.settings().tls();
        ChannelFuture f = loop.bootstrap().clone().handler(tls == null ? this : tls.wrap(this, node))
                .connect(loop.address(node));
        channel = f.channel();
        f.addListener(done -> {
            if (!done.isSuccess()) {
                Throwable c = done.cause();
                closeWith("backend " + node + " unavailable (" + (c.getMessage() == null ? c : c.getMessage())
                        + ")");
            }
        });
    }

    public HostPort node() {
        return node;
    }

    public int lane() {
        return lane;
    }

    /** Whether new requests may be sent here (connecting or connected). */
    public boolean isUsable() {
        return state != State.CLOSED && !retired;
    }

    public boolean isWritable() {
        return state != State.READY || channel.isWritable();
    }

    /** Requests sent and still waiting for their replies (or for the connection). */
    public int pending() {
        return awaiting.size() + unsent.size();
    }

    /**
     * Queues {@code e} for writing; it is flushed at the end of the loop iteration. If {@code e.frame} is null, the
     * request's bytes follow in a {@link #sendRun} call made before anything else is sent on this connection.
     */
    public void send(InFlight e) {
        switch (state) {
            case READY -> writer.write(e);
            case CONNECTING -> unsent.add(e);
            case CLOSED -> LostConnection.fail(e, failure != null ? failure : "backend connection " + node
                    + " closed");
        }
    }

    /** Sends a request of the proxy's own whose reply is dropped (in order with the client requests around it). */
    public void sendInternal(ByteBuf frame) {
        send(InFlight.internal(InFlight.Kind.INTERNAL, frame));
    }

    /**
     * Writes the bytes of the requests just queued with {@link #send} without frames: one client's consecutive
     * requests, contiguous in its input buffer, leave as one slice.
     */
    public void sendRun(ByteBuf bytes) {
        switch (state) {
            case READY -> writer.writeBytes(bytes);
            case CONNECTING -> unsent.peekLast().frame = bytes; // the last request of the run carries its bytes
            case CLOSED -> bytes.release();
        }
    }

    /**
     * Sends a request of a client in pub/sub pass-through mode: no reply is expected in FIFO order, everything
     * Redis sends once the FIFO is empty goes to the owner as it comes. {@code db}: the client's database, selected
     * first if the connection is in another one (-1: whatever it is in).
     */
    public void sendPassthrough(ByteBuf frame, int db) {
        send(InFlight.passthrough(frame, db));
    }

    /** Switches pass-through mode (pub/sub) on or off; off again after Redis confirmed RESET (database 0). */
    public void setPassthrough(boolean on) {
        passthrough = on;
        if (!on && writer != null) {
            writer.databaseReset();
        }
    }

    /** Holding back reading from the node (see {@link ReadThrottle}). */
    public ReadThrottle reading() {
        return throttle;
    }

    /** Whether the node or the network ended the connection (not the proxy). */
    public boolean droppedByNode() {
        return droppedByNode;
    }

    /** Redis's {@code CLIENT ID} of this private connection; -1 until known. */
    public long redisClientId() {
        return redisClientId;
    }

    /** Registers a client to be told when this connection can take writes again. */
    public void addWriteWaiter(ReplyOwner o) {
        writeWaiters.add(o);
    }

    @Override
    public void flushNow() {
        if (state == State.READY) {
            writer.flush();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        state = State.READY;
        throttle.attach(ctx.channel(), stall);
        writer = new RequestWriter(ctx.channel(), awaiting, waits, loop.flushBatch(), this, stall);
        loop.settings().connectionOpened(node);
        loop.settings().breakers().connected(node);
        writer.writeHandshake(loop.settings(), privateOwner != null, BackendPool.protocol(lane), trackingRedirect);
        for (InFlight e; (e = unsent.poll()) != null; ) {
            writer.write(e);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (state == State.CLOSED) {
            in.release();
            return;
        }
        long now = System.nanoTime();
        stall.bytesArrived(now);
        if (loop.anyBusy()) {
            loop.pool(node).progress();
        }
        loop.replyReadNanos = now;
        ByteBuf cum = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(),
                cumulation, in);
        cumulation = cum;
        loop.beginRead();
        try {
            while (state != State.CLOSED && cum.isReadable()) {
                int len = framer.frame(cum);
                if (len == 0) {
                    ReplyStream.handOn(awaiting.peek(), cum, framer); // a large reply's first part goes ahead
                    break;
                }
                int offset = cum.readerIndex();
                cum.skipBytes(len);
                deliver(cum, offset, len); // may close this connection (then cumulation is released and null)
            }
        } catch (RespProtocolException e) {
            log.warn("backend {} sent bad RESP: {}", node, e.getMessage());
            closeWith("backend " + node + " sent a malformed reply");
        } finally {
            if (cumulation != null && !cumulation.isReadable()) {
                cumulation.release();
                cumulation = null;
            }
            loop.endRead();
        }
    }

    private void deliver(ByteBuf buf, int offset, int length) {
        // a RESP3 push answers no request (only a RESP3 connection, lane 1 or 3, can get one)
        InFlight e = (lane & 1) == 1 && buf.getByte(offset) == '>' ? null : awaiting.poll();
        if (e == null) {
            if (passthrough && privateOwner != null) {
                privateOwner.passthrough(buf.retainedSlice(offset, length));
            } else if (buf.getByte(offset) == '>') {
                log.debug("backend {} sent a push on a shared connection; dropped", node); // tracking-redir-broken
            } else {
                log.warn("backend {} sent a reply nobody asked for; closing the connection", node);
                // on a private connection it was the client's doing (a mode Redis switched to on its request)
                closeWith("backend " + node + " out of step", privateOwner == null);
            }
            return;
        }
        switch (e.kind) {
            case CLIENT -> deliverToClient(e, buf, offset, length);
            case WAIT -> {
                waits.resolve(e.gate, buf, offset, length);
                closeIfRetiredAndIdle();
            }
            case CLIENT_ID -> {
                if (buf.getByte(offset) == ':') {
                    redisClientId = Long.parseLong(buf.toString(offset + 1, length - 3, StandardCharsets.US_ASCII));
                    privateOwner.connectionId(this, redisClientId);
                }
            }
            case CHECKED -> {
                if (buf.getByte(offset) == '-') {
                    String err = buf.toString(offset, length, StandardCharsets.UTF_8).trim();
                    log.warn("backend {} refused the proxy's own command: {}", node, err);
                    closeWith("backend " + node + " refused the proxy (" + err.substring(1) + ")");
                }
            }
            default -> {
            }
        }
    }

    /** A client's reply: acted on when it proves the request did not run (see {@link ReplyVerdict}), else delivered. */
    private void deliverToClient(InFlight e, ByteBuf buf, int offset, int length) {
        ReplyVerdict v = e.script || e.streamed ? ReplyVerdict.OK : ReplyVerdict.of(buf, offset, length);
        if ((v == ReplyVerdict.MOVED || v == ReplyVerdict.ASK) && e.slot < 0
                || v == ReplyVerdict.UNBLOCKED && !unblockSent && ReplyVerdict.byClientUnblock(buf, offset, length)) {
            // not routed by slot (static or sentinel mode): a redirection is not followed; a client's own
            // CLIENT UNBLOCK (not the proxy's, in a failover): the client sees it, as from Redis
            v = ReplyVerdict.ERROR;
        }
        if (!v.provesNotRun() || !e.canResend()) {
            if (e.gate != null && buf.getByte(offset) != '-') {
                waits.store(e, buf, offset, length); // a write that ran: its reply waits for the WAIT
                return;
            }
            e.completeRange(buf, offset, length);
            closeIfRetiredAndIdle();
            return;
        }
        if (NotRun.act(v, e, buf, offset, length, this, loop)) {
            closeIfRetiredAndIdle();
        }
    }

    /** The node is no master now: later requests (and the one that found out) go elsewhere. */
    void markRetired() {
        retired = true;
    }

    private void closeIfRetiredAndIdle() {
        if (retired && awaiting.isEmpty() && unsent.isEmpty() && !passthrough) {
            close();
        }
    }

    /**
     * Called by the loop's watchdog: closes a connection that has had requests outstanding and no byte for
     * {@code timeoutNanos} (a frozen or partitioned node never closes it by itself), unless a probe found the node
     * busy running a script (it is alive, and the script may still be killed).
     */
    void checkStalled(long now, long timeoutNanos, BackendPool pool) {
        boolean outstanding = state == State.READY && !awaiting.isEmpty() && !throttle.heldBack();
        if (stall.deadAfterProbe(now, timeoutNanos, outstanding, pool)) {
            log.warn("backend {}: no reply for {} ms with {} requests outstanding; closing the connection", node,
                    stall.stalledForMillis(now), awaiting.size());
            closeWith("backend " + node + " did not answer within backend-timeout-ms");
        }
    }

    /**
     * Redis's {@code CLIENT ID} of this private connection while a request of its client waits on it (a blocking
     * command, outside pass-through mode); -1 otherwise. See {@link PrivateLink#unblockForFailover}.
     */
    long blockedClientId() {
        return state == State.READY && !passthrough && !awaiting.isEmpty() ? redisClientId : -1;
    }

    /** Closes the connection once the replies due on it are in (the master moved elsewhere). */
    public void retire() {
        retired = true;
        if (passthrough) {
            close(); // a subscriber's connection: its owner subscribes again on the new master
        } else {
            closeIfRetiredAndIdle();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            writeWaiters.wakeAll();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("backend {} connection error: {}", node, cause.toString());
        closeWith("connection to backend " + node + " failed (" + cause.getMessage() + ")");
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeWith("connection to backend " + node + " lost");
    }

    /** Closes the connection as failed (its unsent requests are retried elsewhere), before or after it connected. */
    void failBeforeConnect(String reason) {
        proxysDoing = true; // not the node's fault: no breaker failure, no topology check
        closeWith(reason, true);
    }

    /** Closes the connection; every request still on it gets an error naming what happened. */
    public void close() {
        closeWith("backend connection " + node + " closed by the proxy", false);
    }

    /** The connection failed (the node closed it, stopped answering, or broke the protocol). */
    private void closeWith(String reason) {
        closeWith(reason, true);
    }

    /**
     * @param unexpected true when the node or the network ended the connection: then it counts against the node's
     *                   breaker, asks for a topology check, and its requests may be retried; false when the proxy
     *                   itself closes it (shutdown, client gone, master moved)
     */
    private void closeWith(String reason, boolean unexpected) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.READY) {
            loop.settings().connectionClosed(node);
        }
        boolean wasReady = state == State.READY;
        state = State.CLOSED;
        failure = reason;
        droppedByNode = unexpected && !proxysDoing;
        if (channel != null) {
            channel.close();
        }
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (droppedByNode) {
            loop.settings().breakers().failed(node, reason);
            loop.backendFailed(node);
        }
        // on an old master paused for a planned switchover, a command without a reply did not run: it was held
        boolean paused = unexpected && loop.writesPaused(node);
        LostConnection.settle(awaiting, unsent, this, reason, unexpected, paused, loop.settings().metrics());
        waits.connectionLost(this, reason, unexpected);
        writeWaiters.wakeAll();
        if (lane >= 2) {
            loop.invalidationLinks().trackingConnectionClosed(this, privateOwner, wasReady);
        }
        if (privateOwner != null) {
            privateOwner.privateConnectionLost(this);
        }
    }

    @Override
    public String toString() {
        return "backend " + node + (privateOwner != null ? " (private)" : " (shared)") + " " + state;
    }
}
