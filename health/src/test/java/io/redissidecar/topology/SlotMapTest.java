package io.redissidecar.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.redissidecar.config.HostPort;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlotMapTest {

    @Test
    void ownerIndexFollowsTheMastersInSlotOrderAndIsMinusOneForUncoveredSlots() {
        HostPort a = new HostPort("127.0.0.1", 7001);
        HostPort b = new HostPort("127.0.0.1", 7002);
        SlotMap map = new SlotMap.Builder()
                .assign(0, 99, b, List.of())
                .assign(100, 199, a, List.of())
                .assign(300, SlotMap.SLOTS - 1, b, List.of())
                .build();
        assertEquals(List.of(b, a), map.masters());
        assertEquals(0, map.ownerIndex(0));
        assertEquals(1, map.ownerIndex(150));
        assertEquals(-1, map.ownerIndex(250));
        assertNull(map.owner(250));
        assertEquals(0, map.ownerIndex(SlotMap.SLOTS - 1));
        assertEquals(SlotMap.SLOTS - 100, map.covered());
    }
}
