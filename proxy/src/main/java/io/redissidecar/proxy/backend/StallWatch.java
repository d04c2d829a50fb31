package io.redissidecar.proxy.backend;

/**
 * The watchdog's view of one backend connection: whether it has had requests outstanding and no byte from the node
 * for the backend timeout (a frozen or partitioned node never closes the connection by itself). The clock runs from
 * the later of the last byte received and the moment the connection started waiting (its first request after being
 * idle), so a large reply that is still arriving, or a connection that was idle for a long time, is not a stall.
 */
final class StallWatch {
    /** Silence after which the watchdog asks the node whether it is busy running a script. */
    private static final long BUSY_PROBE_AFTER_NANOS = 500_000_000L;
    /** When bytes last arrived, or when the connection last started waiting; 0 before either. */
    private long progressNanos;

    /** Bytes arrived from the node at {@code now}. */
    void bytesArrived(long now) {
        progressNanos = now;
    }

    /** A request was written while none was outstanding: the wait for a reply starts {@code now}. */
    void waitingFrom(long now) {
        progressNanos = now;
    }

    /**
     * Called by the loop's watchdog: whether the connection, with requests {@code outstanding}, has received nothing
     * for {@code timeoutNanos} up to {@code now}.
     */
    boolean stalled(long now, long timeoutNanos, boolean outstanding) {
        if (!outstanding || progressNanos == 0) {
            return false;
        }
        return now - progressNanos >= timeoutNanos;
    }

    /**
     * The watchdog's verdict: true when the connection has been stalled for {@code timeoutNanos} and its node is not
     * busy running a script. After a shorter silence the node is probed: a node running a long script answers a
     * connection of its own with -BUSY (see {@link BackendPool#probeBusy}); it is alive, and the script may be killed.
     */
    boolean deadAfterProbe(long now, long timeoutNanos, boolean outstanding, BackendPool pool) {
        if (!stalled(now, Math.min(timeoutNanos, BUSY_PROBE_AFTER_NANOS), outstanding)) {
            return false;
        }
        pool.probeBusy(now);
        return pool.busy() == null && stalled(now, timeoutNanos, outstanding);
    }

    /** How long, at {@code now}, the connection has received nothing, in milliseconds. */
    long stalledForMillis(long now) {
        return (now - progressNanos) / 1_000_000;
    }
}
