package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Differential: the same ACL users on a real redis-server and on the proxy (in front of another redis-server that
 * has no users), the same commands sent as each user both ways, in RESP2 and RESP3; the replies must be the same
 * bytes. Before this change the proxy had no users: every AUTH with a user name but {@code default} failed, and
 * nothing was checked.
 */
class AclUsersTest {
    static final String EVE_HASH = "35ec912cf3624655f0933c43dfd1881a8abeaf80eeeec7326edd27c1d022ab99";
    static final List<String> USERS = List.of(
            "user default on nopass ~* &* +@all",
            "user alice on >alicepw ~cache:* %R~ro:* %W~wo:* &chan:* +@read +@write +@transaction -@dangerous"
                    + " +subscribe +psubscribe +publish +acl|whoami +ping",
            "user bob on >bobpw >bobpw2 allkeys allchannels +@all -@dangerous -config|get <bobpw2",
            "user carol on nopass ~* resetchannels &news.* +@pubsub +get -publish +acl|whoami",
            "user dave off >davepw +@all ~*",
            "user eve on #" + EVE_HASH + " ~* &* +@all -@scripting",
            "user frank on >frankpw ~src:* %W~dst:* +sort +sort_ro +rpush +copy +object|encoding +set",
            "user gina on >ginapw +@all ~* &* reset on >ginapw2 +ping +acl|whoami +acl|dryrun",
            "user hugo on >hugopw ~* +@all -@all +get +config +eval",
            "user ivan on >ivanpw ~* &* +@all -exec");

    /** Each user, its password (null: nopass), and what it sends. */
    record Run(String user, String password, List<List<String>> commands) {
    }

