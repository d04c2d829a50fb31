package io.redissidecar.topology;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a check on one control-plane thread: every interval, and soon after {@link #requestSoon()} (calls in a burst
 * coalesce into one run).
 */
final class CheckScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CheckScheduler.class);
    private static final long SOON_MS = 20;

    private final Duration interval;
    private final Runnable check;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean soonPending = new AtomicBoolean();

    CheckScheduler(String threadName, Duration interval, Runnable check) {
        this.interval = interval;
        this.check = check;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Runs one check on the caller's thread, before {@link #start()}. */
    void runNow() {
        try {
            executor.submit(this::runSafely).get();
        } catch (Exception e) {
            log.warn("first check failed: {}", e.toString());
        }
    }

    /** Runs {@code task} on the control-plane thread (between checks) and returns its result. */
    <T> T call(Callable<T> task) throws Exception {
        try {
            return executor.submit(task).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
    }

    void start() {
        executor.scheduleWithFixedDelay(this::runSafely, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    void requestSoon() {
        requestIn(SOON_MS);
    }

    /** Runs a check in {@code delayMs} unless one is already requested (calls in a burst coalesce). */
    void requestIn(long delayMs) {
        if (soonPending.compareAndSet(false, true)) {
            try {
                executor.schedule(() -> {
                    soonPending.set(false);
                    runSafely();
                }, delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                soonPending.set(false); // closing
            }
        }
    }

    private void runSafely() {
        try {
            check.run();
        } catch (RuntimeException e) {
            log.warn("check failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
