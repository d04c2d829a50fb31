package io.redissidecar.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The part of the planned switchover that needs no Redis: reading the master's INFO replication. */
class SwitchoverTest {

    private static String info(String... slaves) {
        StringBuilder sb = new StringBuilder("# Replication\r\nrole:master\r\n");
        sb.append("connected_slaves:").append(slaves.length).append("\r\n");
        for (int i = 0; i < slaves.length; i++) {
            sb.append("slave").append(i).append(':').append(slaves[i]).append("\r\n");
        }
        return sb.append("master_failover_state:no-failover\r\nmaster_repl_offset:1000\r\n").toString();
    }

    @Test
    void caughtUpWhenEveryOnlineReplicaHasTheMastersOffset() {
        assertTrue(Switchover.replicasCaughtUp(info("ip=127.0.0.1,port=6381,state=online,offset=1000,lag=0",
                "ip=127.0.0.1,port=6382,state=online,offset=1000,lag=1")));
        assertFalse(Switchover.replicasCaughtUp(info("ip=127.0.0.1,port=6381,state=online,offset=1000,lag=0",
                "ip=127.0.0.1,port=6382,state=online,offset=999,lag=1")));
    }

    @Test
    void replicasNotOnlineAreLeftOutButOneOnlineIsNeeded() {
        assertTrue(Switchover.replicasCaughtUp(info("ip=127.0.0.1,port=6381,state=online,offset=1000,lag=0",
                "ip=127.0.0.1,port=6382,state=wait_bgsave,offset=0,lag=0")));
        assertFalse(Switchover.replicasCaughtUp(info("ip=127.0.0.1,port=6382,state=wait_bgsave,offset=0,lag=0")));
        assertFalse(Switchover.replicasCaughtUp(info()));
    }

    @Test
    void noMasterOffsetIsNotCaughtUp() {
        assertFalse(Switchover.replicasCaughtUp("# Replication\nrole:master\n"
                + "slave0:ip=127.0.0.1,port=6381,state=online,offset=1000,lag=0\n"));
    }
}
