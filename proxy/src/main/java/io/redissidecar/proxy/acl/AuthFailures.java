package io.redissidecar.proxy.acl;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failed AUTH (and HELLO ... AUTH): counted per user (a name that is no user of the proxy counts as
 * {@code (unknown)}, so that the metric's labels stay as few as the users), logged at most once a second (the user
 * and the address, never the password; the failures in between are counted in the next line), and slowed down per
 * source address: from the {@value #FREE_FAILURES}th failure of an address within {@value #WINDOW_MS} ms on, its
 * WRONGPASS replies are delayed, {@value #STEP_MS} ms more for each further failure, at most
 * {@code --auth-failure-delay-ms}. At most {@value #MAX_ADDRESSES} addresses are remembered; when the table is
 * full, addresses whose window has passed are forgotten, and a new address is not tracked until there is room.
 * Thread-safe.
 */
public final class AuthFailures {
    public static final String UNKNOWN_USER = "(unknown)";
    static final int FREE_FAILURES = 5;
    static final long WINDOW_MS = 10_000;
    static final long STEP_MS = 100;
    static final int MAX_ADDRESSES = 10_000;
    private static final Logger log = LoggerFactory.getLogger(AuthFailures.class);

    private static final class Window {
        long startMs;
        int failures;
    }

    private final Map<String, LongAdder> byUser = new ConcurrentHashMap<>();
    private final Map<InetAddress, Window> byAddress = new ConcurrentHashMap<>();
    private final AtomicLong lastLogNanos = new AtomicLong(System.nanoTime() - 2_000_000_000L);
    private final LongAdder unlogged = new LongAdder();

    /**
     * Records a failed AUTH as {@code userLabel} (a known user's name or {@link #UNKNOWN_USER}) from {@code from}
     * (null: not an IP client); returns how long (at most {@code maxDelayMs}) to delay the WRONGPASS reply, in ms
     * (0: at once).
     */
    public long failed(String userLabel, InetAddress from, String clientAddr, long maxDelayMs) {
        byUser.computeIfAbsent(userLabel, k -> new LongAdder()).increment();
        long delay = from == null || maxDelayMs <= 0 ? 0 : delayFor(from, System.currentTimeMillis(), maxDelayMs);
        long now = System.nanoTime();
        long last = lastLogNanos.get();
        if (now - last >= 1_000_000_000L && lastLogNanos.compareAndSet(last, now)) {
            long more = unlogged.sumThenReset();
            log.warn("failed AUTH as user {} from {}{}{}", userLabel, clientAddr,
                    delay > 0 ? " (reply delayed " + delay + " ms)" : "",
                    more > 0 ? "; " + more + " more failed AUTH since the last such line" : "");
        } else {
            unlogged.increment();
        }
        return delay;
    }

    long delayFor(InetAddress from, long nowMs, long maxDelayMs) {
        Window w = byAddress.get(from);
        if (w == null) {
            if (byAddress.size() >= MAX_ADDRESSES) {
                byAddress.values().removeIf(x -> nowMs - x.startMs > WINDOW_MS);
                if (byAddress.size() >= MAX_ADDRESSES) {
                    return 0;
                }
            }
            w = byAddress.computeIfAbsent(from, k -> new Window());
        }
        synchronized (w) {
            if (w.failures == 0 || nowMs - w.startMs > WINDOW_MS) {
                w.startMs = nowMs;
                w.failures = 0;
            }
            w.failures++;
            int over = w.failures - FREE_FAILURES;
            return over <= 0 ? 0 : Math.min(maxDelayMs, over * STEP_MS);
        }
    }

    /** Addresses remembered now (bounded by {@value #MAX_ADDRESSES}). */
    int addresses() {
        return byAddress.size();
    }

    /** Failed AUTHs per user label, for the metric. */
    public Map<String, Long> perUser() {
        Map<String, Long> m = new java.util.TreeMap<>();
        byUser.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
