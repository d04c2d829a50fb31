package io.redissidecar.proxy.backend;

/**
 * The watchdog's view of one backend connection: whether it has had requests outstanding and no reply for the
 * backend timeout (a frozen or partitioned node never closes the connection by itself).
 */
final class StallWatch {
    private int repliesSeen;
    private int repliesAtLastCheck;
    private long stalledSinceNanos;

    /** A reply arrived. */
    void replied() {
        repliesSeen++;
    }

    /**
     * Called by the loop's watchdog: whether the connection, with requests {@code outstanding}, has had no reply for
     * {@code timeoutNanos} up to {@code now}.
     */
    boolean stalled(long now, long timeoutNanos, boolean outstanding) {
        if (!outstanding || repliesSeen != repliesAtLastCheck) {
            repliesAtLastCheck = repliesSeen;
            stalledSinceNanos = now;
            return false;
        }
        return now - stalledSinceNanos >= timeoutNanos;
    }

    /** How long, at {@code now}, the connection has had no reply, in milliseconds. */
    long stalledForMillis(long now) {
        return (now - stalledSinceNanos) / 1_000_000;
    }
}
