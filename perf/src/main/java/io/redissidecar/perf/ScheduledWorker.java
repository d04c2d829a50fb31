package io.redissidecar.perf;

import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One connection's thread of a fixed-rate load: a request at each due time, {@code interval} apart from {@code first}
 * until {@code end} ({@link System#nanoTime()}), one at a time. Latency is measured from the due time, so a stall
 * counts for every request it delayed (coordinated omission corrected).
 */
abstract class ScheduledWorker extends Thread {
    /** Latencies in microseconds. */
    final Histogram histogram = new Histogram(3_600_000_000L, 3);
    final int port;
    private final long first;
    private final long interval;
    private final long end;

    ScheduledWorker(int port, long first, long interval, long end) {
        this.port = port;
        this.first = first;
        this.interval = interval;
        this.end = end;
        setDaemon(true);
    }

    /** Waits for each due time in turn and makes its request. */
    final void runSchedule() throws Exception {
        for (long due = first; due < end; due += interval) {
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            request(due);
        }
    }

    /** Makes the request due at {@code due}. */
    abstract void request(long due) throws Exception;

    /** Records the latency of the request due at {@code due}, which ends now. */
    final long recordSince(long due) {
        long latency = System.nanoTime() - due;
        histogram.recordValue(Math.max(0, latency / 1000));
        return latency;
    }
}
