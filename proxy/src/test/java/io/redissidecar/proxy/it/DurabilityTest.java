package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** --durability replicated: a write is acknowledged only once WAIT confirms a replica has it. */
class DurabilityTest {

    @Test
    void writesAreAcknowledgedOnlyOnceReplicatedAndReportedWhenNot() throws Exception {
        try (RedisServer master = RedisServer.start(); RedisServer replica = RedisServer.startReplicaOf(master)) {
            try (SidecarFixture proxy = SidecarFixture.start(List.of(master.address(), replica.address()),
                    "--durability", "replicated", "--min-replicas", "1", "--replication-timeout-ms", "300");
                 RespConn c = new RespConn(proxy.port())) {
                assertEquals("+OK\r\n", c.call("SET", "k", "v"));
                // a pipeline of writes and reads: every write confirmed, replies in order
                ByteArrayOutputStream batch = new ByteArrayOutputStream();
                for (int i = 0; i < 500; i++) {
                    batch.writeBytes(RespConn.encode("INCR", "n"));
                    batch.writeBytes(RespConn.encode("GET", "k"));
                }
                c.sendRaw(batch.toByteArray());
                for (int i = 0; i < 500; i++) {
                    assertEquals(":" + (i + 1) + "\r\n", c.readReply());
                    assertEquals("$1\r\nv\r\n", c.readReply());
                }
                try (RespConn r = new RespConn(replica.port())) {
                    assertEquals("$3\r\n500\r\n", r.call("GET", "n")); // on the replica when acknowledged
                }

                replica.kill9();
                String r = c.call("SET", "k2", "v2");
                assertTrue(r.startsWith("-ERR redis-sidecar: write not confirmed by 1 replica(s) within 300 ms "
                        + "(WAIT answered 0); it ran on the master"), r);
                assertEquals("$1\r\nv\r\n", c.call("GET", "k")); // reads are not held
                assertEquals("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
                        c.call("LPUSH", "k", "x")); // an error reply proves nothing ran: not held
            }
        }
    }

    @Test
    void aClientsWaitCoversTheWritesItMadeOnItsSharedConnection() throws Exception {
        try (RedisServer master = RedisServer.start(); RedisServer replica = RedisServer.startReplicaOf(master)) {
            try (SidecarFixture proxy = SidecarFixture.start(List.of(master.address(), replica.address()));
                 RespConn c = new RespConn(proxy.port())) {
                assertEquals("+OK\r\n", c.call("SET", "a", "1"));
                assertEquals(":1\r\n", c.call("WAIT", "1", "2000"));
                // the replica stops (SIGSTOP by PID) and so stops acknowledging: a new write cannot be confirmed
                signal("STOP", replica.pid());
                try {
                    assertEquals("+OK\r\n", c.call("SET", "b", "2"));
                    assertEquals(":0\r\n", c.call("WAIT", "1", "200"));
                } finally {
                    signal("CONT", replica.pid());
                }
                assertEquals(":1\r\n", c.call("WAIT", "1", "5000"));
            }
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor());
    }
}
