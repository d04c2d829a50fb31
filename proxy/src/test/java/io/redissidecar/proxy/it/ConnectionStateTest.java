package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Per-connection state across shared backend connections: with one shared connection per loop and one loop, all
 * clients below share a single backend connection, so any leak of one client's state into another's shows.
 */
class ConnectionStateTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--event-loop-threads", "1");

    @Test
    void selectIsPerClientOnASharedConnection() throws Exception {
        try (RespConn a = new RespConn(env.proxy().port()); RespConn b = new RespConn(env.proxy().port())) {
            assertEquals("+OK\r\n", a.call("SELECT", "5"));
            assertEquals("+OK\r\n", a.call("SET", "sel", "in5"));
            assertEquals("+OK\r\n", b.call("SET", "sel", "in0"));
            // interleave pipelined requests of both clients
            for (int i = 0; i < 50; i++) {
                a.send("GET", "sel");
                b.send("GET", "sel");
            }
            for (int i = 0; i < 50; i++) {
                assertEquals("$3\r\nin5\r\n", a.readReply());
                assertEquals("$3\r\nin0\r\n", b.readReply());
            }
        }
    }

    /**
     * Many clients pipelining at once over the one shared connection: each batch is far above the 16 KB at which the
     * connection is flushed early, and one backend read completes replies of many clients (joined per client). Every
     * client must get exactly its own replies, in order.
     */
    @Test
    void manyClientsPipeliningAtOnceGetTheirOwnRepliesInOrder() throws Exception {
        int clients = 24;
        int perClient = 600;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            CyclicBarrier start = new CyclicBarrier(clients);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String key = "pipe:" + c;
                done.add(pool.submit(() -> {
                    try (RespConn conn = new RespConn(env.proxy().port())) {
                        conn.call("DEL", key);
                        start.await(10, TimeUnit.SECONDS);
                        for (int round = 0; round < 3; round++) {
                            for (int i = 0; i < perClient; i++) {
                                conn.send("INCR", key);
                                conn.send("GET", key);
                            }
                            for (int i = 0; i < perClient; i++) {
                                long n = (long) round * perClient + i + 1;
                                assertEquals(":" + n + "\r\n", conn.readReply());
                                String v = Long.toString(n);
                                assertEquals("$" + v.length() + "\r\n" + v + "\r\n", conn.readReply());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void blockingCommandDoesNotStallOtherClients() throws Exception {
        try (RespConn blocker = new RespConn(env.proxy().port()); RespConn other = new RespConn(env.proxy().port());
             RespConn pusher = new RespConn(env.proxy().port())) {
            blocker.send("BLPOP", "bq", "0");
            for (int i = 0; i < 100; i++) {
                assertEquals("+PONG\r\n", other.call("PING"));
            }
            assertEquals(":1\r\n", pusher.call("RPUSH", "bq", "item"));
            assertEquals("*2\r\n$2\r\nbq\r\n$4\r\nitem\r\n", blocker.readReply());
            // the blocker's connection works normally afterwards, back on the shared connection
            assertEquals("+PONG\r\n", blocker.call("PING"));
        }
    }

    @Test
    void transactionsOfConcurrentClientsDoNotMix() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                final int id = c;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    try (RespConn conn = new RespConn(env.proxy().port())) {
                        for (int i = 0; i < 50; i++) {
                            conn.send("MULTI");
                            conn.send("INCR", "tx" + id);
                            conn.send("GET", "tx" + id);
                            conn.send("EXEC");
                            conn.send("GET", "tx" + id);
                            assertEquals("+OK\r\n", conn.readReply());
                            assertEquals("+QUEUED\r\n", conn.readReply());
                            assertEquals("+QUEUED\r\n", conn.readReply());
                            String v = Integer.toString(i + 1);
                            assertEquals("*2\r\n:" + v + "\r\n$" + v.length() + "\r\n" + v + "\r\n",
                                    conn.readReply());
                            assertEquals("$" + v.length() + "\r\n" + v + "\r\n", conn.readReply());
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (Future<Integer> f : results) {
                assertEquals(50, f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void watchSeesOtherClientsWrites() throws Exception {
        try (RespConn a = new RespConn(env.proxy().port()); RespConn b = new RespConn(env.proxy().port())) {
            assertEquals("+OK\r\n", a.call("WATCH", "w"));
            assertEquals("+OK\r\n", b.call("SET", "w", "by-b"));
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", "w", "by-a"));
            assertEquals("*-1\r\n", a.call("EXEC"));
            assertEquals("$4\r\nby-b\r\n", b.call("GET", "w"));
        }
    }

    @Test
    void refusedCommandInsideMultiAbortsTheTransaction() throws Exception {
        try (RespConn a = new RespConn(env.proxy().port())) {
            assertEquals("+OK\r\n", a.call("MULTI"));
            assertEquals("+QUEUED\r\n", a.call("SET", "never", "1"));
            assertTrue(a.call("MONITOR").startsWith("-ERR redis-sidecar: command 'monitor' is refused"));
            assertTrue(a.call("SELECT", "1").startsWith("-ERR redis-sidecar: command 'select' is not supported "
                    + "inside MULTI"));
            assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n", a.call("EXEC"));
            assertEquals("$-1\r\n", a.call("GET", "never"));
        }
    }

    @Test
    void subscriberReceivesMessagesAndResetReturnsToNormal() throws Exception {
        try (RespConn sub = new RespConn(env.proxy().port()); RespConn pub = new RespConn(env.proxy().port())) {
            assertEquals("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n", sub.call("SUBSCRIBE", "ch"));
            assertEquals(":1\r\n", pub.call("PUBLISH", "ch", "hello"));
            assertEquals("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n", sub.readReply());
            assertEquals("*2\r\n$4\r\npong\r\n$0\r\n\r\n", sub.call("PING"));
            assertEquals("+RESET\r\n", sub.call("RESET"));
            assertEquals(":0\r\n", pub.call("PUBLISH", "ch", "nobody"));
            assertEquals("+PONG\r\n", sub.call("PING"));
            assertEquals("+OK\r\n", sub.call("SELECT", "2"));
            assertEquals("+OK\r\n", sub.call("SET", "after-reset", "x"));
            assertEquals("$-1\r\n", pub.call("GET", "after-reset"));
        }
    }

    @Test
    void quitRepliesThenCloses() throws Exception {
        try (RespConn a = new RespConn(env.proxy().port())) {
            a.send("SET", "q", "1");
            a.send("QUIT");
            a.send("GET", "q");
            assertEquals("+OK\r\n", a.readReply());
            assertEquals("+OK\r\n", a.readReply());
            assertTrue(a.closedByPeer());
        }
    }

    @Test
    void unsupportedAndDeniedCommandsAreRefusedClearly() throws Exception {
        try (RespConn a = new RespConn(env.proxy().port())) {
            assertTrue(a.call("SCRIPT", "DEBUG", "YES").startsWith("-ERR redis-sidecar: command 'script|debug' "
                    + "is not supported"));
            assertTrue(a.call("SHUTDOWN").startsWith("-ERR redis-sidecar: command 'shutdown' is refused"));
            assertTrue(a.call("DEBUG", "SLEEP", "0").startsWith("-ERR redis-sidecar: command 'debug' is refused"));
            assertEquals("-NOPROTO unsupported protocol version\r\n", a.call("HELLO", "4"));
            assertTrue(a.call("HELLO", "2", "SETNAME", "viahello").startsWith("*14\r\n"));
            assertEquals("$8\r\nviahello\r\n", a.call("CLIENT", "GETNAME"));
            assertEquals("+OK\r\n", a.call("CLIENT", "SETINFO", "lib-name", "x"));
            assertTrue(a.call("CLIENT", "INFO").contains("name=viahello"));
        }
    }

    /** Issue 13: CLIENT LIST, INFO and KILL act on the proxy's own clients, not on its backend connections. */
    @Test
    void clientListInfoAndKillActOnTheProxysClients() throws Exception {
        try (RespConn denied = new RespConn(env.proxy().port())) {
            assertTrue(denied.call("CLIENT", "KILL", "ID", "1").startsWith("-ERR redis-sidecar: command 'client|kill' "
                    + "is refused"), "denied by default");
        }
        // allowed when the deny list leaves it out
        try (SidecarFixture proxy = SidecarFixture.start(List.of(env.redis().address()), "--deny-commands", "monitor");
             RespConn a = new RespConn(proxy.port()); RespConn b = new RespConn(proxy.port());
             RespConn direct = new RespConn(env.redis().port())) {
            a.call("CLIENT", "SETNAME", "app-a");
            b.call("HELLO", "3");
            b.call("CLIENT", "TRACKING", "ON");
            String idA = a.call("CLIENT", "ID").trim().substring(1);
            String idB = b.call("CLIENT", "ID").trim().substring(1);
            String list = a.call("CLIENT", "LIST");
            assertTrue(list.contains("id=" + idA + " ") && list.contains("name=app-a"), list);
            assertTrue(list.contains("id=" + idB + " ") && list.contains("flags=t"), list);
            assertTrue(list.contains("cmd=client|list"), "the caller's line names its command: " + list);
            String info = b.call("CLIENT", "INFO");
            assertTrue(info.startsWith("=") && info.contains("flags=t") && info.contains("redir=0")
                    && info.contains("resp=3"), info);
            assertTrue(a.call("CLIENT", "LIST", "ID", idB).contains("id=" + idB + " "));
            assertEquals("-ERR Invalid client ID\r\n", a.call("CLIENT", "LIST", "ID", "x"));
            assertEquals(direct.call("CLIENT", "KILL", "ID", "0"), a.call("CLIENT", "KILL", "ID", "0"));
            assertEquals(direct.call("CLIENT", "KILL", "1.2.3.4:5"), a.call("CLIENT", "KILL", "1.2.3.4:5"));
            assertEquals(":0\r\n", a.call("CLIENT", "KILL", "ID", idA), "SKIPME yes by default");
            assertEquals(":1\r\n", a.call("CLIENT", "KILL", "ID", idB));
            assertTrue(b.closedByPeer(), "b was killed");
            assertEquals("+PONG\r\n", a.call("PING"));
            assertEquals(":1\r\n", a.call("CLIENT", "KILL", "ID", idA, "SKIPME", "no"));
            assertTrue(a.closedByPeer(), "a killed itself after the reply");
        }
    }

    /** Issue 13: CLIENT UNBLOCK takes the proxy's client ids and releases that client's blocking command. */
    @Test
    void clientUnblockReleasesAProxyClientsBlockingCommand() throws Exception {
        try (RespConn blocked = new RespConn(env.proxy().port()); RespConn other = new RespConn(env.proxy().port());
             RespConn direct = new RespConn(env.redis().port())) {
            String id = blocked.call("CLIENT", "ID").trim().substring(1);
            assertEquals(":0\r\n", other.call("CLIENT", "UNBLOCK", id), "not blocked yet");
            assertEquals(direct.call("CLIENT", "UNBLOCK", "1", "MAYBE"), other.call("CLIENT", "UNBLOCK", id, "MAYBE"));
            for (String[] cmd : new String[][] {{"CLIENT", "UNBLOCK", "abc", "foo"}, {"CLIENT", "UNBLOCK", "abc"},
                {"CLIENT", "UNBLOCK", "1", "timeout", "extra"}, {"CLIENT", "LIST", "ID", "0"}}) {
                assertEquals(direct.call(cmd), other.call(cmd), String.join(" ", cmd));
            }
            blocked.send("BLPOP", "unblock-q", "0");
            await().atMost(Duration.ofSeconds(5)).until(() -> other.call("CLIENT", "UNBLOCK", id).equals(":1\r\n"));
            assertEquals("*-1\r\n", blocked.readReply(), "TIMEOUT: as if the wait ran out");
            blocked.send("BLPOP", "unblock-q", "0");
            await().atMost(Duration.ofSeconds(5)).until(() -> other.call("CLIENT", "UNBLOCK", id, "ERROR")
                    .equals(":1\r\n"));
            assertEquals("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n", blocked.readReply(),
                    "ERROR: the client sees it, the proxy does not send it again");
            assertEquals("+PONG\r\n", blocked.call("PING"));
        }
    }
}
