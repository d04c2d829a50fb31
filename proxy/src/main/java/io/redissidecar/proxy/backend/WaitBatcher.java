package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * Replicated durability's group commit on one backend connection: the client writes sent in one event-loop iteration
 * form a batch ({@link WaitGate}), followed by one {@code WAIT numreplicas timeout}; their replies are held until the
 * WAIT answers, then released, or replaced by an error that says the write is unconfirmed.
 */
final class WaitBatcher {
    private final HostPort node;
    private final BackendSettings settings;
    /** The batch collecting this iteration's writes; null when none was written. */
    private WaitGate gate;
    /** Batches whose WAIT is sent and not yet answered. */
    private final ArrayDeque<WaitGate> open = new ArrayDeque<>();

    WaitBatcher(HostPort node, BackendSettings settings) {
        this.node = node;
        this.settings = settings;
    }

    /** Adds {@code e}, being written, to this iteration's batch when it is a client's write. */
    void add(InFlight e) {
        if (e.write && e.kind == InFlight.Kind.CLIENT && settings.replicated()) {
            if (gate == null) {
                gate = new WaitGate();
            }
            gate.writes.add(e);
            e.gate = gate;
        }
    }

    /** Whether this iteration has writes that wait for their WAIT (the connection must not be flushed early). */
    boolean collecting() {
        return gate != null;
    }

    /** Ends this iteration's batch: the WAIT to write after its writes, or null when there is no batch. */
    InFlight closeBatch(ByteBufAllocator alloc) {
        WaitGate g = gate;
        if (g == null) {
            return null;
        }
        gate = null;
        InFlight wait = InFlight.internal(InFlight.Kind.WAIT, Replies.command(alloc, "WAIT",
                Integer.toString(settings.minReplicas()), Integer.toString(settings.replicationTimeoutMs())));
        wait.gate = g;
        g.sentAtNanos = System.nanoTime();
        open.add(g);
        return wait;
    }

    /** A write's reply came: it waits for its batch's WAIT. */
    void store(InFlight e, ByteBuf buf, int offset, int length) {
        e.storeRange(buf, offset, length);
        e.gate.stored.add(e);
    }

    /** The WAIT after a batch of writes answered: release their replies, or report them unconfirmed. */
    void resolve(WaitGate g, ByteBuf buf, int offset, int length) {
        open.remove(g);
        settings.metrics().waitAnswered(System.nanoTime() - g.sentAtNanos);
        long acks = -1;
        if (buf.getByte(offset) == ':') {
            acks = 0;
            for (int i = offset + 1; i < offset + length - 2; i++) {
                acks = acks * 10 + (buf.getByte(i) - '0');
            }
        }
        if (acks >= settings.minReplicas()) {
            g.stored.forEach(InFlight::releaseStored);
            return;
        }
        String why = acks < 0 ? "WAIT failed: " + buf.toString(offset + 1, length - 3, StandardCharsets.UTF_8)
                : "WAIT answered " + acks;
        String reason = "write not confirmed by " + settings.minReplicas() + " replica(s) within "
                + settings.replicationTimeoutMs() + " ms (" + why + "); it ran on the master " + node
                + " and may be lost if that master fails";
        for (InFlight e : g.stored) {
            settings.metrics().writeUnconfirmed();
            e.failStored(Replies.error(ByteBufAllocator.DEFAULT, "ERR redis-sidecar: " + reason));
        }
    }

    /**
     * The connection {@code from} went before the batches' WAITs answered: idempotent writes are sent again (to be
     * confirmed on the master that takes over) when the loss was {@code unexpected}; the others are reported
     * unconfirmed.
     */
    void connectionLost(BackendConnection from, String reason, boolean unexpected) {
        for (WaitGate g; (g = open.poll()) != null; ) {
            lost(g, from, reason, unexpected);
        }
        if (gate != null) {
            lost(gate, from, reason, unexpected);
            gate = null;
        }
    }

    private static void lost(WaitGate g, BackendConnection from, String reason, boolean unexpected) {
        for (InFlight e : g.stored) {
            if (unexpected && e.idempotent && e.canResend() && e.owner != null) {
                e.dropStored();
                e.owner.retry(e, from, reason + " before the write was confirmed on replicas", true);
            } else {
                e.failStored(Replies.error(ByteBufAllocator.DEFAULT, "ERR redis-sidecar: " + reason
                        + " before the write was confirmed on replicas; it ran on the master"));
            }
        }
    }
}
