package io.redissidecar.proxy.backend;

import io.netty.channel.Channel;

/**
 * Holds back reading a private connection while its client does not keep up (a slow subscriber): the messages then
 * wait in Redis, whose output limit applies as it would to a direct client, instead of in the proxy's memory.
 */
final class ReadThrottle {
    /** When reading was last held back; 0 never. */
    private long heldBackNanos;

    /** Stops or resumes reading {@code ch}; the watchdog's clock restarts, as the proxy itself did not read. */
    void set(Channel ch, StallWatch stall, boolean on) {
        if (ch.config().isAutoRead() == on) {
            return;
        }
        long now = System.nanoTime();
        stall.bytesArrived(now);
        if (!on) {
            heldBackNanos = now;
        }
        ch.config().setAutoRead(on);
    }

    /** Whether reading is held back now or was within the last {@code nanos}. */
    boolean heldBackWithin(Channel ch, long nanos) {
        return heldBackNanos != 0 && (!ch.config().isAutoRead() || System.nanoTime() - heldBackNanos < nanos);
    }
}
