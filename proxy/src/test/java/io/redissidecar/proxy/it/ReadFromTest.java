package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** --read-from: read-only commands go to an up-to-date replica; writes and transactions stay on the master. */
class ReadFromTest {

    private static long calls(RedisServer s, String command) throws IOException {
        try (RespConn c = new RespConn(s.port())) {
            Matcher m = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(c.call("INFO", "commandstats"));
            return m.find() ? Long.parseLong(m.group(1)) : 0;
        }
    }

    @Test
    void readsGoToTheReplicaAndFallBackToTheMasterWhenItGoes() throws Exception {
        try (RedisServer master = RedisServer.start(); RedisServer replica = RedisServer.startReplicaOf(master)) {
            try (SidecarFixture proxy = SidecarFixture.start(List.of(master.address(), replica.address()),
                    "--read-from", "replica-preferred", "--max-replica-lag-ms", "2000");
                 RespConn c = new RespConn(proxy.port())) {
                // the replica becomes eligible once a health check has seen it caught up
                assertEquals("+OK\r\n", c.call("SET", "k", "v"));
                await().atMost(Duration.ofSeconds(10)).until(() -> calls(replica, "get") > 0
                        || c.call("GET", "k").equals("$1\r\nv\r\n") && calls(replica, "get") > 0);
                long masterGets = calls(master, "get");
                for (int i = 0; i < 50; i++) {
                    assertEquals("$1\r\nv\r\n", c.call("GET", "k"));
                }
                assertEquals(masterGets, calls(master, "get"), "reads stay off the master");
                // writes and transactions go to the master
                assertEquals("+OK\r\n", c.call("MULTI"));
                assertEquals("+QUEUED\r\n", c.call("GET", "k"));
                assertTrue(c.call("EXEC").startsWith("*1\r\n"));
                assertEquals(masterGets + 1, calls(master, "get"), "the transaction's GET ran on the master");

                replica.kill9();
                for (int i = 0; i < 20; i++) {
                    assertEquals("$1\r\nv\r\n", c.call("GET", "k")); // held, then answered by the master
                }
                assertTrue(calls(master, "get") > masterGets + 1);
            }
        }
    }
}