    static RedisServer redis;
    static RedisServer backend;
    static SidecarFixture proxy;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("acl-users");
        Path file = dir.resolve("users.acl");
        Files.writeString(file, String.join("\n", USERS) + "\n");
        redis = RedisServer.start("--aclfile", file.toString());
        backend = RedisServer.start();
        proxy = SidecarFixture.start(List.of(backend.address()), "--aclfile", file.toString(),
                "--auth-failure-delay-ms", "0"); // many failed AUTH on purpose: not slowed down here
    }

    @AfterAll
    static void stop() {
        proxy.close();
        backend.close();
        redis.close();
    }

    private static List<String> c(String... args) {
        return List.of(args);
    }

    static final List<List<String>> DATA = List.of(
            c("GET", "cache:1"), c("SET", "cache:1", "v"), c("GET", "other"), c("SET", "other", "v"),
            c("GET", "ro:1"), c("SET", "ro:1", "v"), c("SET", "wo:1", "v"), c("GET", "wo:1"),
            c("SET", "wo:1", "v", "GET"), c("SET", "cache:2", "v", "GET"), c("MGET", "cache:1", "other"),
            c("MGET", "cache:1", "cache:2"), c("MSET", "cache:a", "1", "cache:b", "2"),
            c("MSET", "cache:a", "1", "other", "2"), c("DEL", "cache:a", "other"), c("KEYS", "cache:1"),
            c("CONFIG", "GET", "maxmemory"), c("CONFIG", "GET"), c("PUBLISH", "chan:1", "m"),
            c("PUBLISH", "other", "m"), c("PUBLISH", "news.today", "m"),
            c("ZUNIONSTORE", "cache:z", "2", "cache:a", "other"), c("ZUNIONSTORE", "cache:z", "1", "cache:a"),
            c("EVAL", "return redis.call('get', KEYS[1])", "1", "cache:1"),
            c("EVAL", "return 1", "1", "other"), c("PING"), c("ECHO", "x"), c("ACL", "WHOAMI"), c("ACL", "CAT"),
            c("ACL", "DRYRUN", "alice", "get", "other"), c("ACL", "DRYRUN", "alice", "get", "cache:1"),
            c("ACL", "DRYRUN", "alice", "set", "wo:1", "v", "get"), c("ACL", "DRYRUN", "alice", "publish", "x", "m"),
            c("ACL", "DRYRUN", "alice", "config", "get", "x"), c("ACL", "DRYRUN", "nobody", "get", "x"),
            c("ACL", "DRYRUN", "alice", "nosuch"), c("ACL", "DRYRUN", "alice", "get"),
            c("ACL", "DRYRUN", "frank", "sort", "src:l", "store", "ro:x"),
            c("RPUSH", "src:l", "3", "1", "2"), c("SORT", "src:l"), c("SORT", "src:l", "STORE", "dst:x"),
            c("SORT", "src:l", "LIMIT", "0", "1", "STORE", "src:y"), c("SORT", "dst:x"),
            c("SORT", "src:l", "BY", "nosort", "STORE", "ro:1"), c("SORT_RO", "src:l"),
            c("OBJECT", "ENCODING", "dst:x"), c("COPY", "src:l", "dst:c"), c("COPY", "dst:c", "src:q"),
            c("SET", "dst:w", "v"), c("GET", "dst:w"),
            // an attacker's review: a NUL byte ends a keyword for Redis (strcasecmp), SORT's patterns, SPUBLISH's
            // channel is not a key, wrong arity answered without sending
            c("XADD", "cache:s", "1-1", "f", "v"), c("XADD", "other", "1-1", "f", "v"),
            c("XREAD", "STREAMS\u0000", "other", "0"), c("XREAD", "STREAMS", "cache:s", "0"),
            c("SET", "wo:1", "v", "GET\u0000"), c("SORT", "src:l", "STORE\u0000", "ro:x"),
            c("SORT", "src:l", "BY", "other*"), c("SORT", "src:l", "BY", "nosort"), c("SORT", "src:l", "GET", "#"),
            c("SORT_RO", "src:l", "GET", "other*"), c("SPUBLISH", "chan:1", "m"), c("SPUBLISH", "other", "m"),
            c("GET"), c("CONFIG"), c("OBJECT", "ENCODING"),
            c("MULTI"), c("SET", "cache:1", "t"), c("GET", "other"), c("EXEC"),
            c("MULTI"), c("SET", "cache:1", "u"), c("EXEC"), c("GET", "cache:1"),
            c("AUTH", "nobody", "x"), c("AUTH", "alice", "wrong"), c("AUTH", "x"),
            c("SUBSCRIBE", "other"), c("PSUBSCRIBE", "chan:1*"), c("PSUBSCRIBE", "news.*"),
            c("SUBSCRIBE", "chan:1"), c("RESET"), c("ACL", "WHOAMI"));

    /** Runs {@link #DATA} as {@code user} on a fresh connection to {@code port}; the replies, one per command. */
    private static List<String> run(int port, String user, String password, int proto) throws Exception {
        List<String> out = new ArrayList<>();
        try (RespConn c = new RespConn(port)) {
            if (password != null) {
                out.add(c.call("AUTH", user, password));
            } else {
                out.add(c.call("AUTH", user, "anything"));
            }
            if (proto == 3) {
                String hello = c.call("HELLO", "3");
                out.add(hello.substring(0, 1)); // its id and version differ between the two servers
            }
            for (List<String> cmd : DATA) {
                c.send(cmd.toArray(String[]::new));
                String reply = c.readReply();
                out.add(String.join(" ", cmd) + " -> " + reply);
                String name = cmd.get(0).toUpperCase();
                if (reply.startsWith("*") || reply.startsWith(">")) {
                    for (int extra = 1; (name.equals("SUBSCRIBE") || name.equals("PSUBSCRIBE"))
                            && extra < cmd.size() - 1; extra++) {
                        out.add(c.readReply());
                    }
                }
            }
        }
        return out;
    }

    private static void flushBoth() throws Exception {
        for (int port : new int[] {redis.port(), backend.port()}) {
            try (RespConn c = new RespConn(port)) {
                assertEquals("+OK\r\n", c.call("FLUSHALL"));
            }
        }
    }

    private static void differential(int proto) throws Exception {
        String[][] users = {{"default", null}, {"alice", "alicepw"}, {"bob", "bobpw"}, {"bob", "bobpw2"},
            {"carol", null}, {"dave", "davepw"}, {"eve", "evepw"}, {"frank", "frankpw"}, {"gina", "ginapw"},
            {"gina", "ginapw2"}, {"hugo", "hugopw"}, {"ivan", "ivanpw"}};
        for (String[] u : users) {
            flushBoth();
            List<String> direct = run(redis.port(), u[0], u[1], proto);
            List<String> proxied = run(proxy.port(), u[0], u[1], proto);
            for (int i = 0; i < Math.min(direct.size(), proxied.size()); i++) {
                assertEquals(direct.get(i), proxied.get(i), "as " + u[0] + " (" + u[1] + "), RESP" + proto);
            }
            assertEquals(direct.size(), proxied.size(), "as " + u[0] + " (" + u[1] + "), RESP" + proto);
        }
    }

    @Test
    void sameRepliesAsRedisForEveryUserResp2() throws Exception {
        differential(2);
    }

    @Test
    void sameRepliesAsRedisForEveryUserResp3() throws Exception {
        differential(3);
    }

    /**
     * An attacker's review: on a client's pass-through connection (after SUBSCRIBE, or any UNSUBSCRIBE with a
     * channel) a command the proxy did not know went to Redis unchecked; a name with a NUL byte ("FLUSHALL\0362"),
     * which Redis may read as FLUSHALL, ran as the proxy's backend user. Now nothing unknown is ever sent.
     */
    @Test
    void unknownCommandsAreNeverSentEvenOnAPassThroughConnection() throws Exception {
        try (RespConn direct = new RespConn(backend.port())) {
            direct.call("SET", "canary", "1");
        }
        try (RespConn c = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("AUTH", "carol", "x"));
            assertTrue(c.call("SUBSCRIBE", "news.x").contains("news.x"));
            for (int n = 0; n < 400; n++) {
                String r = c.call("FLUSHALL\u0000" + n);
                assertTrue(r.startsWith("-ERR unknown command"), r);
            }
            assertTrue(c.call("CONFIG\u0000", "GET", "requirepass").startsWith("-ERR unknown command"));
        }
        try (RespConn c = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("AUTH", "alice", "alicepw"));
            assertTrue(c.call("GET\u0000", "other").startsWith("-ERR unknown command"));
        }
        try (RespConn direct = new RespConn(backend.port())) {
            assertEquals("$1\r\n1\r\n", direct.call("GET", "canary"));
        }
    }

    @Test
    void clientListShowsTheUser() throws Exception {
        try (RespConn c = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("AUTH", "alice", "alicepw"));
            assertEquals("$5\r\nalice\r\n", c.call("ACL", "WHOAMI"));
            try (RespConn d = new RespConn(proxy.port())) {
                assertTrue(d.call("CLIENT", "LIST").contains(" user=alice "));
                assertTrue(d.call("CLIENT", "INFO").contains(" user=default "));
                assertTrue(d.call("HELLO", "3", "AUTH", "carol", "x").startsWith("%7\r\n"));
                assertEquals("$5\r\ncarol\r\n", d.call("ACL", "WHOAMI"));
            }
        }
    }

    private static final String AGE = "(age-seconds\r\n)(\\$\\d+\r\n[0-9.e+-]+|,[0-9.e+-]+)\r\n";

    /** An ACL LOG reply without what differs between two servers: the ages and the client lines. */
    private static String masked(String log) {
        return log.replaceAll(AGE, "$1AGE\r\n").replaceAll("\\$\\d+\r\nid=[^\r]*", "CLIENT");
    }

    /** The proxy's ACL LOG next to Redis's after the same denials: the same entries, but for ages and client lines. */
    @Test
    void aclLogHasTheSameEntriesAsRedis() throws Exception {
        List<String> logs = new ArrayList<>();
        for (int port : new int[] {redis.port(), proxy.port()}) {
            try (RespConn admin = new RespConn(port); RespConn alice = new RespConn(port)) {
                assertEquals("+OK\r\n", admin.call("ACL", "LOG", "RESET"));
                assertEquals("+OK\r\n", alice.call("AUTH", "alice", "alicepw"));
                alice.call("GET", "other");
                alice.call("GET", "other");
                alice.call("PUBLISH", "other", "m");
                alice.call("KEYS", "x");
                alice.call("MULTI");
                alice.call("GET", "other2");
                alice.call("DISCARD");
                alice.call("AUTH", "alice", "wrong");
                alice.call("AUTH", "nobody", "wrong");
                for (int proto : new int[] {2, 3}) {
                    admin.call("HELLO", Integer.toString(proto));
                    logs.add(masked(admin.call("ACL", "LOG")));
                    logs.add(masked(admin.call("ACL", "LOG", "2")));
                }
            }
        }
        assertEquals(logs.subList(0, 4), logs.subList(4, 8));
        assertTrue(logs.get(0).startsWith("*6\r\n"), logs.get(0));
    }

    /**
     * The control plane reads the proxy's own backend user (ACL GETUSER) at start: scripts run as that user, so a
     * proxy user allowed to script could reach what the proxy denies it; when Redis refuses to say, it is unknown.
     */
    @Test
    void theBackendUserIsReadForTheScriptWarning() throws Exception {
        Path file = Files.createTempDirectory("acl-backend").resolve("users.acl");
        Files.writeString(file, "user default on nopass ~* &* +@all\nuser proxyuser on >pp ~* &* +@all\n"
                + "user limited on >ll ~* &* +@all -acl\n");
        try (RedisServer server = RedisServer.start("--aclfile", file.toString())) {
            try (SidecarFixture p = SidecarFixture.start(List.of(server.address()), "--backend-username",
                    "proxyuser", "--backend-password", "pp", "--users", "user app on >a ~app:* +@all -@dangerous")) {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
                        .until(() -> p.sidecar().context().topology().backendUser() != null);
                io.redissidecar.topology.BackendUser b = p.sidecar().context().topology().backendUser();
                assertEquals(new io.redissidecar.topology.BackendUser("proxyuser", "+@all", true), b);
                List<String> w = io.redissidecar.proxy.acl.ScriptReach.warnings(p.sidecar().context().users(),
                        b.name(), b.commands(), b.allKeys(), p.sidecar().context().commands());
                assertTrue(w.stream().anyMatch(s -> s.startsWith("proxy user 'app' may run scripts (eval)")
                        && s.contains("flushall")), w.toString());
            }
            try (SidecarFixture p = SidecarFixture.start(List.of(server.address()), "--backend-username",
                    "limited", "--backend-password", "ll")) {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15))
                        .until(() -> !p.sidecar().context().topology().redisVersion().equals("unknown"));
                assertEquals(null, p.sidecar().context().topology().backendUser(), "refused: unknown");
            }
        }
    }

    /** Cluster mode: a request that is split per slot is checked whole first; no part of a refused one runs. */
    @Test
    void clusterModeChecksTheWholeRequestBeforeSplitting() throws Exception {
        try (io.redissidecar.proxy.testing.RedisCluster cluster = io.redissidecar.proxy.testing.RedisCluster.start();
             SidecarFixture p = SidecarFixture.startCluster(cluster, "--users",
                     "user app on >a ~a* +@all -@dangerous\nuser nox on >n ~* +@all -exec");
             RespConn c = new RespConn(p.port())) {
            try (RespConn x = new RespConn(p.port())) {
                assertEquals("+OK\r\n", x.call("AUTH", "nox", "n"));
                assertEquals("+OK\r\n", x.call("MULTI"));
                assertEquals("-EXECABORT Transaction discarded because of: NOPERM this user has no permissions to run "
                        + "the 'exec' command\r\n", x.call("EXEC"));
                assertEquals("+OK\r\n", x.call("MULTI"));
                assertEquals("+QUEUED\r\n", x.call("SET", "a9", "v"));
                assertTrue(x.call("EXEC").startsWith("-EXECABORT Transaction discarded because of: NOPERM"));
                assertEquals("$-1\r\n", x.call("GET", "a9"), "the transaction did not run");
            }
            assertEquals("+OK\r\n", c.call("AUTH", "app", "a"));
            String denied = "-NOPERM this user has no permissions to access one of the keys used as arguments\r\n";
            // a1, a2, a3 and b1 hash to different slots: the proxy would split these
            assertEquals(denied, c.call("MSET", "a1", "x", "a2", "x", "b1", "x", "a3", "x"));
            assertEquals(denied, c.call("DEL", "a1", "b1"));
            assertEquals("*3\r\n$-1\r\n$-1\r\n$-1\r\n", c.call("MGET", "a1", "a2", "a3"), "no part ran");
            assertEquals(denied, c.call("MGET", "a1", "b1"));
            assertEquals("+OK\r\n", c.call("MSET", "a1", "x", "a2", "y", "a3", "z"));
            assertEquals("*3\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n", c.call("MGET", "a1", "a2", "a3"));
        }
    }
}
