package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.ConfigLoader;
import io.redissidecar.proxy.reload.ConfigReloader;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AUTH when authentication is on: the AUTH timeout, failed AUTH counted per user and slowed down per address
 * (without blocking the event loop), and a reload that changes passwords or users ending the clients that would no
 * longer log in. Each of these was missing before: an unauthenticated client could stay forever, failures were
 * neither counted nor slowed, and a reload of --client-password left logged-in clients as they were.
 */
class AuthHardeningTest {
    private static final String WRONGPASS = "-WRONGPASS invalid username-password pair or user is disabled.\r\n";

    private static String metrics(int adminPort) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void unauthenticatedClientsAreClosedAfterTheAuthTimeout() throws Exception {
        try (RedisServer redis = RedisServer.start();
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--client-password", "pw",
                     "--auth-timeout-ms", "300");
             RespConn idle = new RespConn(proxy.port());
             RespConn authed = new RespConn(proxy.port());
             RespConn loggedOut = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", authed.call("AUTH", "pw"));
            assertEquals("+OK\r\n", loggedOut.call("AUTH", "pw"));
            assertEquals("+RESET\r\n", loggedOut.call("RESET"));
            assertTrue(idle.closedByPeer(), "closed within the socket timeout (10 s)");
            assertEquals("+PONG\r\n", authed.call("PING"), "an authenticated client stays");
            assertEquals("-NOAUTH Authentication required.\r\n", loggedOut.call("PING"),
                    "a client that logged in once is not timed again after RESET");
            await().atMost(Duration.ofSeconds(5)).until(() -> metrics(proxy.adminPort())
                    .contains("redis_sidecar_auth_timeouts_total 1.0"));
        }
        try (RedisServer redis = RedisServer.start();
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--auth-timeout-ms", "100");
             RespConn c = new RespConn(proxy.port())) {
            // without authentication there is nothing to wait for: the timeout never applies
            await().pollDelay(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5))
                    .until(() -> c.call("PING").equals("+PONG\r\n"));
        }
    }

    @Test
    void failedAuthIsCountedPerUserAndSlowedDownPerAddress() throws Exception {
        try (RedisServer redis = RedisServer.start();
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--users",
                     "user alice on >alicepw ~* +@all", "--client-password", "pw", "--auth-failure-delay-ms", "700",
                     "--event-loop-threads", "1");
             RespConn attacker = new RespConn(proxy.port());
             RespConn other = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", other.call("AUTH", "pw"));
            assertEquals(WRONGPASS, attacker.call("AUTH", "alice", "nope"));
            assertEquals(WRONGPASS, attacker.call("AUTH", "alice", "nope2"));
            assertEquals(WRONGPASS, attacker.call("AUTH", "mallory-" + System.nanoTime(), "x"));
            assertEquals(WRONGPASS, attacker.call("HELLO", "3", "AUTH", "mallory2", "x"));
            assertEquals(WRONGPASS, attacker.call("AUTH", "wrong"));
            String m = metrics(proxy.adminPort());
            assertTrue(m.contains("redis_sidecar_auth_failures_total{user=\"alice\"} 2.0"), m);
            assertTrue(m.contains("redis_sidecar_auth_failures_total{user=\"(unknown)\"} 2.0"), m);
            assertTrue(m.contains("redis_sidecar_auth_failures_total{user=\"default\"} 1.0"), m);
            assertFalse(m.contains("mallory"), "unknown names never become labels");

            // the 6th failure from this address within 10 s: delayed 100 ms, then 200, ... up to 700
            long t0 = System.nanoTime();
            assertEquals(WRONGPASS, attacker.call("AUTH", "alice", "nope3"));
            long first = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(first >= 90, "delayed: " + first + " ms");
            for (int i = 0; i < 8; i++) {
                attacker.call("AUTH", "alice", "nope");
            }
            // the delay is bounded; and while a delayed reply waits, the (only) event loop serves others
            attacker.send("AUTH", "alice", "nope");
            attacker.send("PING"); // read only after the delayed reply: it stays in order
            long t1 = System.nanoTime();
            assertEquals("+PONG\r\n", other.call("PING"));
            long otherMs = (System.nanoTime() - t1) / 1_000_000;
            assertEquals(WRONGPASS, attacker.readReply());
            long delayed = (System.nanoTime() - t1) / 1_000_000;
            assertEquals("-NOAUTH Authentication required.\r\n", attacker.readReply());
            assertTrue(otherMs < 500, "another client was answered in " + otherMs + " ms");
            assertTrue(delayed >= 600 && delayed < 3_000, "bounded delay: " + delayed + " ms");
            assertEquals("+OK\r\n", attacker.call("AUTH", "alice", "alicepw"), "the right password still works");
        }
    }

    private static void replace(Path file, String content) throws Exception {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void reloadEndsClientsThatWouldNoLongerLogIn(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path conf = dir.resolve("sidecar.yaml");
        Path aclFile = dir.resolve("users.acl");
        Files.writeString(conf, "client-password: pw1\nusers:\n  - user alice on >a1 ~* +@all\n"
                + "  - user carol on >c1 ~* +@all\n");
        Files.writeString(aclFile, "user bob on >b1 ~* +@all\n");
        try (RedisServer redis = RedisServer.start()) {
            String[] args = {"--config", conf.toString(), "--aclfile", aclFile.toString(), "--backends",
                redis.address().toString(), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"};
            try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--config", conf.toString(),
                    "--aclfile", aclFile.toString());
                 RespConn alice = new RespConn(proxy.port());
                 RespConn bob = new RespConn(proxy.port());
                 RespConn carol = new RespConn(proxy.port());
                 RespConn dflt = new RespConn(proxy.port());
                 RespConn waiting = new RespConn(proxy.port())) {
                ConfigReloader reloader = proxy.sidecar().enableReload(() -> ConfigLoader.load(args, Map.of()));
                assertEquals("+OK\r\n", alice.call("AUTH", "alice", "a1"));
                assertEquals("+OK\r\n", bob.call("AUTH", "bob", "b1"));
                assertEquals("+OK\r\n", carol.call("AUTH", "carol", "c1"));
                assertEquals("+OK\r\n", dflt.call("AUTH", "pw1"));
                assertEquals("+OK\r\n", carol.call("SET", "k", "v"));

                // users that do not parse: the reload is rejected, nobody is disconnected (the files are replaced
                // whole, as Kubernetes does: the poller, which reloads on changes too, never reads half a file)
                replace(aclFile, "user bob on >b1 ~* +nosuch\n");
                assertFalse(reloader.reload("test"));
                assertEquals("+PONG\r\n", bob.call("PING"));

                // alice's password changes, bob is gone, carol's rules change, the client password changes
                replace(aclFile, "user dave on >d1 ~* +@all\n");
                replace(conf, "client-password: pw2\nusers:\n  - user alice on >a2 ~* +@all\n"
                        + "  - user carol on >c1 ~* +@all -get\n");
                assertTrue(reloader.reload("test"));
                assertTrue(alice.closedByPeer());
                assertTrue(bob.closedByPeer());
                assertTrue(dflt.closedByPeer());
                // carol stays, with her new rules (applied on her event loop, in a task queued by the reload)
                await().atMost(Duration.ofSeconds(5)).until(() -> carol.call("GET", "k").equals(
                        "-NOPERM this user has no permissions to run the 'get' command\r\n"));
                assertEquals("$5\r\ncarol\r\n", carol.call("ACL", "WHOAMI"));
                assertEquals(WRONGPASS, waiting.call("AUTH", "pw1"));
                assertEquals("+OK\r\n", waiting.call("AUTH", "pw2"));
                assertEquals("+OK\r\n", waiting.call("AUTH", "dave", "d1"), "the ACL file was read again");
                try (RespConn again = new RespConn(proxy.port())) {
                    assertEquals("+OK\r\n", again.call("AUTH", "alice", "a2"));
                }
            }
        }
    }

    /** A change of the ACL file alone reloads, as a change of the config file does (polled every second). */
    /**
     * An attacker's review: after a reload narrowed a user's channels, its client kept receiving messages of a
     * channel it may no longer use, and a transaction queued before the reload ran at EXEC. What was granted before
     * cannot be checked again: such clients are closed (Redis's ACL LOAD closes them too); others keep going.
     */
    @Test
    void aRuleChangeClosesSubscribedAndTransactionClients(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path conf = dir.resolve("sidecar.yaml");
        String calm = "  - user calm on >c1 ~app:* &news.* +@all -@dangerous\n";
        Files.writeString(conf, "users:\n  - user default off\n  - user sub on >s1 ~app:* &news.* +@all -@dangerous\n"
                + "  - user tx on >t1 ~app:* +@all -@dangerous\n" + calm);
        try (RedisServer redis = RedisServer.start()) {
            String[] args = {"--config", conf.toString(), "--backends", redis.address().toString(), "--listen",
                "127.0.0.1:0", "--admin", "127.0.0.1:0"};
            try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--config", conf.toString());
                 RespConn sub = new RespConn(proxy.port());
                 RespConn tx = new RespConn(proxy.port());
                 RespConn quiet = new RespConn(proxy.port())) {
                ConfigReloader reloader = proxy.sidecar().enableReload(() -> ConfigLoader.load(args, Map.of()));
                assertEquals("+OK\r\n", sub.call("AUTH", "sub", "s1"));
                assertTrue(sub.call("SUBSCRIBE", "news.x").contains("news.x"));
                assertEquals("+OK\r\n", tx.call("AUTH", "tx", "t1"));
                assertEquals("+OK\r\n", tx.call("MULTI"));
                assertEquals("+QUEUED\r\n", tx.call("SET", "app:k", "v"));
                assertEquals("+OK\r\n", quiet.call("AUTH", "calm", "c1"));
                assertTrue(quiet.call("SUBSCRIBE", "news.y").contains("news.y"));

                replace(conf, "users:\n  - user default off\n  - user sub on >s1 ~app:* &other.* +@all -@dangerous\n"
                        + "  - user tx on >t1 ~app:* +@all -@dangerous -@write\n" + calm);
                assertTrue(reloader.reload("test"));
                assertTrue(sub.closedByPeer(), "subscribed to a channel its user may no longer use");
                assertTrue(tx.closedByPeer(), "its queued SET may no longer run");
                try (RespConn direct = new RespConn(redis.port())) {
                    assertEquals("$-1\r\n", direct.call("GET", "app:k"));
                    direct.call("PUBLISH", "news.y", "still");
                }
                assertTrue(quiet.readReply().contains("still"), "a client whose rules did not change keeps going");
            }
        }
    }

    @Test
    void anAclFileChangeReloads(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path aclFile = dir.resolve("users.acl");
        Files.writeString(aclFile, "user bob on >b1 ~* +@all\n");
        try (RedisServer redis = RedisServer.start()) {
            String[] args = {"--aclfile", aclFile.toString(), "--backends", redis.address().toString(), "--listen",
                "127.0.0.1:0", "--admin", "127.0.0.1:0"};
            try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--aclfile",
                    aclFile.toString());
                 RespConn bob = new RespConn(proxy.port());
                 RespConn erin = new RespConn(proxy.port())) {
                proxy.sidecar().enableReload(() -> ConfigLoader.load(args, Map.of()));
                assertEquals("+OK\r\n", bob.call("AUTH", "bob", "b1"));
                assertEquals(WRONGPASS, erin.call("AUTH", "erin", "e1"));
                Files.writeString(aclFile, "user bob on >b1 ~* +@all\nuser erin on >e1 ~* +@all\n");
                await().atMost(Duration.ofSeconds(10)).until(() -> erin.call("AUTH", "erin", "e1").equals("+OK\r\n"));
                assertEquals("+PONG\r\n", bob.call("PING"), "bob's user and password did not change: he stays");
            }
        }
    }

    @Test
    void aDefaultUserLineWinsOverTheClientPassword() throws Exception {
        try (RedisServer redis = RedisServer.start();
             SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--client-password", "pw",
                     "--users", "user default on nopass ~* &* +@all -flushall");
             RespConn c = new RespConn(proxy.port())) {
            assertEquals("+PONG\r\n", c.call("PING"));
            assertEquals("-NOPERM this user has no permissions to run the 'flushall' command\r\n",
                    c.call("FLUSHALL"));
        }
    }
}
