package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.ScheduledFuture;
import io.redissidecar.config.HostPort;
import io.redissidecar.config.OutputBufferLimits;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A subscriber that does not keep up. While it is not writable, the proxy stops reading its private connection, so
 * its messages wait in Redis (see {@code ReadThrottle}). Meanwhile, every {@value #ASK_MS} ms, this asks Redis on a
 * shared connection how much waits there ({@code CLIENT LIST ID <id>}, its {@code omem}):
 * <ul>
 * <li>Redis no longer lists the connection: Redis dropped it (its {@code client-output-buffer-limit pubsub}); the
 * client is closed at once, as Redis closes a direct subscriber (its close would otherwise wait behind the data the
 * proxy left unread, for as long as the client does not read).</li>
 * <li>what waits in Redis and in the proxy together passes the proxy's own {@code pubsub} limit: the client is closed
 * at once, and its private connection with it.</li>
 * </ul>
 * A private connection lost while held back, or within {@value #RESUMED_MS} ms after reading resumed (the close
 * arrives after the data left unread), is taken as dropped by Redis as well: the client is closed rather than
 * subscribed again, as its messages were lost.
 */
final class SlowSubscriber implements ReplyOwner {
    static final long ASK_MS = 250;
    private static final long RESUMED_MS = 2000;

    private final ClientSession s;
    private final ProxyContext px;
    private final OutputLimit limit = new OutputLimit();
    private ScheduledFuture<?> tick;
    private boolean asking;

    SlowSubscriber(ClientSession session, ProxyContext px) {
        this.s = session;
        this.px = px;
    }

    /** The client became writable (true) or unwritable; only a subscriber's reading is held back. */
    void writable(boolean writable) {
        if (!writable && !s.state.passthrough) {
            return;
        }
        s.priv.readWhile(writable);
        if (!writable && tick == null && s.isActive()) {
            tick = s.backends.eventLoop().scheduleAtFixedRate(this::ask, ASK_MS, ASK_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void stop() {
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
    }

    private void ask() {
        BackendConnection p = s.priv.current();
        if (!s.isActive() || !s.state.passthrough || p == null || !p.reading().heldBack()) {
            stop();
            return;
        }
        long id = p.redisClientId();
        BackendConnection via = id < 0 || asking ? null : s.backends.pool(p.node()).shared(0);
        if (via == null) {
            return;
        }
        asking = true;
        via.send(new InFlight(this, Replies.command(s.alloc(), "CLIENT", "LIST", "ID", Long.toString(id)), -1));
    }

    @Override
    public void replyReady(InFlight e) {
        asking = false;
        ByteBuf b = e.takeReply();
        if (b == null) {
            return;
        }
        String reply = e.isRange() ? b.toString(e.replyOffset(), e.replyLength(), StandardCharsets.ISO_8859_1)
                : b.toString(StandardCharsets.ISO_8859_1);
        b.release();
        BackendConnection p = s.priv.current();
        if (!s.isActive() || p == null || !p.reading().heldBack() || reply.startsWith("-")) {
            return;
        }
        if (reply.startsWith("$0\r\n")) {
            close("Redis dropped its connection (client-output-buffer-limit pubsub)");
            return;
        }
        int at = reply.indexOf(" omem=");
        long omem = at < 0 ? 0 : Long.parseLong(reply.substring(at + 6, reply.indexOf(' ', at + 6)));
        OutputBufferLimits.Limit l = px.outputLimits().pubsub();
        String broken = l.off() ? null : limit.broken(omem + s.replies.outboundBytes(), l);
        if (broken != null) {
            close(broken + " (" + omem + " of them in Redis)");
        }
    }

    /** Closes the client at once: what waits for it is dropped, as Redis drops a client's output. */
    private void close(String why) {
        stop();
        px.outputLimitClosed(s.ctx.channel().remoteAddress(), why, true);
        s.ctx.close();
    }

    /** The subscriber's private connection {@code c} was lost: true when that ends the client (see above). */
    boolean lost(BackendConnection c) {
        if (!c.droppedByNode() || !c.reading().heldBackOrResumedWithin(TimeUnit.MILLISECONDS.toNanos(RESUMED_MS))) {
            return false;
        }
        if (c.reading().heldBack()) {
            close("Redis closed its connection while it did not keep up");
        } else {
            px.outputLimitClosed(s.ctx.channel().remoteAddress(), "Redis closed its connection while it did not "
                    + "keep up", true);
            s.answers.closeAfterReplies(Unpooled.EMPTY_BUFFER); // it reads again: it gets what reached the proxy
        }
        return true;
    }

    @Override
    public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        asking = false;
        e.discard();
    }

    @Override
    public void redirect(InFlight e, HostPort target, boolean ask) {
        asking = false;
        e.discard();
    }

    @Override
    public boolean isActive() {
        return s.isActive();
    }
}
