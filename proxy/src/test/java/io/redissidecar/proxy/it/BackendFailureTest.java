package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A backend killed with SIGKILL mid-request: clients get errors or held retries, never a hang. */
class BackendFailureTest {

    @Test
    void withHoldRequestsWaitForTheBackendToComeBack() throws Exception {
        RedisServer redis = RedisServer.start();
        int port = redis.port();
        try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--failover-hold-ms", "20000");
             RespConn c = new RespConn(proxy.port()); RespConn blocked = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("SET", "k", "v"));
            blocked.send("BLPOP", "never", "0");
            awaitBlockedClients(redis, 1); // the BLPOP has reached Redis
            redis.kill9();
            // a blocking pop in flight may have taken an element: not replayed, and the error says so
            String err = blocked.readReply();
            assertTrue(err.contains("may or may not have run"), err);
            c.send("SET", "during", "outage");
            c.send("GET", "during");
            c.send("INCR", "n");
            try (RedisServer again = RedisServer.startOn(port)) {
                assertEquals("+OK\r\n", c.readReply());
                assertEquals("$6\r\noutage\r\n", c.readReply());
                assertEquals(":1\r\n", c.readReply()); // never sent before the restart: sent once after it
                assertEquals("$-1\r\n", c.call("GET", "k")); // the restarted server has no data
            }
        } finally {
            redis.close();
        }
    }

    @Test
    void aFrozenBackendTimesOutInsteadOfHanging() throws Exception {
        RedisServer redis = RedisServer.start();
        try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--backend-timeout-ms", "300",
                "--failover-hold-ms", "1500");
             RespConn c = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("SET", "k", "v"));
            signal("STOP", redis.pid()); // alive, connections open, but no replies: a frozen or partitioned node
            try {
                String incr = c.call("INCR", "n");
                assertTrue(incr.startsWith("-ERR redis-sidecar: backend 127.0.0.1:" + redis.port()
                        + " did not answer within backend-timeout-ms") && incr.contains("may or may not have run"),
                        incr);
                String get = c.call("GET", "k"); // idempotent: retried until the hold runs out
                assertTrue(get.startsWith("-ERR redis-sidecar: no master took the command within failover-hold-ms"),
                        get);
            } finally {
                signal("CONT", redis.pid());
            }
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> c.call("GET", "k").equals("$1\r\nv\r\n"));
        } finally {
            redis.close();
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        assertEquals(0, new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).start().waitFor());
    }

    @Test
    void heldRequestsFailClearlyWhenTheHoldRunsOut() throws Exception {
        RedisServer redis = RedisServer.start();
        try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--failover-hold-ms", "300");
             RespConn c = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("SET", "k", "v"));
            redis.kill9();
            String r = c.call("GET", "k");
            assertTrue(r.startsWith("-ERR redis-sidecar: no master took the command within failover-hold-ms (300 ms)"),
                    r);
            // "was not run" when the proxy had seen the connection drop first, "may or may not have run" when the GET
            // was already written to the dying connection: either way a clear error, not a hang
            assertTrue(r.contains("the command was not run") || r.contains("may or may not have run"), r);
        } finally {
            redis.close();
        }
    }

    @Test
    void withoutHoldAKilledBackendGivesErrorsNotHangsAndRecovery() throws Exception {
        RedisServer redis = RedisServer.start();
        int port = redis.port();
        try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--failover-hold-ms", "0")) {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort()
                    + "/health/ready")).build();
            assertEquals(200, http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode());
            try (RespConn blocked = new RespConn(proxy.port()); RespConn normal = new RespConn(proxy.port())) {
                assertEquals("+OK\r\n", normal.call("SET", "k", "v"));
                blocked.send("BLPOP", "never", "0");
                awaitBlockedClients(redis, 1);
                normal.send("DEBUG", "SLEEP", "0"); // refused locally: order is kept, still answered
                assertTrue(normal.readReply().startsWith("-ERR redis-sidecar"));
                redis.kill9();
                String err = blocked.readReply();
                assertTrue(err.startsWith("-ERR redis-sidecar: connection to backend 127.0.0.1:" + port + " lost"),
                        err);
                assertTrue(err.contains("may or may not have run"), err);
                String next = normal.call("GET", "k");
                assertTrue(next.startsWith("-ERR redis-sidecar:"), next);
            }
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 503);

            RedisServer again = RedisServer.startOn(port);
            try (RespConn c = new RespConn(proxy.port())) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> c.call("SET", "k", "back").equals("+OK\r\n"));
                assertEquals("$4\r\nback\r\n", c.call("GET", "k"));
            } finally {
                again.stop();
            }
        } finally {
            redis.close();
        }
    }

    static void awaitBlockedClients(RedisServer redis, int n) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
            try (RespConn direct = new RespConn(redis.port())) {
                return direct.call("INFO", "clients").contains("blocked_clients:" + n + "\r\n");
            }
        });
    }
}
