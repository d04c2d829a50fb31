package io.redissidecar.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.redissidecar.config.HostPort;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the Sentinels' events do, fed to {@link SentinelEvents#onEvent} directly (no Sentinel needed). */
class SentinelEventsTest {
    private static final HostPort SENTINEL = new HostPort("127.0.0.1", 26379);
    private static final HostPort A = new HostPort("127.0.0.1", 6380);
    private static final HostPort B = new HostPort("127.0.0.1", 6381);
    private static final String SELECTED_B = "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6380";

    private final Topology topology = new Topology();
    private final AtomicInteger checks = new AtomicInteger();
    private SentinelEvents events;

    @BeforeEach
    void routedToA() {
        events = new SentinelEvents(s -> {
            throw new AssertionError("no connection in this test");
        }, () -> "mymaster", topology, checks::incrementAndGet);
        topology.update(Map.of(A, new NodeState(A, true, "master", 1, 100, null),
                B, new NodeState(B, true, "slave", 1, 100, null)), A);
    }

    @Test
    void everyEventAsksForACheckButOnlyOurMastersRaiseTheFlag() {
        events.onEvent(SENTINEL, "+sdown", "slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1 6380");
        events.onEvent(SENTINEL, "+try-failover", "master mymaster2 127.0.0.1 6390");
        events.onEvent(SENTINEL, "+try-failover", "master othermaster 127.0.0.1 6390");
        events.onEvent(SENTINEL, "+try-failover", null);
        assertEquals(4, checks.get());
        assertEquals(0, events.failoverUntil());
        assertEquals(A, topology.master());
    }

    @Test
    void aPromotionRaisesTheFlagAndHoldsWritesAtOnce() {
        events.onEvent(SENTINEL, "+try-failover", "master mymaster 127.0.0.1 6380");
        assertNotEquals(0, events.failoverUntil());
        assertNull(events.promoting());
        assertNull(topology.master(), "suspended before the next check");
        assertEquals(1, checks.get());
    }

    @Test
    void theSelectedReplicaIsNotedUntilTheFailoverEnds() {
        events.onEvent(SENTINEL, "+try-failover", "master mymaster 127.0.0.1 6380");
        events.onEvent(SENTINEL, "+selected-slave", SELECTED_B);
        assertEquals(B, events.promoting());
        events.onEvent(SENTINEL, "+switch-master", "mymaster 127.0.0.1 6380 127.0.0.1 6381");
        assertEquals(0, events.failoverUntil());
        assertNull(events.promoting());
    }

    @Test
    void everyWayAFailoverEndsLowersTheFlag() {
        for (String end : new String[] {"+switch-master", "+failover-end", "+failover-end-for-timeout",
            "-failover-abort-not-elected", "-failover-abort-no-good-slave"}) {
            events.onEvent(SENTINEL, "+selected-slave", SELECTED_B);
            assertNotEquals(0, events.failoverUntil(), end);
            events.onEvent(SENTINEL, end, "master mymaster 127.0.0.1 6380");
            assertEquals(0, events.failoverUntil(), end);
            assertNull(events.promoting(), end);
        }
    }

    @Test
    void aPromotedReplicaWritesAlreadyGoToIsNotSuspended() {
        events.onEvent(SENTINEL, "+selected-slave", SELECTED_B);
        topology.update(topology.nodes(), B); // the next check found B saying master
        events.onEvent(SENTINEL, "+promoted-slave", SELECTED_B);
        assertEquals(B, topology.master());
    }

    @Test
    void aSwitchoverRaisesTheFlagWithNoReplicaAndLowersItWhenItFails() {
        events.onEvent(SENTINEL, "+selected-slave", SELECTED_B);
        events.switchoverStarted();
        assertNotEquals(0, events.failoverUntil());
        assertNull(events.promoting());
        events.onEvent(SENTINEL, "+selected-slave", SELECTED_B);
        events.switchoverFailed();
        assertEquals(0, events.failoverUntil());
        assertEquals(B, events.promoting(), "only the flag is lowered");
    }

    @Test
    void theMasterAFailoverBeganAgainstIsTakenOnceForItsFence() {
        events.onEvent(SENTINEL, "+sdown", "master mymaster 127.0.0.1 6380");
        assertNull(events.takeFailingMaster(), "a master down is not yet a failover");
        events.onEvent(SENTINEL, "+try-failover", "master mymaster 127.0.0.1 6380");
        events.onEvent(SENTINEL, "+switch-master", "mymaster 127.0.0.1 6380 127.0.0.1 6381");
        assertEquals(A, events.takeFailingMaster(), "kept after the failover ended, until taken");
        assertNull(events.takeFailingMaster());
        events.onEvent(SENTINEL, "+selected-slave", SELECTED_B);
        assertEquals(A, events.takeFailingMaster());
    }

    @Test
    void masterAddressIsTheInstanceForAMasterAndAfterTheAtForAReplica() {
        assertEquals(A, SentinelEvents.masterAddress("master mymaster 127.0.0.1 6380"));
        assertEquals(A, SentinelEvents.masterAddress(SELECTED_B));
        assertNull(SentinelEvents.masterAddress("slave 127.0.0.1:6381 127.0.0.1 6381 @ mymaster 127.0.0.1"));
        assertNull(SentinelEvents.masterAddress("sentinel 1a2b 127.0.0.1 26379"));
    }

    @Test
    void instanceAddressIsTheThirdAndFourthWord() {
        assertEquals(B, SentinelEvents.instanceAddress(SELECTED_B));
        assertEquals(A, SentinelEvents.instanceAddress(" master mymaster 127.0.0.1 6380 "));
        assertNull(SentinelEvents.instanceAddress("master mymaster 127.0.0.1"));
        assertNull(SentinelEvents.instanceAddress("master mymaster 127.0.0.1 port"));
    }
}
