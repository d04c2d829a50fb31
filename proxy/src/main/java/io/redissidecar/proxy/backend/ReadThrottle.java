package io.redissidecar.proxy.backend;

import io.netty.channel.Channel;

/**
 * Holds back reading a private connection while its client does not keep up (a slow subscriber): the messages then
 * wait in Redis, whose output limit applies as it would to a direct client, instead of in the proxy's memory.
 */
public final class ReadThrottle {
    private Channel channel;
    private StallWatch stall;
    /** Held back before the connection was up: it starts so. */
    private boolean heldBeforeConnect;
    /** When reading last resumed after being held back; 0 never. */
    private long resumedNanos;

    /** The connection is up. */
    void attach(Channel ch, StallWatch watch) {
        channel = ch;
        stall = watch;
        if (heldBeforeConnect) {
            set(false);
        }
    }

    /** Stops or resumes reading; the watchdog's clock restarts, as the proxy itself did not read. */
    public void set(boolean on) {
        if (channel == null) {
            heldBeforeConnect = !on;
            return;
        }
        if (channel.config().isAutoRead() == on) {
            return;
        }
        long now = System.nanoTime();
        stall.bytesArrived(now);
        if (on) {
            resumedNanos = now;
        }
        channel.config().setAutoRead(on);
    }

    /** Whether reading is held back now. */
    public boolean heldBack() {
        return channel != null && !channel.config().isAutoRead();
    }

    /**
     * Whether reading is held back now, or resumed within the last {@code nanos}: a connection lost then was most
     * likely dropped by Redis while the client did not keep up (its close arrives after the data left unread).
     */
    public boolean heldBackOrResumedWithin(long nanos) {
        return heldBack() || resumedNanos != 0 && System.nanoTime() - resumedNanos < nanos;
    }
}
