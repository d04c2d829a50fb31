package io.redissidecar.proxy.backend;

import io.netty.channel.Channel;

/**
 * Holds back reading a private connection while its client does not keep up (a slow subscriber): the messages then
 * wait in Redis, whose output limit applies as it would to a direct client, instead of in the proxy's memory.
 */
final class ReadThrottle {
    /** When reading last resumed after being held back; 0 never. */
    private long resumedNanos;

    /** Stops or resumes reading {@code ch}; the watchdog's clock restarts, as the proxy itself did not read. */
    void set(Channel ch, StallWatch stall, boolean on) {
        if (ch.config().isAutoRead() == on) {
            return;
        }
        long now = System.nanoTime();
        stall.bytesArrived(now);
        if (on) {
            resumedNanos = now;
        }
        ch.config().setAutoRead(on);
    }

    /** Whether reading is held back now. */
    boolean heldBack(Channel ch) {
        return !ch.config().isAutoRead();
    }

    /**
     * Whether reading is held back now, or resumed within the last {@code nanos}: a connection lost then was most
     * likely dropped by Redis while the client did not keep up (its close arrives after the data left unread).
     */
    boolean heldBackOrResumedWithin(Channel ch, long nanos) {
        return heldBack(ch) || resumedNanos != 0 && System.nanoTime() - resumedNanos < nanos;
    }
}
