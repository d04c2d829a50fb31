package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.redissidecar.proxy.backend.FlushBatch;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.metrics.LoopCounters;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import java.util.ArrayDeque;

/**
 * A client's requests in the order it sent them, each until its reply is written: replies come back in any order
 * (several backend connections, local replies, retries) and leave in request order. Consecutive replies that lie next
 * to each other in one backend read buffer leave as one slice ({@link ReplyRun}); the client's channel is flushed
 * once per event-loop iteration ({@link FlushBatch}).
 */
final class ReplyQueue implements FlushBatch.Flushable, LoopBackends.Drainable {
    private final ArrayDeque<InFlight> replies = new ArrayDeque<>();
    private final ReplyRun run = new ReplyRun();
    private final ProxyMetrics metrics;
    private final LoopCounters counters;
    private final LoopBackends backends;
    /** Writes the replies that are due ({@link #drain(boolean)}) and lets the session go on. */
    private final Runnable drainer;
    private boolean drainQueued;
    private ChannelHandlerContext ctx;
    /** Requests sent to a backend (or held to be sent) whose replies have not come. */
    private int inflight;
    /** The entries waiting, each counted with its parts (a split MGET of 500 keys counts 500). */
    private int weight;
    private boolean flushQueued;
    /** CLIENT REPLY OFF: every reply is dropped; SKIP: the next one is. */
    private boolean off;
    private boolean skipNext;

    ReplyQueue(ProxyMetrics metrics, LoopCounters counters, LoopBackends backends, Runnable drainer) {
        this.drainer = drainer;
        this.metrics = metrics;
        this.counters = counters;
        this.backends = backends;
    }

    void channel(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** {@code e} goes to a backend (now, or once a master is known): its place in the order is taken now. */
    void sent(InFlight e) {
        e.silent = silence();
        replies.add(e);
        weight += e.parts;
        inflight++;
    }

    /** A reply made by the proxy (done at birth) takes its place in the order. */
    void local(InFlight e) {
        e.silent = silence();
        replies.add(e);
        weight += e.parts;
    }

    /** A request sent to a backend came back (answered, or failed for good). */
    void answered() {
        inflight--;
    }

    /** A push the proxy makes joins the order; CLIENT REPLY does not apply to it, nor is it a reply SKIP skips. */
    void push(InFlight e) {
        replies.add(e);
        weight += e.parts;
    }

    /** CLIENT REPLY: ON, OFF, or SKIP (the next request's reply only). */
    void replyMode(boolean on, boolean skip) {
        off = !on && !skip;
        skipNext = skip;
    }

    /** Whether the reply now due is dropped (CLIENT REPLY OFF, or the one SKIP names, which this spends). */
    boolean silence() {
        boolean s = off || skipNext;
        skipNext = false;
        return s;
    }

    /** Bytes written to the client and not yet sent (the proxy's buffer for its socket). */
    long outboundBytes() {
        return ctx == null ? 0 : OutputLimit.pendingBytes(ctx.channel());
    }

    int inflight() {
        return inflight;
    }

    /**
     * Requests whose replies are not written yet, each counted with its parts: what {@code --max-pending-per-client}
     * bounds.
     */
    int size() {
        return weight;
    }

    /**
     * A reply came for a client that is still there: the replies due are written now, or, during a backend read,
     * once that read ends, so that the replies one read completes for the client leave as one slice.
     */
    void replyReady() {
        if (drainQueued) {
            return;
        }
        if (backends.deferDrain(this)) {
            drainQueued = true;
            return;
        }
        drain();
    }

    @Override
    public void drain() {
        drainQueued = false;
        drainer.run();
    }

    /**
     * Writes the replies that are due, in order, up to the first one still missing. Returns false when a reply
     * closed the client (QUIT, a protocol error): nothing more is written to it.
     */
    boolean drain(boolean active) {
        boolean wrote = false;
        long bytes = 0;
        for (InFlight e; (e = replies.peek()) != null && e.isDone(); ) {
            replies.poll();
            weight -= e.parts;
            if (!active || e.silent && !e.closeAfter) {
                if (active && e.metered) {
                    metrics.answered(counters, e.cmd, false, e.cmdClass, e.startNanos, completedAt(e));
                }
                e.discard();
                continue;
            }
            if (e.isRange()) {
                ByteBuf b = e.takeReply();
                if (e.metered) {
                    metrics.answered(counters, e.cmd, !e.streamed && b.getByte(e.replyOffset()) == '-', e.cmdClass,
                            e.startNanos, completedAt(e));
                }
                bytes += e.replyLength();
                write(run.add(b, e.replyOffset(), e.replyLength()));
                wrote = true;
                continue;
            }
            write(run.take());
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
        write(run.take());
        if (bytes > 0) {
            metrics.bytesOut(counters, bytes);
        }
        if (wrote && active) {
            queueFlush();
        }
        return active;
    }

    /** The client's channel is flushed once, at the end of this event-loop iteration ({@link FlushBatch}). */
    private void queueFlush() {
        if (!flushQueued) {
            flushQueued = true;
            backends.flushBatch().add(this);
        }
    }

    /**
     * Writes the first part of {@code e}'s reply now if {@code e} is the next reply due (see
     * {@link io.redissidecar.proxy.backend.ReplyOwner#replyPiece}); false, and {@code piece} not taken, if not.
     */
    boolean writePiece(InFlight e, ByteBuf piece) {
        if (replies.peek() != e) {
            return false;
        }
        metrics.bytesOut(counters, piece.readableBytes());
        ctx.write(piece, ctx.voidPromise());
        queueFlush();
        return true;
    }

    private void write(ByteBuf ended) {
        if (ended != null) {
            ctx.write(ended, ctx.voidPromise());
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

    /** The client is gone: releases the replies that came and were not written (the others are dropped as they come). */
    void clientGone() {
        for (InFlight e : replies) {
            if (e.isDone()) {
                e.discard();
            }
        }
    }
}
