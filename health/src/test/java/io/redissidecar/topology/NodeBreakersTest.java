package io.redissidecar.topology;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.HostPort;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class NodeBreakersTest {

    @Test
    void opensAfterFailedConnectsAndLetsOneTrialThroughLater() {
        NodeBreakers b = new NodeBreakers(Duration.ofMillis(100));
        HostPort n = new HostPort("127.0.0.1", 1);
        HostPort other = new HostPort("127.0.0.1", 2);
        assertTrue(b.allowConnect(n));
        b.failed(n, "refused");
        assertTrue(b.allowConnect(n));
        b.failed(n, "refused");
        assertEquals("OPEN", b.state(n));
        assertFalse(b.allowConnect(n));
        assertTrue(b.allowConnect(other), "breakers are per node");
        await().atMost(Duration.ofSeconds(5)).until(() -> b.allowConnect(n)); // half-open: one trial
        assertFalse(b.allowConnect(n), "only one trial at a time");
        b.connected(n);
        assertEquals("CLOSED", b.state(n));
    }
}
