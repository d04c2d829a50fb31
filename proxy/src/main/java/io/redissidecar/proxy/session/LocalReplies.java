package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.metrics.LoopCounters;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.proxy.resp.Replies;

/**
 * The replies a client gets from the proxy itself (emulated commands, refusals, errors) and where they go in the
 * client's order: behind the replies still due ({@link ReplyQueue}), or, for a subscribed client, in the place Redis
 * gives a marker among its own replies ({@link Subscriptions#answerInOrder}).
 */
final class LocalReplies {
    private final ClientSession s;
    private final ProxyContext px;
    private final ProxyMetrics metrics;
    private final LoopCounters counters;

    LocalReplies(ClientSession session, ProxyContext px, LoopCounters counters) {
        this.s = session;
        this.px = px;
        this.metrics = px.metrics();
        this.counters = counters;
    }

    /** Answers the request being handled with {@code reply}. Returns true (the request is done). */
    boolean local(ByteBuf reply) {
        InFlight e = InFlight.local(reply);
        s.entries.tagIfDispatching(e);
        answer(e);
        return true;
    }

    boolean refuse(String message) {
        return refuse(Replies.error(s.alloc(), message));
    }

    /** Answers the request with {@code error} without sending it (inside MULTI, EXEC then aborts, as in Redis). */
    boolean refuse(ByteBuf error) {
        if (s.state.inMulti) {
            s.state.txDirty = true;
        }
        metrics.request(counters, s.entries.command(), ProxyMetrics.REFUSED);
        answer(InFlight.local(error));
        return true;
    }

    boolean noMaster() {
        return local(Replies.error(s.alloc(), "ERR redis-sidecar: no master available ("
                + px.topology().whyNoMaster() + ")"));
    }

    /** A reply the proxy made for the request being handled; in pass-through mode, in its place among Redis's. */
    private void answer(InFlight e) {
        if (s.state.passthrough && !s.state.awaitingReset) {
            s.subs.answerInOrder(e);
        } else {
            s.replies.local(e); // the reply to a request: CLIENT REPLY OFF or SKIP drops it
            s.drainReplies();
        }
    }

    /** {@code e}, done, takes its place behind the replies still due; the replies due are written. */
    void enqueue(InFlight e) {
        s.replies.push(e); // Redis's pass-through frames and closing replies: CLIENT REPLY does not apply to them
        s.drainReplies();
    }

    /** A push the proxy makes (an invalidation): after the replies already due, never silenced by CLIENT REPLY. */
    void push(ByteBuf push) {
        s.replies.push(InFlight.local(push));
        s.drainReplies();
    }

    /** Reads no more; writes the replies still due, then {@code last}, then closes the client. */
    void closeAfterReplies(ByteBuf last) {
        InFlight e = InFlight.local(last);
        e.closeAfter = true;
        s.closing = true;
        enqueue(e);
    }

    /**
     * Redis's cross-protocol guard: a {@code POST} request line or a {@code Host:} header line means an HTTP client
     * (a web page, curl) is talking to the data port. Redis closes such a connection at once; so does the proxy,
     * with the client's connection, before anything more of it is read or forwarded.
     */
    boolean crossProtocolClose(ChannelHandlerContext ctx) {
        px.crossProtocolClosed(ctx.channel().remoteAddress());
        s.closing = true;
        ctx.close();
        return true;
    }
}
