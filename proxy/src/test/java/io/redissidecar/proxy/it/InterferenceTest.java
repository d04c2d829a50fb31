package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No client can change what another client gets: N clients share ONE backend connection (one event loop, one shared
 * connection per node) and send random mixes of commands at once, each on keys of its own: plain reads and writes,
 * errors, commands the proxy refuses, unknown commands, scripts that return made-up errors (MOVED, LOADING...), large
 * values, blocking commands, SELECT, MULTI/EXEC, SUBSCRIBE/UNSUBSCRIBE, and a client that disconnects mid-pipeline.
 * Each client's replies must equal what the same sequence gets from Redis directly when that client runs alone (for
 * a command the proxy refuses, the proxy's refusal). Fixed seeds run in CI; a longer run:
 * {@code mvn verify -Dit.test=InterferenceTest -Dinterference.seeds=1,2,3,4 -Dinterference.ops=3000}.
 */
class InterferenceTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--event-loop-threads", "1", "--backend-connections", "1",
            "--deny-commands", "keys");

    private static final int CLIENTS = 8;
    private static final int OPS = Integer.getInteger("interference.ops", 250);
    private static final int PIPELINE = 16;
    private static final String REFUSED = "-ERR redis-sidecar: command '";

    /** One step: the command, and the reply the proxy must give instead of Redis's (null: Redis's own). */
    private record Step(String[] cmd, String proxyReply) {
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 20261201})
    void eachClientGetsExactlyWhatItWouldAlone(long seed) throws Exception {
        run(seed);
    }

    /** Seeds given with {@code -Dinterference.seeds=...}, for longer runs on demand (none in CI). */
    @ParameterizedTest(name = "extra seeds {0}")
    @ValueSource(strings = "interference.seeds")
    void extraSeedsOnDemand(String property) throws Exception {
        String seeds = System.getProperty(property, "");
        for (String s : seeds.split(",")) {
            if (!s.isBlank()) {
                run(Long.parseLong(s.trim()));
            }
        }
    }

    private void run(long seed) throws Exception {
        List<List<Step>> scripts = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            scripts.add(script(new Random(seed * 31 + c), "c" + c + ":" + seed + ":"));
        }
        flushAll();
        List<List<String>> proxied = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        try {
            List<Future<List<String>>> futures = new ArrayList<>();
            for (List<Step> s : scripts) {
                futures.add(pool.submit(() -> play(env.proxy().port(), s, true)));
            }
            Future<?> vandal = pool.submit(() -> vandal(new Random(seed)));
            for (Future<List<String>> f : futures) {
                proxied.add(f.get(120, TimeUnit.SECONDS));
            }
            vandal.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        flushAll();
        for (int c = 0; c < CLIENTS; c++) {
            List<String> alone = play(env.redis().port(), scripts.get(c), false);
            for (int i = 0; i < scripts.get(c).size(); i++) {
                Step st = scripts.get(c).get(i);
                String expected = st.proxyReply() != null ? st.proxyReply() : alone.get(i);
                String got = proxied.get(c).get(i);
                if (st.proxyReply() != null && st.proxyReply().equals(REFUSED)) {
                    got = got.startsWith(REFUSED) ? REFUSED : got;
                }
                assertEquals(expected, got, "seed " + seed + ", client " + c + ", step " + i + ": "
                        + String.join(" ", st.cmd()));
            }
        }
    }

    /**
     * Plays a script, {@code PIPELINE} commands at a time; the replies in order. Straight to Redis ({@code proxied}
     * false) the steps the proxy refuses are not sent (SYNC would turn the connection into a replica there).
     */
    private static List<String> play(int port, List<Step> script, boolean proxied) throws Exception {
        List<String> replies = new ArrayList<>();
        try (RespConn c = new RespConn(port)) {
            for (int from = 0; from < script.size(); from += PIPELINE) {
                int to = Math.min(script.size(), from + PIPELINE);
                for (int i = from; i < to; i++) {
                    if (proxied || script.get(i).proxyReply() == null) {
                        c.send(script.get(i).cmd());
                    }
                }
                for (int i = from; i < to; i++) {
                    if (!proxied && script.get(i).proxyReply() != null) {
                        replies.add(null);
                        continue;
                    }
                    try {
                        replies.add(c.readReply());
                    } catch (java.io.IOException e) {
                        throw new AssertionError((proxied ? "through the proxy" : "direct") + ", step " + i + " ("
                                + String.join(" ", script.get(i).cmd()).substring(0, Math.min(80,
                                String.join(" ", script.get(i).cmd()).length())) + "), after " + replies, e);
                    }
                }
            }
        }
        return replies;
    }

    /** A client that pipelines requests and goes away without reading their replies, again and again. */
    private static Void vandal(Random r) throws Exception {
        for (int round = 0; round < 20; round++) {
            try (RespConn c = new RespConn(env.proxy().port())) {
                for (int i = 0; i < 30; i++) {
                    c.send("SET", "vandal:" + r.nextInt(10), "x".repeat(r.nextInt(5000)));
                    c.send("BLPOP", "vandal:q", "0.05");
                }
            }
        }
        return null;
    }

    private static List<Step> script(Random r, String p) {
        List<Step> s = new ArrayList<>();
        boolean inMulti = false;
        boolean subscribed = false; // MULTI after SUBSCRIBE is refused by the proxy (see the README): not generated
        for (int i = 0; i < OPS; i++) {
            String k = p + r.nextInt(6);
            String list = p + "l" + r.nextInt(2);
            int pick = r.nextInt(inMulti ? 10 : 24);
            switch (pick) {
                case 0 -> s.add(redis("SET", k, "v" + r.nextInt(1000)));
                case 1 -> s.add(redis("GET", k));
                case 2 -> s.add(redis("INCR", p + "n")); // WRONGTYPE when n was made a list: the same either way
                case 3 -> s.add(redis("APPEND", k, "a"));
                case 4 -> s.add(redis("LPUSH", list, "e" + r.nextInt(100)));
                case 5 -> s.add(redis("LRANGE", list, "0", "-1"));
                case 6 -> s.add(redis("HSET", p + "h", "f" + r.nextInt(3), "v" + r.nextInt(9)));
                case 7 -> s.add(redis("HGET", p + "h", "f" + r.nextInt(3)));
                case 8 -> s.add(redis("DEL", k));
                case 9 -> s.add(redis("EXISTS", k, list));
                case 10 -> s.add(redis("LPUSH", p + "n", "x")); // makes INCR's key a list: WRONGTYPE later
                case 11 -> s.add(redis("NOPE" + r.nextInt(3), k)); // answered by the proxy with Redis's text
                case 12 -> s.add(new Step(new String[] {"REPLCONF", "ACK", "0"}, REFUSED));
                case 13 -> s.add(new Step(new String[] {"SYNC"}, REFUSED));
                case 14 -> s.add(redis("EVAL", "redis.call('INCR', KEYS[1]); return {err='"
                        + List.of("MOVED 0 127.0.0.1:1", "LOADING x", "READONLY y", "TRYAGAIN z").get(r.nextInt(4))
                        + "'}", "1", p + "s"));
                case 15 -> s.add(redis("SET", k, big(r)));
                case 16 -> s.add(redis("BLPOP", list, "0.01"));
                case 17 -> {
                    s.add(redis("SELECT", "1"));
                    s.add(redis("SET", k, "db1"));
                    s.add(redis("GET", k));
                    s.add(redis("SELECT", "0"));
                }
                case 18 -> {
                    if (subscribed) {
                        s.add(redis("PING"));
                    } else {
                        s.add(redis("MULTI"));
                        inMulti = true;
                    }
                }
                case 19 -> {
                    subscribed = true;
                    s.add(redis("SUBSCRIBE", p + "ch"));
                    s.add(redis("UNSUBSCRIBE", p + "ch"));
                }
                case 20 -> s.add(redis("GET"));  // wrong arity: Redis's error
                case 21 -> s.add(redis("ECHO", big(r)));
                case 22 -> s.add(redis("PING"));
                default -> s.add(redis("STRLEN", k));
            }
            if (inMulti && r.nextInt(4) == 0) {
                s.add(redis(r.nextBoolean() ? "EXEC" : "DISCARD"));
                inMulti = false;
            }
        }
        if (inMulti) {
            s.add(redis("EXEC"));
        }
        return s;
    }

    private static Step redis(String... cmd) {
        return new Step(cmd, null);
    }

    private static String big(Random r) {
        char[] c = new char[1 + r.nextInt(r.nextInt(10) == 0 ? 300_000 : 2_000)];
        for (int i = 0; i < c.length; i++) {
            c[i] = (char) ('a' + r.nextInt(26));
        }
        return new String(c);
    }

    private static void flushAll() throws Exception {
        try (RespConn d = new RespConn(env.redis().port())) {
            assertEquals("+OK\r\n", d.call("FLUSHALL"));
        }
    }
}
