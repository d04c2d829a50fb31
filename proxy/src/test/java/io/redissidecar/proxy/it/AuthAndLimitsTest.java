package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthAndLimitsTest {

    @Test
    void proxyAuthenticatesToBackendsAndClientsToTheProxy() throws Exception {
        try (RedisServer redis = RedisServer.start("--requirepass", "backend-secret");
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()),
                     "--backend-password", "backend-secret", "--client-password", "client-secret");
             RespConn c = new RespConn(proxy.port())) {
            assertEquals("-NOAUTH Authentication required.\r\n", c.call("GET", "a"));
            assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
                    c.call("AUTH", "nope"));
            assertEquals("+OK\r\n", c.call("AUTH", "client-secret"));
            assertEquals("+OK\r\n", c.call("SET", "a", "1"));
            assertEquals("$1\r\n1\r\n", c.call("GET", "a"));
            assertEquals("+RESET\r\n", c.call("RESET"));
            assertEquals("-NOAUTH Authentication required.\r\n", c.call("GET", "a"));
            assertTrue(c.call("HELLO", "2", "AUTH", "default", "client-secret").startsWith("*14\r\n"));
            assertEquals("$1\r\n1\r\n", c.call("GET", "a"));
            // issue 14 finding: CONFIG GET requirepass gave the backend's password to any client
            for (String pattern : new String[] {"requirepass", "*", "*pass*", "masterauth"}) {
                assertTrue(c.call("CONFIG", "GET", pattern).startsWith("-ERR redis-sidecar: CONFIG GET of a parameter "
                        + "that holds a password"), pattern);
            }
            assertEquals("*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n", c.call("CONFIG", "GET", "maxmemory"));
            assertTrue(c.call("ACL", "LIST").startsWith("-ERR redis-sidecar: command 'acl|list' is refused"));
        }
    }

    /**
     * Issue 14 finding (fixed here): before AUTH the proxy read a 512 MB bulk from an unauthenticated client. Now it
     * applies Redis's limits before authentication (CVE-2021-32675), with Redis's texts, and closes the client.
     */
    @Test
    void unauthenticatedClientsGetRedisLimitsBeforeAuth() throws Exception {
        try (RedisServer redis = RedisServer.start("--requirepass", "backend-secret");
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()),
                     "--backend-password", "backend-secret", "--client-password", "client-secret")) {
            String[] eleven = new String[11];
            java.util.Arrays.fill(eleven, "x");
            for (int port : new int[] {redis.port(), proxy.port()}) {
                try (RespConn c = new RespConn(port)) {
                    assertEquals("-ERR Protocol error: unauthenticated multibulk length\r\n", c.call(eleven));
                    assertTrue(c.closedByPeer());
                }
                try (RespConn c = new RespConn(port)) {
                    c.sendRaw("*2\r\n$4\r\nAUTH\r\n$20000\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    assertEquals("-ERR Protocol error: unauthenticated bulk length\r\n", c.readReply());
                    assertTrue(c.closedByPeer());
                }
            }
            try (RespConn c = new RespConn(proxy.port())) {
                assertEquals("+OK\r\n", c.call("AUTH", "client-secret"));
                assertEquals("+OK\r\n", c.call("SET", "big", "v".repeat(20_000)), "after AUTH: the usual limits");
            }
        }
    }

    @Test
    void wrongBackendPasswordIsReportedToClients() throws Exception {
        try (RedisServer redis = RedisServer.start("--requirepass", "right");
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--backend-password", "wrong",
                     "--failover-hold-ms", "500");
             RespConn c = new RespConn(proxy.port())) {
            // the health check cannot log in either, so no master is known: the request waits for one, then the
            // error says why
            String r = c.call("GET", "a");
            assertTrue(r.startsWith("-ERR redis-sidecar: no master took the command") && r.contains("WRONGPASS"), r);
        }
    }

    @Test
    void maxClientsAndIdleTimeout() throws Exception {
        try (RedisServer redis = RedisServer.start();
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--max-clients", "2",
                     "--client-idle-timeout-ms", "300")) {
            try (RespConn a = new RespConn(proxy.port()); RespConn b = new RespConn(proxy.port())) {
                assertEquals("+PONG\r\n", a.call("PING"));
                assertEquals("+PONG\r\n", b.call("PING"));
                RespConn c = new RespConn(proxy.port()); // the third, once the first two are in
                assertEquals("-ERR max number of clients reached\r\n", c.readReply());
                assertTrue(c.closedByPeer());
                c.close();
                // idle clients are closed after the timeout
                assertTrue(a.closedByPeer());
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> proxy.sidecar().context().connectedClients() == 0);
            try (RespConn d = new RespConn(proxy.port())) {
                assertEquals("+PONG\r\n", d.call("PING"));
            }
        }
    }
}
