package io.redissidecar.proxy.testing;

import static io.redissidecar.proxy.testing.ClientLoad.expect;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assertions;

/**
 * The failover workload of the replication-group issue, on one endpoint (the proxy, or HAProxy for comparison):
 * three SET-then-GET clients, INCR, RPUSH, a BLPOP consumer, a publisher and a subscriber.
 */
/** The workload of the issue: SET/GET, INCR, RPUSH, a BLPOP consumer, a subscriber and a publisher. */
public final class FailoverWorkload implements AutoCloseable {
    public final ClientLoad load;
    public final List<ClientLoad.Seen> setGet;
    public final ClientLoad.Seen incr;
    public final ClientLoad.Seen rpush;
    public final ClientLoad.Seen blpop;
    public final ClientLoad.Seen publish;
    public final ClientLoad.Seen subscriber;
    public final AtomicLong messages = new AtomicLong();
    public final Map<String, AtomicLong> stale = new ConcurrentHashMap<>();

public FailoverWorkload(int port) {
        load = new ClientLoad(port, 90);
        setGet = List.of(setGet("setget-1"), setGet("setget-2"), setGet("setget-3"));
        incr = load.add("incr", (c, i) -> {
            String r = c.call("INCR", "counter");
            if (!r.startsWith(":")) {
                throw new ClientLoad.ReplyError(r);
            }
        });
        rpush = load.add("rpush", (c, i) -> {
            String r = c.call("RPUSH", "jobs", "job" + i);
            if (!r.startsWith(":")) {
                throw new ClientLoad.ReplyError(r);
            }
        });
        blpop = load.add("blpop", (c, i) -> {
            String r = c.call("BLPOP", "jobs", "1");
            if (!r.startsWith("*")) {
                throw new ClientLoad.ReplyError(r);
            }
        });
        publish = load.add("publish", (c, i) -> {
            String r = c.call("PUBLISH", "news", "m" + i);
            if (!r.startsWith(":")) {
                throw new ClientLoad.ReplyError(r);
            }
        });
        subscriber = load.add("subscriber", new ClientLoad.Step() {
            boolean subscribed;

            @Override
            public void run(RespConn c, long i) throws IOException {
                if (!subscribed) {
                    c.setTimeout(30_000);
                    expect(c, "*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n", "SUBSCRIBE", "news");
                    subscribed = true;
                    return;
                }
                String m = c.readReply();
                if (!m.startsWith("*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n")) {
                    throw new ClientLoad.ReplyError(m);
                }
                messages.incrementAndGet();
            }
        });
    }

    private ClientLoad.Seen setGet(String name) {
        stale.put(name, new AtomicLong());
        return load.add(name, (c, i) -> {
            String key = name + ":" + i;
            String v = Long.toString(i);
            expect(c, "+OK\r\n", "SET", key, v);
            load.acknowledged.put(key, new long[] {i, System.nanoTime()});
            String r = c.call("GET", key);
            if (r.startsWith("-")) {
                throw new ClientLoad.ReplyError(r);
            }
            if (!r.equals("$" + v.length() + "\r\n" + v + "\r\n")) {
                stale.get(name).incrementAndGet(); // an acknowledged write that the new master does not have
            }
        });
    }

    /** Waits until every SET/GET worker and the subscriber made progress since the call. */
    public void awaitProgress(int opsEach) {
        Map<ClientLoad.Seen, Long> start = new HashMap<>();
        setGet.forEach(s -> start.put(s, s.ok.get()));
        long m0 = messages.get();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() ->
                setGet.stream().allMatch(s -> s.ok.get() - start.get(s) >= opsEach) && messages.get() - m0 >= 5);
    }

    @Override
    public void close() throws InterruptedException {
        load.close();
    }

    public static void report(String scenario, FailoverWorkload w, long gapBoundMs, String lostAcked) {
        StringBuilder sb = new StringBuilder("FAILOVER " + scenario + " gapBoundMs=" + gapBoundMs + " lostAckedWrites="
                + lostAcked + " acked=" + w.load.acknowledged.size() + " messages=" + w.messages.get()
                + " staleReads=" + w.stale);
        for (ClientLoad.Seen s : w.load.seen()) {
            sb.append("\n  ").append(s);
        }
        System.out.println(sb);
    }

    /** Asserts that the client saw no error at all. */
    public static void assertNoErrors(ClientLoad.Seen s) {
        Assertions.assertTrue(s.errors.isEmpty(), s.toString());
    }

    /** Errors are allowed only when they say plainly that the command's fate is unknown. */
    public static void assertOnlyAmbiguityErrors(ClientLoad.Seen s) {
        for (String e : s.errors) {
            Assertions.assertTrue(e.startsWith("-ERR redis-sidecar:")
                    && e.contains("may or may not have run"), s.name + ": " + e);
        }
    }

    /** Acknowledged SETs the final master does not have, split by acknowledgement before or after {@code at}. */
    public static String lostAcknowledged(int proxyPort, Map<String, long[]> acked, long at) throws IOException {
        int before = 0;
        int after = 0;
        try (RespConn c = new RespConn(proxyPort)) {
            for (Map.Entry<String, long[]> e : acked.entrySet()) {
                String v = Long.toString(e.getValue()[0]);
                String got = c.call("GET", e.getKey());
                if (!got.equals("$" + v.length() + "\r\n" + v + "\r\n")) {
                    if (before + after < 3) {
                        System.out.println("LOST " + e.getKey() + " want " + v + " got " + got.trim());
                    }
                    if (e.getValue()[1] - at < 0) {
                        before++;
                    } else {
                        after++;
                    }
                }
            }
        }
        return (before + after) + " (acknowledged before the event " + before + ", after " + after + ")";
    }
}
