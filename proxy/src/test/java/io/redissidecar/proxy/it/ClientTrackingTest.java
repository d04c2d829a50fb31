package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13: client-side caching ({@code CLIENT TRACKING}) through the proxy, against a real redis-server. Many clients
 * share the proxy's tracking connections; each gets the invalidations for the keys it read, in the form Redis sends
 * them, and the proxy's tracking table stays within its cap.
 */
class ClientTrackingTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--tracking-table-max-keys", "1000");

    @BeforeEach
    void flush() throws Exception {
        try (RespConn d = direct()) {
            d.call("FLUSHALL");
        }
    }

    private static RespConn direct() throws Exception {
        return new RespConn(env.redis().port());
    }

    private static RespConn resp3Tracking(String... options) throws Exception {
        RespConn c = new RespConn(env.proxy().port());
        assertTrue(c.call("HELLO", "3").startsWith("%7\r\n"));
        String[] cmd = new String[3 + options.length];
        cmd[0] = "CLIENT";
        cmd[1] = "TRACKING";
        cmd[2] = "ON";
        System.arraycopy(options, 0, cmd, 3, options.length);
        assertEquals("+OK\r\n", c.call(cmd));
        return c;
    }

    /**
     * The next reply, flushes (an invalidation of everything) skipped: a flush may come at any moment after Redis's
     * own (FLUSHALL between tests) or a lost tracking connection, and is always safe; a missed key is what matters.
     */
    private static String nextInvalidation(RespConn c) throws Exception {
        String r = c.readReply();
        while (r.equals(">2\r\n$10\r\ninvalidate\r\n_\r\n")) {
            r = c.readReply();
        }
        return r;
    }

    private static String push(String... keys) {
        StringBuilder b = new StringBuilder(">2\r\n$10\r\ninvalidate\r\n*" + keys.length + "\r\n");
        for (String k : keys) {
            b.append('$').append(k.length()).append("\r\n").append(k).append("\r\n");
        }
        return b.toString();
    }

    @Test
    void aReaderGetsTheInvalidationOfWhatItReadAndNothingElse() throws Exception {
        try (RespConn a = resp3Tracking(); RespConn b = resp3Tracking(); RespConn d = direct()) {
            d.call("SET", "ka", "1");
            assertEquals("$1\r\n1\r\n", a.call("GET", "ka"));
            assertEquals("_\r\n", b.call("GET", "kb"));
            long t0 = System.nanoTime();
            d.call("SET", "ka", "2");
            assertEquals(push("ka"), nextInvalidation(a), "the reader of ka");
            long micros = (System.nanoTime() - t0) / 1000;
            assertEquals("+PONG\r\n", b.call("PING"), "b read kb, not ka: nothing before its PONG");
            d.call("SET", "kb", "x");
            assertEquals(push("kb"), nextInvalidation(b));
            // read again, invalidated again: Redis tracks a key again once it is read after an invalidation
            assertEquals("$1\r\n2\r\n", a.call("GET", "ka"));
            d.call("DEL", "ka");
            assertEquals(push("ka"), nextInvalidation(a));
            System.out.println("CLIENT-TRACKING invalidation reached the client " + micros
                    + " us after a direct write was sent");
        }
    }

    @Test
    void aFlushInvalidatesEverything() throws Exception {
        try (RespConn a = resp3Tracking(); RespConn d = direct()) {
            a.call("GET", "k");
            d.call("FLUSHALL");
            assertEquals(">2\r\n$10\r\ninvalidate\r\n_\r\n", a.readReply());
        }
    }

    @Test
    void bcastGetsEveryKeyOfItsPrefixes() throws Exception {
        try (RespConn c = resp3Tracking("BCAST", "PREFIX", "user:", "PREFIX", "cart:"); RespConn d = direct()) {
            d.call("SET", "user:1", "x");
            assertEquals(push("user:1"), nextInvalidation(c));
            d.call("SET", "other", "x");
            d.call("SET", "cart:9", "x");
            assertEquals(push("cart:9"), nextInvalidation(c), "nothing for 'other'");
        }
    }

    @Test
    void optinTracksOnlyWhatFollowsCachingYes() throws Exception {
        try (RespConn c = resp3Tracking("OPTIN"); RespConn d = direct()) {
            c.call("GET", "a");
            assertEquals("+OK\r\n", c.call("CLIENT", "CACHING", "yes"));
            c.call("GET", "b");
            c.call("GET", "c");
            d.call("SET", "a", "1");
            d.call("SET", "c", "1");
            d.call("SET", "b", "1");
            assertEquals(push("b"), nextInvalidation(c), "a and c were read without CACHING yes before them");
        }
    }

    @Test
    void resp2RedirectsGoToASubscribedClientAsMessages() throws Exception {
        try (RespConn target = new RespConn(env.proxy().port()); RespConn t = new RespConn(env.proxy().port());
             RespConn d = direct()) {
            String id = target.call("CLIENT", "ID").trim().substring(1);
            target.call("SUBSCRIBE", "__redis__:invalidate");
            assertEquals("-ERR The client ID you want redirect to does not exist\r\n",
                    t.call("CLIENT", "TRACKING", "ON", "REDIRECT", "999999"));
            assertEquals("+OK\r\n", t.call("CLIENT", "TRACKING", "ON", "REDIRECT", id));
            assertEquals(":" + id + "\r\n", t.call("CLIENT", "GETREDIR"));
            t.call("GET", "rk");
            d.call("SET", "rk", "v");
            assertEquals("*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$2\r\nrk\r\n",
                    target.readReply());
        }
    }

    @Test
    void trackingCommandsAnswerAsRedisDoes() throws Exception {
        String[][] script = {{"CLIENT", "TRACKINGINFO"}, {"CLIENT", "GETREDIR"}, {"CLIENT", "CACHING", "yes"},
            {"CLIENT", "TRACKING", "ON", "OPTIN"}, {"CLIENT", "CACHING", "no"}, {"CLIENT", "CACHING", "yes"},
            {"CLIENT", "TRACKINGINFO"}, {"CLIENT", "TRACKING", "ON", "OPTOUT"}, {"CLIENT", "TRACKING", "OFF"},
            {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "ab", "PREFIX", "a"},
            {"CLIENT", "TRACKING", "ON", "PREFIX", "a"}, {"CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"},
            {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "x", "NOLOOP"}, {"CLIENT", "TRACKINGINFO"},
            {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "xy"}, {"CLIENT", "TRACKING", "ON"},
            {"CLIENT", "TRACKING", "maybe"}, {"CLIENT", "TRACKING", "OFF"}, {"CLIENT", "TRACKINGINFO"},
            {"CLIENT", "TRACKING", "ON", "OPTIN", "NOLOOP"}, {"CLIENT", "TRACKING", "ON"}, {"CLIENT", "TRACKINGINFO"},
            {"CLIENT", "CACHING", "yes"}, {"CLIENT", "TRACKING", "OFF"},
            {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "b", "PREFIX", "a"}, {"CLIENT", "TRACKINGINFO"},
            {"CLIENT", "TRACKING", "OFF"}};
        for (boolean resp3 : new boolean[] {false, true}) {
            try (RespConn p = new RespConn(env.proxy().port()); RespConn d = direct()) {
                if (resp3) {
                    p.call("HELLO", "3");
                    d.call("HELLO", "3");
                }
                for (String[] cmd : script) {
                    assertEquals(d.call(cmd), p.call(cmd), String.join(" ", cmd) + (resp3 ? " (RESP3)" : ""));
                }
            }
        }
    }

    /** 1,000 tracking clients reading 100 keys each: what the proxy keeps for it is reported. */
    @Test
    void trackingMemoryWithAThousandClientsAndAHundredThousandKeys() throws Exception {
        try (SidecarFixture big = SidecarFixture.start(List.of(env.redis().address()))) {
            List<RespConn> clients = new ArrayList<>();
            try {
                long before = usedHeap();
                for (int c = 0; c < 1000; c++) {
                    RespConn conn = new RespConn(big.port());
                    clients.add(conn);
                    conn.send("HELLO", "3");
                    conn.send("CLIENT", "TRACKING", "ON");
                    for (int k = 0; k < 100; k++) {
                        conn.send("GET", "mem:" + c + ":" + k);
                    }
                }
                for (RespConn conn : clients) {
                    for (int i = 0; i < 102; i++) {
                        conn.readReply();
                    }
                }
                long keys = big.sidecar().context().trackedKeys();
                assertEquals(1000, big.sidecar().context().trackingClients());
                assertEquals(100_000, keys);
                long heap = usedHeap() - before;
                System.out.println("TRACKING-MEMORY 1000 tracking clients, " + keys + " keys read: heap grew by "
                        + (heap >> 20) + " MB (" + (heap / keys) + " bytes a key, clients' connections included)");
            } finally {
                for (RespConn conn : clients) {
                    conn.close();
                }
            }
        }
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void theTableIsBoundedAndEvictsByInvalidating() throws Exception {
        try (RespConn c = resp3Tracking()) {
            for (int i = 0; i < 1500; i++) {
                c.send("GET", "many:" + i);
            }
            int pushes = 0;
            int flushes = 0;
            for (int i = 0; i < 1500 + pushes + flushes; i++) {
                String r = c.readReply();
                if (r.startsWith(">2")) {
                    if (r.endsWith("\r\n_\r\n")) {
                        flushes++; // a flush of everything (after the FLUSHALL between tests): safe, not counted
                    } else {
                        pushes++;
                    }
                }
            }
            // past 1,000 keys, the oldest are invalidated for their readers and forgotten, as Redis does
            assertEquals(500, pushes);
            String pong = c.call("PING");
            while (pong.startsWith(">2")) {
                pong = c.readReply();
            }
            assertEquals("+PONG\r\n", pong);
        }
    }

    // ---------------------------------------------------------------- review of b0c0434

    /** Finding 2 and 3: after every proxy connection to Redis is killed, tracking works again (flush first). */
    @Test
    void trackingRecoversAfterItsConnectionsAreKilled() throws Exception {
        try (RespConn c = resp3Tracking(); RespConn d = direct()) {
            c.call("GET", "rk1");
            d.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"); // the links and the tracking connections
            assertEquals(">2\r\n$10\r\ninvalidate\r\n_\r\n", c.readReply(), "what it cached may be stale");
            String r = c.call("GET", "rk1");
            while (r.startsWith(">2")) {
                r = c.readReply(); // further flushes of the same burst
            }
            assertEquals("_\r\n", r);
            d.call("SET", "rk1", "v");
            String next = c.readReply();
            while (next.equals(">2\r\n$10\r\ninvalidate\r\n_\r\n")) {
                next = c.readReply(); // a late flush of the same burst (more flushes are safe, a missed key is not)
            }
            assertEquals(push("rk1"), next, "tracked again, through a new link");
        }
    }

    /** Finding 6: CLIENT CACHING yes lasts through MULTI, as in Redis. */
    @Test
    void cachingYesLastsThroughMulti() throws Exception {
        try (RespConn c = resp3Tracking("OPTIN"); RespConn d = direct()) {
            c.call("CLIENT", "CACHING", "yes");
            c.call("MULTI");
            c.call("GET", "m1");
            c.call("EXEC");
            d.call("SET", "m1", "x");
            assertEquals(push("m1"), nextInvalidation(c));
        }
    }

    /** Finding 8: a script's declared keys are tracked. */
    @Test
    void aScriptsDeclaredKeysAreTracked() throws Exception {
        try (RespConn c = resp3Tracking(); RespConn d = direct()) {
            c.call("EVAL", "return redis.call('get', KEYS[1])", "1", "sk1");
            d.call("SET", "sk1", "x");
            assertEquals(push("sk1"), nextInvalidation(c));
        }
    }

    /** Finding 9: turning tracking on keeps WATCH's protection (refused while watching) and waits for BLPOP. */
    @Test
    void trackingDoesNotBreakWatchOrBlockingCommands() throws Exception {
        try (RespConn c = new RespConn(env.proxy().port()); RespConn d = direct()) {
            c.call("HELLO", "3");
            c.call("WATCH", "w1");
            assertTrue(c.call("CLIENT", "TRACKING", "ON").startsWith("-ERR redis-sidecar: CLIENT TRACKING cannot"));
            d.call("SET", "w1", "other");
            c.call("MULTI");
            c.call("SET", "w1", "mine");
            assertEquals("_\r\n", c.call("EXEC"), "the transaction aborts, as WATCH promises");
            d.call("RPUSH", "bq", "x");
            c.send("BLPOP", "bq", "5");
            c.send("CLIENT", "TRACKING", "ON");
            assertEquals("*2\r\n$2\r\nbq\r\n$1\r\nx\r\n", c.readReply(), "BLPOP answered, not cut off");
            assertEquals("+OK\r\n", c.readReply());
        }
    }

    /** Finding 10: a RESP2 client that unsubscribed from everything gets no invalidation message. */
    @Test
    void aRedirectTargetThatUnsubscribedGetsNothing() throws Exception {
        try (RespConn target = new RespConn(env.proxy().port()); RespConn t = new RespConn(env.proxy().port());
             RespConn d = direct()) {
            String id = target.call("CLIENT", "ID").trim().substring(1);
            target.call("SUBSCRIBE", "x");
            target.call("UNSUBSCRIBE", "x");
            assertEquals("+OK\r\n", t.call("CLIENT", "TRACKING", "ON", "REDIRECT", id));
            t.call("GET", "ru1");
            d.call("SET", "ru1", "v");
            assertEquals("$1\r\nv\r\n", target.call("GET", "ru1"), "its own reply, nothing before it");
        }
    }
}
