package io.redissidecar.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.HostPort;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When an old master's fence holds and when it is lifted ({@link MasterFence}), with the time as an argument. */
class MasterFenceTest {
    private static final HostPort A = new HostPort("127.0.0.1", 6380);
    private static final HostPort B = new HostPort("127.0.0.1", 6381);
    private static final long NOW = 1_000_000_000_000L;
    private static final long TIMEOUT = 10_000_000_000L;

    private static Map<HostPort, NodeState> role(HostPort n, String role) {
        return Map.of(n, new NodeState(n, true, role, 1, 100, null));
    }

    @Test
    void aRestartedOldMasterSayingMasterStaysFenced() {
        MasterFence f = new MasterFence();
        assertTrue(f.fence(A, NOW, TIMEOUT));
        assertFalse(f.fence(A, NOW + 5, TIMEOUT), "already fenced: the first fence stands");
        assertEquals(List.of(), f.lift(role(A, "master"), NOW + 1));
        assertEquals(List.of(), f.lift(Map.of(), NOW + 2), "not checked this round");
        assertTrue(f.blocks(A));
        assertFalse(f.blocks(B));
        assertFalse(f.blocks(null));
    }

    @Test
    void beingDemotedLiftsTheFence() {
        MasterFence f = new MasterFence();
        f.fence(A, NOW, TIMEOUT);
        assertEquals(List.of(), f.lift(Map.of(A, new NodeState(A, false, "slave", 1, -1, "down")), NOW),
                "a slave role remembered from before it went down proves nothing");
        assertEquals(List.of(A), f.lift(role(A, "slave"), NOW));
        assertFalse(f.blocks(A));
    }

    @Test
    void theFenceExpiresAfterTheFailoverTimeout() {
        MasterFence f = new MasterFence();
        f.fence(A, NOW, TIMEOUT);
        assertEquals(List.of(), f.lift(role(A, "master"), NOW + TIMEOUT - 1));
        assertEquals(List.of(A), f.lift(role(A, "master"), NOW + TIMEOUT));
    }

    @Test
    void severalOldMastersAreFencedAtOnceAndClearedTogether() {
        MasterFence f = new MasterFence();
        f.fence(A, NOW, TIMEOUT);
        f.fence(B, NOW, TIMEOUT);
        assertFalse(f.fence(null, NOW, TIMEOUT));
        assertEquals(2, f.nodes().size());
        assertEquals(List.of(B), f.lift(role(B, "slave"), NOW));
        assertTrue(f.blocks(A));
        f.clear();
        assertFalse(f.blocks(A));
    }
}
