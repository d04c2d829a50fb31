package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.cluster.MergedRequest;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.metrics.LoopCounters;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.topology.SlotMap;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A client's requests that wait to be sent (again): no master was known, the connection they were on was lost when
 * sending them again is safe, or Redis answered that they did not run (MOVED, ASK, TRYAGAIN, READONLY, ...). They
 * keep their order and are retried after a back-off (25 ms doubling to 500 ms), or at once when the master changes,
 * until {@code --failover-hold-ms} runs out; then the client gets an error saying whether the command may have run.
 */
final class HeldRequests {
    private static final ByteBuf ASKING = Unpooled.unreleasableBuffer(Replies.command(
            UnpooledByteBufAllocator.DEFAULT, "ASKING").asReadOnly());

    private final ClientSession session;
    private final ProxyContext px;
    private final LoopBackends backends;
    private final ProxyMetrics metrics;
    private final LoopCounters counters;
    private final ArrayDeque<InFlight> queue = new ArrayDeque<>();
    private final Runnable tick = this::tick;
    private boolean scheduled;
    private int backoffMs;

    HeldRequests(ClientSession session, ProxyContext px, LoopBackends backends, LoopCounters counters) {
        this.session = session;
        this.px = px;
        this.backends = backends;
        this.metrics = px.metrics();
        this.counters = counters;
    }

    /** No master is known: the request waits (in order) for one, up to failover-hold-ms. */
    boolean hold(int consumed, CommandInfo cmd, boolean privateRoute) {
        if (px.holdNanos() == 0) {
            return session.answers.noMaster();
        }
        InFlight e = session.entries.request(consumed, cmd, privateRoute, session.curSlot);
        if (!e.canResend()) {
            return session.answers.noMaster(); // transactional: cannot wait
        }
        session.replies.sent(e);
        retry(e, null, "no master known", false);
        return true;
    }

    /**
     * {@code e} did not get its reply but may be sent again ({@link io.redissidecar.proxy.backend.ReplyOwner#retry}):
     * it waits, and the client stops being read until the held requests are out.
     */
    void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        if (!session.isActive()) {
            dropped(e);
            return;
        }
        add(e, from, reason, mayHaveRun);
        session.pause(ClientSession.PAUSE_RETRY);
    }

    /** Cluster mode: MOVED or ASK sent {@code e} to {@code target}; it goes there, at most 5 times. */
    void redirect(InFlight e, HostPort target, boolean ask) {
        if (!session.isActive()) {
            dropped(e);
            return;
        }
        if (++e.redirects > 5) {
            e.completeLocally(Replies.error(session.alloc(), "ERR redis-sidecar: too many redirections (last to "
                    + target + "); the command was not run"));
            return;
        }
        px.redirected(ask);
        metrics.request(counters, e.cmd, ProxyMetrics.REDIRECTED);
        SlotMap map = px.topology().slots();
        if (map == null || !map.nodes().contains(target)) {
            // a node the slot map does not name: never connect to it (nor send it the backend's credentials);
            // refresh the map and send the request to its slot's owner by the map
            backends.requestTopologyCheck(target);
            target = null;
            ask = false;
        }
        e.redirectTo = target;
        e.asking = ask;
        retry(e, null, target == null ? "redirected to a node outside the slot map"
                : (ask ? "ASK " : "MOVED ") + target, false);
    }

    /** The client is gone: an entry that came back to be retried is dropped. */
    private void dropped(InFlight e) {
        if (e.owner == session) {
            session.replies.answered();
        }
        e.discard();
    }

    /** {@code e} waits to be sent again; {@code from} is the connection it was on (null: it was never sent). */
    private void add(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        if (e.holdDeadlineNanos == 0) {
            e.holdDeadlineNanos = System.nanoTime() + px.holdNanos();
        }
        e.retryReason = reason;
        e.mayHaveRun |= mayHaveRun;
        if (from != null) {
            metrics.request(counters, e.cmd, ProxyMetrics.RETRIED);
        }
        queue.add(e);
        schedule();
    }

    boolean isEmpty() {
        return queue.isEmpty();
    }

    /** A reply came: connections work again, the next retry comes without delay. */
    void replyCame() {
        backoffMs = 0;
    }

    /** Retries after the back-off, or at once when the master changes. */
    void schedule() {
        if (scheduled) {
            return;
        }
        scheduled = true;
        int delay = backoffMs;
        backoffMs = Math.min(Math.max(delay * 2, 25), 500);
        backends.onNextMasterChange(tick);
        backends.eventLoop().schedule(tick, delay, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        if (!scheduled) {
            return; // the other trigger came first
        }
        scheduled = false;
        if (!session.isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (!session.subs.resubscribeIfNeeded(now)) {
            return;
        }
        for (InFlight e; (e = queue.peek()) != null; ) {
            if (now - e.holdDeadlineNanos > 0) {
                queue.poll();
                expired(e);
                continue;
            }
            BackendConnection c = session.selector.retryTarget(e, session.priv, session.state.pinned());
            if (c == null) {
                schedule();
                return;
            }
            queue.poll();
            metrics.heldReplayed();
            e.setFrame(e.requestForResend());
            if (e.asking) {
                c.sendInternal(Replies.of(ASKING)); // ASKING holds for the next command on this connection only
            }
            e.redirectTo = null;
            e.asking = false;
            if (e.owner == session) {
                session.sentTo(c, !e.privateRoute);
            }
            c.send(e);
        }
        if (!session.subs.resubscribeNeeded() && queue.isEmpty()) {
            // the back-off is reset by the next reply, not here: the new connection may fail too
            session.resume(ClientSession.PAUSE_RETRY);
        }
    }

    private void expired(InFlight e) {
        metrics.heldFailed();
        String why = px.topology().master() == null ? e.retryReason + " (" + px.topology().whyNoMaster() + ")"
                : e.retryReason;
        e.completeLocally(Replies.error(session.alloc(), "ERR redis-sidecar: no master took the command within "
                + "failover-hold-ms (" + px.config().failoverHoldMs() + " ms): " + why + "; the command "
                + (e.mayHaveRun ? "may or may not have run" : "was not run")));
    }

    /** The client is gone: the waiting requests are dropped (a merged request's part counts as answered). */
    void clientGone() {
        for (InFlight e : queue) {
            if (e.owner instanceof MergedRequest m) {
                m.dropped(e);
            } else {
                e.discard();
            }
        }
        queue.clear();
    }
}
