package io.redissidecar.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The watchdog measures time since the node last sent a byte, from the moment the connection started waiting. */
class StallWatchTest {
    private static final long S = 1_000_000_000L;
    private static final long TIMEOUT = 5 * S;
    /** A monotonic clock reading far from 0, as System.nanoTime() may give. */
    private static final long T0 = 2_333_948 * 1_000_000L;

    @Test
    void aFreshConnectionIsNotStalledAtItsFirstCheck() {
        StallWatch w = new StallWatch();
        w.waitingFrom(T0);
        // before, the clock started at 0: "no reply for 2333948 ms" at the first check
        assertFalse(w.stalled(T0 + S / 10, TIMEOUT, true));
    }

    @Test
    void aLargeReplyStillArrivingIsNotAStall() {
        StallWatch w = new StallWatch();
        w.waitingFrom(T0);
        for (long t = T0 + S; t <= T0 + 12 * S; t += S) {
            w.bytesArrived(t); // a 128 MB bulk: bytes every second, no complete reply for 12 s
            assertFalse(w.stalled(t + S / 2, TIMEOUT, true), "at " + (t - T0) / S + " s");
        }
    }

    @Test
    void silenceForTheTimeoutIsAStall() {
        StallWatch w = new StallWatch();
        w.waitingFrom(T0);
        w.bytesArrived(T0 + S);
        assertFalse(w.stalled(T0 + 5 * S, TIMEOUT, true));
        assertTrue(w.stalled(T0 + 6 * S, TIMEOUT, true));
        assertEquals(5000, w.stalledForMillis(T0 + 6 * S));
    }

    @Test
    void nothingOutstandingIsNeverAStall() {
        StallWatch w = new StallWatch();
        assertFalse(w.stalled(T0 + 100 * S, TIMEOUT, true), "never waited: no clock yet");
        w.waitingFrom(T0);
        assertFalse(w.stalled(T0 + 100 * S, TIMEOUT, false));
    }

    @Test
    void anIdleConnectionStartsAFreshWait() {
        StallWatch w = new StallWatch();
        w.waitingFrom(T0);
        w.bytesArrived(T0 + S); // answered; idle for a minute
        w.waitingFrom(T0 + 61 * S);
        assertFalse(w.stalled(T0 + 62 * S, TIMEOUT, true));
    }
}
