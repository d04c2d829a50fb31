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
import java.util.ArrayDeque;
import java.util.ArrayList;
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
    private ArrayList<ReplyOwner> writeWaiters;
    private Channel channel;
    private State state = State.CONNECTING;
    private ByteBuf cumulation;
    private int currentDb;
    private boolean passthrough;
    /** Answered as a node that is no master any more: no new requests; closed once its replies are in. */
    private boolean retired;
    // stall detection (shared connections): replies counted, and when the watchdog last saw them move
    private int repliesSeen;
    private int repliesAtLastCheck;
    private long stalledSinceNanos;
    private boolean flushQueued;
    /** Bytes written since the last flush. */
    private int unflushed;
    private static final int EARLY_FLUSH_BYTES = 16 * 1024;
    private String failure;
    // replicated durability: the gate collecting this iteration's writes, and gates sent but not yet answered
    private WaitGate gate;
    private final ArrayDeque<WaitGate> openGates = new ArrayDeque<>();
    /** Redis's CLIENT ID for this connection (private connections), to unblock it from another one; -1 unknown. */
    private long redisClientId = -1;

    BackendConnection(HostPort node, LoopBackends loop, ReplyOwner privateOwner) {
        this.node = node;
        this.loop = loop;
        this.privateOwner = privateOwner;
    }

    void connect() {
        ChannelFuture f = loop.bootstrap().clone().handler(this).connect(node.host(), node.port());
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
            case READY -> write(e);
            case CONNECTING -> unsent.add(e);
            case CLOSED -> fail(e, failure != null ? failure : "backend connection " + node + " closed");
        }
    }

    /** Sends a request of the proxy's own whose reply is dropped (in order with the client requests around it). */
    public void sendInternal(ByteBuf frame) {
        send(new InFlight(null, frame, -1));
    }

    /**
     * Writes the bytes of the requests just queued with {@link #send} without frames: one client's consecutive
     * requests, contiguous in its input buffer, leave as one slice.
     */
    public void sendRun(ByteBuf bytes) {
        switch (state) {
            case READY -> {
                int n = bytes.readableBytes();
                channel.write(bytes, channel.voidPromise());
                queued(n);
            }
            case CONNECTING -> unsent.peekLast().frame = bytes; // the last request of the run carries its bytes
            case CLOSED -> bytes.release();
        }
    }

    /**
     * Sends a request of a client in pub/sub pass-through mode: no reply is expected in FIFO order, everything
     * Redis sends once the FIFO is empty goes to the owner as it comes.
     */
    public void sendPassthrough(ByteBuf frame) {
        InFlight e = new InFlight(null, frame, -1);
        e.noReply = true;
        send(e);
    }

    /** Switches pass-through mode (pub/sub) on or off; off again after Redis confirmed RESET (database 0). */
    public void setPassthrough(boolean on) {
        passthrough = on;
        if (!on) {
            currentDb = 0;
        }
    }

    /** Registers a client to be told when this connection can take writes again. */
    public void addWriteWaiter(ReplyOwner o) {
        if (writeWaiters == null) {
            writeWaiters = new ArrayList<>(4);
        }
        writeWaiters.add(o);
    }

    private void write(InFlight e) {
        if (e.db >= 0 && e.db != currentDb) {
            InFlight select = new InFlight(null, Replies.command(channel.alloc(), "SELECT",
                    Integer.toString(e.db)), -1);
            select.checkError = true;
            writeOne(select);
            currentDb = e.db;
        }
        writeOne(e);
    }

    private void writeOne(InFlight e) {
        if (!e.noReply) {
            awaiting.add(e);
        }
        if (e.write && e.owner != null && loop.settings().replicated()) {
            if (gate == null) {
                gate = new WaitGate();
            }
            gate.writes.add(e);
            e.gate = gate;
        }
        ByteBuf f = e.frame;
        e.written = true;
        if (f != null) {
            e.frame = null;
            int n = f.readableBytes();
            channel.write(f, channel.voidPromise());
            queued(n);
        }
    }

    /**
     * {@code n} more bytes of requests are written but not flushed. They are flushed at the end of the loop iteration,
     * or at once when a whole Redis read's worth (16 KB, Redis's PROTO_IOBUF_LEN) is waiting: Redis then starts on
     * those while this loop reads the rest of the iteration's clients, instead of idling until all of them are read
     * (perf/RESULTS.md, "GET at pipeline 16, solved"). Not while a WAIT gate is open: its writes leave together,
     * followed by their WAIT.
     */
    private void queued(int n) {
        unflushed += n;
        if (unflushed >= EARLY_FLUSH_BYTES && gate == null) {
            unflushed = 0;
            channel.flush();
        }
        queueFlush();
    }

    private void queueFlush() {
        if (!flushQueued) {
            flushQueued = true;
            loop.flushBatch().add(this);
        }
    }

    @Override
    public void flushNow() {
        flushQueued = false;
        unflushed = 0;
        WaitGate g = gate;
        if (g != null && state == State.READY) {
            // group commit: one WAIT after this iteration's writes confirms them all
            gate = null;
            BackendSettings s = loop.settings();
            InFlight wait = new InFlight(null, Replies.command(channel.alloc(), "WAIT",
                    Integer.toString(s.minReplicas()), Integer.toString(s.replicationTimeoutMs())), -1);
            wait.gate = g;
            g.sentAtNanos = System.nanoTime();
            openGates.add(g);
            awaiting.add(wait);
            channel.write(wait.frame, channel.voidPromise());
            wait.frame = null;
        }
        channel.flush();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        state = State.READY;
        loop.settings().openConnections().computeIfAbsent(node, n -> new java.util.concurrent.atomic.AtomicInteger())
                .incrementAndGet();
        loop.settings().breakers().connected(node);
        String password = loop.settings().password();
        if (password != null) {
            String user = loop.settings().username();
            InFlight auth = new InFlight(null, user == null ? Replies.command(ctx.alloc(), "AUTH", password)
                    : Replies.command(ctx.alloc(), "AUTH", user, password), -1);
            auth.checkError = true;
            writeOne(auth);
        }
        if (loop.settings().readonlyOnConnect()) {
            InFlight ro = new InFlight(null, Replies.command(ctx.alloc(), "READONLY"), -1);
            ro.checkError = true;
            writeOne(ro);
        }
        if (privateOwner != null) {
            InFlight id = new InFlight(null, Replies.command(ctx.alloc(), "CLIENT", "ID"), -1);
            id.captureClientId = true;
            writeOne(id);
        }
        for (InFlight e; (e = unsent.poll()) != null; ) {
            write(e);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        if (state == State.CLOSED) {
            in.release();
            return;
        }
        if (loop.settings().metrics().enabled()) {
            loop.replyReadNanos = System.nanoTime();
        }
        ByteBuf cum = cumulation == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(),
                cumulation, in);
        cumulation = cum;
        loop.beginRead();
        try {
            while (state != State.CLOSED && cum.isReadable()) {
                int len = framer.frame(cum);
                if (len == 0) {
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
        repliesSeen++;
        InFlight e = awaiting.poll();
        if (e == null) {
            if (passthrough && privateOwner != null) {
                privateOwner.passthrough(buf.retainedSlice(offset, length));
            } else {
                log.warn("backend {} sent a reply nobody asked for; closing the connection", node);
                closeWith("backend " + node + " out of step");
            }
            return;
        }
        if (e.owner == null) {
            if (e.gate != null) {
                resolveGate(e.gate, buf, offset, length);
                return;
            }
            if (e.captureClientId && buf.getByte(offset) == ':') {
                redisClientId = Long.parseLong(buf.toString(offset + 1, length - 3,
                        java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            if (e.checkError && buf.getByte(offset) == '-') {
                String err = buf.toString(offset, length, java.nio.charset.StandardCharsets.UTF_8).trim();
                log.warn("backend {} refused the proxy's own command: {}", node, err);
                closeWith("backend " + node + " refused the proxy (" + err.substring(1) + ")");
            }
            return;
        }
        if (buf.getByte(offset) == '-' && e.canResend() && (startsWith(buf, offset, length, MOVED)
                || startsWith(buf, offset, length, ASK))) {
            redirect(e, buf, offset, length);
            return;
        }
        if (buf.getByte(offset) == '-' && e.canResend() && (startsWith(buf, offset, length, TRYAGAIN)
                || startsWith(buf, offset, length, CLUSTERDOWN))) {
            // the cluster is resharding or electing: the node did not run it; later, maybe elsewhere (slot map)
            loop.backendFailed(node);
            e.owner.retry(e, this, "backend " + node + " answered " + buf.toString(offset + 1,
                    Math.min(length - 3, 40), java.nio.charset.StandardCharsets.UTF_8), false);
            return;
        }
        if (buf.getByte(offset) == '-' && e.canResend() && provesNotRun(buf, offset, length)) {
            // READONLY, LOADING, MASTERDOWN, TRYAGAIN, UNBLOCKED (a blocked pop released by a role change): Redis did
            // not run it, so sending it again cannot duplicate it
            if (buf.getByte(offset + 1) != 'U') { // UNBLOCKED may be the proxy's own CLIENT UNBLOCK: no fault
                loop.settings().breakers().failed(node, "refused a command as a non-master");
            }
            loop.backendFailed(node);
            retired = true; // the node is no master now: later requests (and this one) go elsewhere
            e.owner.retry(e, this, "backend " + node + " answered " + buf.toString(offset + 1,
                    Math.min(length - 3, 40), java.nio.charset.StandardCharsets.UTF_8), false);
            closeIfRetiredAndIdle();
            return;
        }
        if (e.gate != null && buf.getByte(offset) != '-') {
            e.storeRange(buf, offset, length); // a write that ran: its reply waits for the WAIT
            e.gate.stored.add(e);
            return;
        }
        e.completeRange(buf, offset, length);
        closeIfRetiredAndIdle();
    }

    /** The WAIT after a batch of writes answered: release their replies, or report them unconfirmed. */
    private void resolveGate(WaitGate g, ByteBuf buf, int offset, int length) {
        openGates.remove(g);
        loop.settings().metrics().waitAnswered(System.nanoTime() - g.sentAtNanos);
        long acks = -1;
        if (buf.getByte(offset) == ':') {
            acks = 0;
            for (int i = offset + 1; i < offset + length - 2; i++) {
                acks = acks * 10 + (buf.getByte(i) - '0');
            }
        }
        BackendSettings s = loop.settings();
        if (acks >= s.minReplicas()) {
            g.stored.forEach(InFlight::releaseStored);
        } else {
            String why = acks < 0 ? "WAIT failed: " + buf.toString(offset + 1, length - 3,
                    java.nio.charset.StandardCharsets.UTF_8) : "WAIT answered " + acks;
            failGate(g, "write not confirmed by " + s.minReplicas() + " replica(s) within "
                    + s.replicationTimeoutMs() + " ms (" + why + "); it ran on the master " + node
                    + " and may be lost if that master fails");
        }
        closeIfRetiredAndIdle();
    }

    /**
     * The connection went before a batch's WAIT answered: idempotent writes are sent again (to be confirmed on the
     * master that takes over); the others are reported unconfirmed.
     */
    private void lostGate(WaitGate g, String reason, boolean unexpected) {
        for (InFlight e : g.stored) {
            if (unexpected && e.idempotent && e.canResend() && e.owner != null) {
                e.dropStored();
                e.owner.retry(e, this, reason + " before the write was confirmed on replicas", true);
            } else {
                e.failStored(Replies.error(loop.alloc(), "ERR redis-sidecar: " + reason
                        + " before the write was confirmed on replicas; it ran on the master"));
            }
        }
    }

    private void failGate(WaitGate g, String reason) {
        for (InFlight e : g.stored) {
            loop.settings().metrics().writeUnconfirmed();
            e.failStored(Replies.error(loop.alloc(), "ERR redis-sidecar: " + reason));
        }
    }

    private void closeIfRetiredAndIdle() {
        if (retired && awaiting.isEmpty() && unsent.isEmpty() && !passthrough) {
            close();
        }
    }

    /**
     * Called by the loop's watchdog: closes a connection that has had requests outstanding and no reply for
     * {@code timeoutNanos} (a frozen or partitioned node never closes it by itself).
     */
    void checkStalled(long now, long timeoutNanos) {
        if (state != State.READY || awaiting.isEmpty() || repliesSeen != repliesAtLastCheck) {
            repliesAtLastCheck = repliesSeen;
            stalledSinceNanos = now;
            return;
        }
        if (now - stalledSinceNanos >= timeoutNanos) {
            log.warn("backend {}: no reply for {} ms with {} requests outstanding; closing the connection", node,
                    (now - stalledSinceNanos) / 1_000_000, awaiting.size());
            closeWith("backend " + node + " did not answer within backend-timeout-ms");
        }
    }

    /**
     * A failover has begun while a blocking command waits on this private connection: release it with
     * {@code CLIENT UNBLOCK id ERROR}, sent on a shared connection to the same node. The command then ends with
     * {@code -UNBLOCKED}, which proves it did not run, and its client sends it again on the master that takes over.
     * Left alone, it could be cut off without a reply (Sentinel kills the old master's clients) and its fate would be
     * unknown. If it was served just before, CLIENT UNBLOCK does nothing and the reply arrives as usual.
     */
    public void unblockForFailover() {
        if (state != State.READY || passthrough || awaiting.isEmpty() || redisClientId < 0) {
            return;
        }
        BackendConnection via = loop.pool(node).shared();
        if (via != null) {
            via.sendInternal(Replies.command(channel.alloc(), "CLIENT", "UNBLOCK", Long.toString(redisClientId),
                    "ERROR"));
        }
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

    private static final byte[] MOVED = "-MOVED ".getBytes();
    private static final byte[] ASK = "-ASK ".getBytes();
    private static final byte[] TRYAGAIN = "-TRYAGAIN ".getBytes();
    private static final byte[] CLUSTERDOWN = "-CLUSTERDOWN ".getBytes();

    /** Whether the reply at {@code offset} starts with {@code p} (its first byte, the type, is checked by callers). */
    private static boolean startsWith(ByteBuf buf, int offset, int length, byte[] p) {
        if (length < p.length) {
            return false;
        }
        for (int i = 1; i < p.length; i++) {
            if (buf.getByte(offset + i) != p[i]) {
                return false;
            }
        }
        return true;
    }

    /** {@code -MOVED <slot> <host>:<port>} or {@code -ASK <slot> <host>:<port>}: the request goes there instead. */
    private void redirect(InFlight e, ByteBuf buf, int offset, int length) {
        String text = buf.toString(offset + 1, length - 3, java.nio.charset.StandardCharsets.US_ASCII);
        String[] f = text.split(" ");
        boolean ask = f[0].equals("ASK");
        io.redissidecar.config.HostPort target;
        try {
            int colon = f[2].lastIndexOf(':');
            String host = f[2].substring(0, colon);
            target = new io.redissidecar.config.HostPort(host.isEmpty() ? node.host() : host,
                    Integer.parseInt(f[2].substring(colon + 1)));
        } catch (RuntimeException bad) {
            e.completeRange(buf, offset, length); // not a redirection the proxy understands: the client sees it
            return;
        }
        if (!ask) {
            loop.backendFailed(node); // the slot map is out of date: refresh it (requests coalesce)
        }
        e.owner.redirect(e, target, ask);
    }

    private static final byte[][] NOT_RUN = {"-READONLY ".getBytes(), "-LOADING ".getBytes(),
        "-MASTERDOWN ".getBytes(), "-UNBLOCKED ".getBytes()};

    private static boolean provesNotRun(ByteBuf buf, int offset, int length) {
        for (byte[] p : NOT_RUN) {
            if (startsWith(buf, offset, length, p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && writeWaiters != null && !writeWaiters.isEmpty()) {
            ArrayList<ReplyOwner> w = writeWaiters;
            writeWaiters = null;
            for (ReplyOwner o : w) {
                o.backendWritable();
            }
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
            java.util.concurrent.atomic.AtomicInteger open = loop.settings().openConnections().get(node);
            if (open != null) {
                open.decrementAndGet();
            }
        }
        state = State.CLOSED;
        failure = reason;
        if (channel != null) {
            channel.close();
        }
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
        if (unexpected) {
            loop.settings().breakers().failed(node, reason);
            loop.backendFailed(node);
        }
        // on an old master paused for a planned switchover, a command without a reply did not run: it was held
        boolean paused = unexpected && loop.writesPaused(node);
        for (InFlight e; (e = awaiting.poll()) != null; ) {
            if (unexpected && e.owner != null && (e.idempotent || paused) && e.canResend()) {
                e.dropFrame();
                e.owner.retry(e, this, reason, !paused);
            } else {
                if (unexpected && e.owner != null) {
                    loop.settings().metrics().unsafeNotReplayed();
                }
                fail(e, reason + " before the reply; the command may or may not have run");
            }
        }
        for (InFlight e; (e = unsent.poll()) != null; ) {
            if (unexpected && e.owner != null && e.canResend()) {
                e.dropFrame();
                e.owner.retry(e, this, reason, false);
            } else {
                fail(e, reason + "; the command was not sent");
            }
        }
        for (WaitGate g; (g = openGates.poll()) != null; ) {
            lostGate(g, reason, unexpected);
        }
        if (gate != null) {
            lostGate(gate, reason, unexpected);
            gate = null;
        }
        if (writeWaiters != null) {
            ArrayList<ReplyOwner> w = writeWaiters;
            writeWaiters = null;
            w.forEach(ReplyOwner::backendWritable);
        }
        if (privateOwner != null) {
            privateOwner.privateConnectionLost(this);
        }
    }

    private void fail(InFlight e, String reason) {
        if (e.frame != null) {
            e.frame.release();
            e.frame = null;
        }
        if (e.owner != null && !e.noReply) {
            e.complete(Replies.error(loop.alloc(), "ERR redis-sidecar: " + reason));
        }
    }

    @Override
    public String toString() {
        return "backend " + node + (privateOwner != null ? " (private)" : " (shared)") + " " + state;
    }
}
