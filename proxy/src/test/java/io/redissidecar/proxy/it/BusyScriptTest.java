package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 12, finding 6: a script that keeps Redis busy on a shared connection. {@code SCRIPT KILL} from another client
 * goes to the node at once on a connection of its own, never queued behind the script.
 */
class BusyScriptTest {
    private static RedisServer redis;
    private static SidecarFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.start("--lua-time-limit", "100");
        // one event loop, one shared connection: every client's requests share the busy script's connection
        proxy = SidecarFixture.start(List.of(redis.address()), "--event-loop-threads", "1");
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    void scriptKillFromAnotherClientStopsABusyScript() throws Exception {
        try (RespConn busy = new RespConn(proxy.port()); RespConn killer = new RespConn(proxy.port())) {
            killer.setTimeout(3000); // before, SCRIPT KILL waited behind the script until the watchdog (5 s)
            busy.send("EVAL", "local i = 0 while true do i = i + 1 end", "0");
            String reply;
            long deadline = System.nanoTime() + 5_000_000_000L;
            do {
                reply = killer.call("SCRIPT", "KILL"); // NOTBUSY until the script is past busy-reply-threshold
            } while (reply.startsWith("-NOTBUSY") && System.nanoTime() < deadline);
            assertEquals("+OK\r\n", reply);
            String killed = busy.readReply();
            assertTrue(killed.startsWith("-") && killed.contains("killed by user"), "the script was killed: " + killed);
            assertEquals("+PONG\r\n", busy.call("PING"));
            assertEquals("+PONG\r\n", killer.call("PING"));
        }
    }

    /**
     * While a script keeps the node busy, a new request gets Redis's -BUSY at once, as a client connected straight to
     * Redis would, instead of queueing behind the script; the watchdog spares the connection (the node is alive).
     */
    @Test
    void newRequestsGetBusyAtOnceWhileAScriptRuns() throws Exception {
        try (RespConn busy = new RespConn(proxy.port()); RespConn killer = new RespConn(proxy.port())) {
            busy.send("EVAL", "local i = 0 while true do i = i + 1 end", "0");
            java.util.List<RespConn> stuck = new java.util.ArrayList<>();
            try {
                // requests sent before the proxy learnt that the node is busy wait behind the script, as they would
                // in Redis on that connection; after it (the watchdog probes a silent node), they get -BUSY at once
                String reply = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                        .pollInterval(java.time.Duration.ofMillis(100)).until(() -> {
                            RespConn c = new RespConn(proxy.port());
                            stuck.add(c);
                            c.setTimeout(300);
                            try {
                                return c.call("GET", "k");
                            } catch (java.net.SocketTimeoutException e) {
                                return null;
                            }
                        }, r -> r != null && r.startsWith("-BUSY"));
                assertEquals("-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."
                        + "\r\n", reply);
                assertEquals("+OK\r\n", killer.call("SCRIPT", "KILL"));
                assertTrue(busy.readReply().contains("killed by user"), "the script's connection was not closed");
                assertEquals("+PONG\r\n", busy.call("PING"));
            } finally {
                for (RespConn c : stuck) {
                    c.close();
                }
            }
        }
    }

    @Test
    void functionKillTakesItsOwnConnectionToo() throws Exception {
        try (RespConn c = new RespConn(proxy.port())) {
            assertEquals("-NOTBUSY No scripts in execution right now.\r\n", c.call("FUNCTION", "KILL"));
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }
}
