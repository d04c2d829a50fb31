package io.redissidecar.proxy.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Several application-like clients through the proxy, each a thread with its own connection, recording what a client
 * sees: successes, errors (with their text), the longest gap between two successes, and writes acknowledged.
 * Bounded: every worker stops at {@link #close()} or after {@code maxSeconds}.
 */
public final class ClientLoad implements AutoCloseable {

    /** What one worker saw. */
    public static final class Seen {
        public final String name;
        public final AtomicLong ok = new AtomicLong();
        public final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        /** Reads that did not return the value this client had just written and had acknowledged. */
        public final AtomicLong staleReads = new AtomicLong();
        private volatile long lastOkNanos = System.nanoTime();
        private volatile long maxGapNanos;

        Seen(String name) {
            this.name = name;
        }

        void success() {
            long now = System.nanoTime();
            maxGapNanos = Math.max(maxGapNanos, now - lastOkNanos);
            lastOkNanos = now;
            ok.incrementAndGet();
        }

        public long maxGapMillis() {
            return maxGapNanos / 1_000_000;
        }

        @Override
        public String toString() {
            return name + ": ok=" + ok + " errors=" + errors.size() + " staleReads=" + staleReads + " maxGapMs="
                    + maxGapMillis()
                    + (errors.isEmpty() ? "" : " first error=" + errors.get(0).trim());
        }
    }

    /** One step of a worker; returns normally on success, throws {@link ReplyError} for an error reply. */
    public interface Step {
        void run(RespConn c, long i) throws IOException;
    }

    public static final class ReplyError extends IOException {
        private static final long serialVersionUID = 1L;

        public ReplyError(String reply) {
            super(reply);
        }
    }

    private final int port;
    private final long deadlineNanos;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Seen> seen = new ArrayList<>();
    /** SET keys whose OK came back, with the value written and when (System.nanoTime()). */
    public final ConcurrentHashMap<String, long[]> acknowledged = new ConcurrentHashMap<>();

    public ClientLoad(int port, int maxSeconds) {
        this.port = port;
        this.deadlineNanos = System.nanoTime() + maxSeconds * 1_000_000_000L;
    }

    public Seen add(String name, Step step) {
        Seen s = new Seen(name);
        seen.add(s);
        Thread t = new Thread(() -> {
            RespConn c = null;
            for (long i = 0; !stop.get() && System.nanoTime() < deadlineNanos; i++) {
                try {
                    if (c == null) {
                        c = new RespConn(port);
                    }
                    step.run(c, i);
                    s.success();
                } catch (ReplyError e) {
                    s.errors.add(e.getMessage());
                } catch (IOException e) {
                    if (!stop.get()) { // a read cut short by the end of the load is not something the client saw
                        s.errors.add("connection: " + e.getMessage());
                    }
                    closeQuietly(c);
                    c = null;
                }
            }
            closeQuietly(c);
        }, "load-" + name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
        return s;
    }

    /** Expects {@code expected} as the reply to {@code args}. */
    public static void expect(RespConn c, String expected, String... args) throws IOException {
        String r = c.call(args);
        if (!r.equals(expected)) {
            throw new ReplyError(r);
        }
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

    public long totalOk() {
        return seen.stream().mapToLong(s -> s.ok.get()).sum();
    }

    public List<Seen> seen() {
        return seen;
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
        }
    }
}
