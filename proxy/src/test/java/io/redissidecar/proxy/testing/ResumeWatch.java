package io.redissidecar.proxy.testing;

import static org.awaitility.Awaitility.await;

import io.redissidecar.config.HostPort;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How soon writes resume after a promotion, as clients with a 2 s timeout (Jedis's default) see it. One writer per
 * key does {@code SET key i} then {@code GET key} in a loop (an idempotent write and a read); {@link #killed()} marks
 * the kill, {@link #awaitPromotion} watches the candidates' ROLE until one says master, and
 * {@link #resumedAfterPromotionMillis} is the first acknowledged SET that was sent after the kill, counted from that
 * moment. Any error reply, timeout or broken connection counts as an error. Bounded: 100,000 rounds or 60 s per
 * writer.
 */
public final class ResumeWatch implements AutoCloseable {
    private final AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong firstAckAfterKill = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong acks = new AtomicLong();
    private final AtomicInteger errors = new AtomicInteger();
    private final List<String> errorTexts = new ArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> writers = new ArrayList<>();
    private volatile long promotedAt;

    public ResumeWatch(int port, List<String> keys) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        for (String key : keys) {
            Thread t = new Thread(() -> write(port, key, deadline), "resume-" + key);
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
    }

    private void write(int port, String key, long deadline) {
        RespConn c = null;
        for (int i = 0; i < 100_000 && !stop.get() && System.nanoTime() < deadline; i++) {
            try {
                if (c == null) {
                    c = new RespConn(port);
                    c.setTimeout(2000);
                }
                long sent = System.nanoTime();
                String r = c.call("SET", key, Integer.toString(i));
                if (!r.equals("+OK\r\n")) {
                    error(key + " SET: " + r.trim());
                    continue;
                }
                acks.incrementAndGet();
                if (sent > killedAt.get()) {
                    firstAckAfterKill.accumulateAndGet(System.nanoTime(), Math::min);
                }
                String g = c.call("GET", key);
                if (!g.startsWith("$")) {
                    error(key + " GET: " + g.trim());
                }
            } catch (IOException e) {
                if (!stop.get()) {
                    error(key + ": " + e); // a timeout at the client, or a broken connection: connect again
                }
                closeQuietly(c);
                c = null;
            }
        }
        closeQuietly(c);
    }

    private static void closeQuietly(RespConn c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private synchronized void error(String text) {
        errors.incrementAndGet();
        if (errorTexts.size() < 5) {
            errorTexts.add(text);
        }
    }

    /** Waits until the writers have had {@code n} SETs acknowledged in all. */
    public void awaitAcks(long n) {
        long start = acks.get();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).until(() -> acks.get() - start >= n);
    }

    /**
     * Marks the kill: from now on, acknowledged SETs sent after this instant count as resumed writes. Call it once the
     * old master's process has exited ({@link RedisServer#kill9()} returns then): a SET sent between the signal and
     * the exit may still be acknowledged by the dying master.
     */
    public void killed() {
        killedAt.set(System.nanoTime());
    }

    public long killedAtNanos() {
        return killedAt.get();
    }

    /**
     * Polls the candidates' ROLE every 2 ms, each over a connection kept open, until one says master; returns it.
     * (Polling without a pause would take a core from the proxy on a 2-core machine.)
     */
    public HostPort awaitPromotion(List<HostPort> candidates) {
        Map<HostPort, RespConn> conns = new HashMap<>();
        AtomicReference<HostPort> promoted = new AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                    .until(() -> {
                        for (HostPort n : candidates) {
                            try {
                                RespConn c = conns.get(n);
                                if (c == null) {
                                    c = new RespConn(n.port());
                                    conns.put(n, c);
                                }
                                if (c.call("ROLE").startsWith("*3\r\n$6\r\nmaster")) {
                                    promotedAt = System.nanoTime();
                                    promoted.set(n);
                                    return true;
                                }
                            } catch (IOException e) {
                                // Sentinel kills a promoted replica's clients as it promotes it: connect again
                                closeQuietly(conns.remove(n));
                            }
                        }
                        return false;
                    });
        } finally {
            conns.values().forEach(ResumeWatch::closeQuietly);
        }
        return promoted.get();
    }

    /** Waits for the first write acknowledged after the kill, then stops the writers. */
    public void awaitResumedAndStop() throws InterruptedException {
        await().atMost(Duration.ofSeconds(30)).until(() -> firstAckAfterKill.get() != Long.MAX_VALUE);
        close();
    }

    public long promotionAfterKillMillis() {
        return (promotedAt - killedAt.get()) / 1_000_000;
    }

    /** From the promotion to the first acknowledged SET sent after the kill (negative: before the promotion). */
    public long resumedAfterPromotionMillis() {
        return (firstAckAfterKill.get() - promotedAt) / 1_000_000;
    }

    public int errors() {
        return errors.get();
    }

    public synchronized String errorSamples() {
        return errorTexts.toString();
    }

    /**
     * The whole measurement: once {@code 200} writes were acknowledged, {@code kill} (returning once the master has
     * exited); the promotion among {@code replicas}; the resumption. Prints the figures under {@code label} and
     * asserts that no writer saw an error and that the writes resumed within {@code boundMs} of the promotion. When
     * the promotion itself took longer than {@code maxPromotionMs}, a client with a 2 s timeout could not wait for it
     * whatever the proxy does: the test is skipped (Redis's own time, printed), not failed.
     */
    public void killAndAssertResumption(String label, Runnable kill, List<HostPort> replicas, long boundMs,
                                        long maxPromotionMs) throws InterruptedException {
        awaitAcks(200);
        kill.run();
        killed();
        awaitPromotion(replicas);
        awaitResumedAndStop();
        long afterPromotion = resumedAfterPromotionMillis();
        System.out.println("FAILOVER-RESUME " + label + ": promotion " + promotionAfterKillMillis()
                + " ms after the kill, writes resumed " + afterPromotion + " ms after the promotion; client errors "
                + errors());
        org.junit.jupiter.api.Assumptions.assumeTrue(promotionAfterKillMillis() <= maxPromotionMs, "the promotion "
                + "took " + promotionAfterKillMillis() + " ms: longer than 2 s clients can wait, whatever the proxy "
                + "does");
        org.junit.jupiter.api.Assertions.assertEquals(0, errors(),
                "no writer saw an error or a 2 s timeout: " + errorSamples());
        org.junit.jupiter.api.Assertions.assertTrue(afterPromotion <= boundMs,
                "resumed " + afterPromotion + " ms after the promotion");
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : writers) {
            t.join(5000);
        }
    }
}
