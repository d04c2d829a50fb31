package io.redissidecar.proxy.metrics;

import io.redissidecar.proxy.commands.CommandInfo;
import java.util.Arrays;

/**
 * The request metrics of one event loop, counted in plain arrays: only that loop's thread writes them, so the
 * request path does no atomic operation. {@link ProxyMetrics} sums every loop's arrays when Prometheus scrapes
 * (reads from another thread may lag by a few requests, never tear on a 64-bit JVM).
 */
public final class LoopCounters {
    static final int OUTCOMES = ProxyMetrics.OUTCOMES.length;
    static final int CLASSES = ProxyMetrics.CLASSES.length;
    /** Upper bounds of the latency buckets, seconds (the last bucket, +Inf, is implicit). */
    static final double[] BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
        0.5, 1, 2.5, 5, 10, 30};
    private static final long[] BOUNDS_NANOS = new long[BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            BOUNDS_NANOS[i] = (long) (BOUNDS[i] * 1e9);
        }
    }

    volatile long[] requests = new long[OUTCOMES * 512];
    final long[] buckets = new long[CLASSES * (BOUNDS.length + 1)];
    final long[] latencyNanos = new long[CLASSES];
    long bytesIn;
    long bytesOut;

    void request(CommandInfo cmd, int outcome) {
        int i = (cmd == null ? 0 : cmd.index()) * OUTCOMES + outcome;
        long[] r = requests;
        if (i >= r.length) {
            r = Arrays.copyOf(r, Math.max(r.length * 2, i + OUTCOMES));
            requests = r;
        }
        r[i]++;
    }

    void latency(int commandClass, long nanos) {
        int b = 0;
        while (b < BOUNDS_NANOS.length && nanos > BOUNDS_NANOS[b]) {
            b++;
        }
        buckets[commandClass * (BOUNDS.length + 1) + b]++;
        latencyNanos[commandClass] += nanos;
    }
}
