package io.redissidecar.proxy.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which node took writes while it said master. Every {@value #PERIOD_MS} ms it reads each port's {@code INFO server
 * replication commandstats} (run id, role, {@code cmdstat_set} calls) and records, per node process, the SETs it ran
 * between two samples that both said master. A process that starts as a master (a restarted node) counts from 0,
 * since Redis counts commands from its start. SETs in the last few milliseconds before a node turns replica may be
 * missed; nothing is counted twice.
 */
public final class MasterWriteWatch implements AutoCloseable {
    static final long PERIOD_MS = 5;
    private static final Pattern RUN_ID = Pattern.compile("run_id:(\\w+)");
    private static final Pattern ROLE = Pattern.compile("role:(\\w+)");
    private static final Pattern SETS = Pattern.compile("cmdstat_set:calls=(\\d+)");

    /**
     * SETs a node process ran while it said master, between two samples ({@link System#nanoTime()});
     * {@code afterReplica}: the process had been seen as a replica before (promoted, not merely started).
     */
    public record Span(int port, String runId, long fromNanos, long toNanos, long sets, boolean afterReplica) {
    }

    private record Sample(String runId, String role, long sets, long atNanos) {
    }

    private final List<Integer> ports;
    private final Map<Integer, RespConn> conns = new HashMap<>();
    private final Map<Integer, Sample> last = new HashMap<>();
    private final List<Span> spans = new ArrayList<>();
    private final Set<String> seenAsReplica = new HashSet<>();
    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "master-write-watch");
        t.setDaemon(true);
        return t;
    });

    public MasterWriteWatch(List<Integer> ports) {
        this.ports = List.copyOf(ports);
        sampler.scheduleWithFixedDelay(this::sampleAll, 0, PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private void sampleAll() {
        for (int port : ports) {
            Sample s = sample(port);
            Sample p = last.get(port);
            if (s != null && "master".equals(s.role)) {
                if (p != null && p.runId.equals(s.runId) && "master".equals(p.role) && s.sets > p.sets) {
                    record(new Span(port, s.runId, p.atNanos, s.atNanos, s.sets - p.sets,
                            seenAsReplica.contains(s.runId)));
                } else if ((p == null || !p.runId.equals(s.runId)) && s.sets > 0) {
                    // a process seen for the first time, as a master: whatever it ran since its start
                    record(new Span(port, s.runId, s.atNanos, s.atNanos, s.sets, false));
                }
            }
            if (s != null) {
                if ("slave".equals(s.role)) {
                    seenAsReplica.add(s.runId);
                }
                last.put(port, s);
            }
        }
    }

    private synchronized void record(Span span) {
        spans.add(span);
    }

    private Sample sample(int port) {
        try {
            RespConn c = conns.get(port);
            if (c == null) {
                c = new RespConn(port);
                c.setTimeout(500);
                conns.put(port, c);
            }
            String info = c.call("INFO", "server", "replication", "commandstats");
            Matcher id = RUN_ID.matcher(info);
            Matcher role = ROLE.matcher(info);
            Matcher sets = SETS.matcher(info);
            if (!id.find() || !role.find()) {
                return null;
            }
            return new Sample(id.group(1), role.group(1), sets.find() ? Long.parseLong(sets.group(1)) : 0,
                    System.nanoTime());
        } catch (IOException e) {
            RespConn c = conns.remove(port);
            if (c != null) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // already broken
                }
            }
            return null;
        }
    }

    public synchronized List<Span> spans() {
        return List.copyOf(spans);
    }

    /** The SETs the process of {@code runId} ran while it said master, before it was ever seen as a replica. */
    public long setsBeforeFirstReplica(String runId) {
        return spans().stream().filter(s -> s.runId.equals(runId) && !s.afterReplica).mapToLong(Span::sets).sum();
    }

    /** Pairs of spans of two different processes that overlap in time: two masters taking writes at once. */
    public List<String> overlaps() {
        List<Span> all = spans();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                Span a = all.get(i);
                Span b = all.get(j);
                if (!a.runId.equals(b.runId) && a.fromNanos <= b.toNanos && b.fromNanos <= a.toNanos) {
                    out.add(a + " and " + b);
                }
            }
        }
        return out;
    }

    /** Per port and process: SETs while master, for the report. */
    public String summary() {
        Map<String, Long> per = new java.util.LinkedHashMap<>();
        for (Span s : spans()) {
            per.merge(":" + s.port + "/" + s.runId.substring(0, 8), s.sets, Long::sum);
        }
        return per.toString();
    }

    /** The run id of the process on {@code port} now. */
    public static String runId(int port) throws IOException {
        try (RespConn c = new RespConn(port)) {
            Matcher m = RUN_ID.matcher(c.call("INFO", "server"));
            if (!m.find()) {
                throw new IOException("no run_id from :" + port);
            }
            return m.group(1);
        }
    }

    @Override
    public void close() throws InterruptedException {
        sampler.shutdown();
        sampler.awaitTermination(5, TimeUnit.SECONDS);
        for (RespConn c : conns.values()) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        conns.clear();
    }
}
