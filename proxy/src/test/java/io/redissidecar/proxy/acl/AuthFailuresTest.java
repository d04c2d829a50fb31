package io.redissidecar.proxy.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The slow-down of failed AUTH per address: when it starts, its bound, and the bounded table of addresses. */
class AuthFailuresTest {

    @Test
    void delayGrowsPerFailureUpToTheBoundAndRestartsAfterTheWindow() throws Exception {
        AuthFailures f = new AuthFailures();
        InetAddress a = InetAddress.getByAddress(new byte[] {10, 0, 0, 1});
        long t = 1_000_000;
        for (int i = 1; i <= AuthFailures.FREE_FAILURES; i++) {
            assertEquals(0, f.delayFor(a, t, 1000), "failure " + i);
        }
        assertEquals(100, f.delayFor(a, t, 1000));
        assertEquals(200, f.delayFor(a, t, 1000));
        for (int i = 0; i < 20; i++) {
            assertTrue(f.delayFor(a, t, 1000) <= 1000);
        }
        assertEquals(1000, f.delayFor(a, t, 1000));
        assertEquals(0, f.delayFor(a, t + AuthFailures.WINDOW_MS + 1, 1000), "a new window");
        assertEquals(0, f.delayFor(InetAddress.getByAddress(new byte[] {10, 0, 0, 2}), t, 1000), "per address");
    }

    @Test
    void theTableOfAddressesIsBounded() throws Exception {
        AuthFailures f = new AuthFailures();
        long t = 1_000_000;
        for (int i = 0; i < AuthFailures.MAX_ADDRESSES + 500; i++) {
            f.delayFor(InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), t,
                    1000);
        }
        assertEquals(AuthFailures.MAX_ADDRESSES, f.addresses());
        // once their window has passed, old addresses make room for new ones
        f.delayFor(InetAddress.getByAddress(new byte[] {11, 0, 0, 1}), t + AuthFailures.WINDOW_MS + 1, 1000);
        assertEquals(1, f.addresses());
    }

    @Test
    void countedPerUserLabel() throws Exception {
        AuthFailures f = new AuthFailures();
        f.failed("alice", InetAddress.getLoopbackAddress(), "127.0.0.1:1", 0);
        f.failed(AuthFailures.UNKNOWN_USER, InetAddress.getLoopbackAddress(), "127.0.0.1:1", 0);
        f.failed(AuthFailures.UNKNOWN_USER, null, "x", 0);
        assertEquals(Map.of("alice", 1L, "(unknown)", 2L), f.perUser());
    }
}
