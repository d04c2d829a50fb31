package io.redissidecar.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.redissidecar.proxy.commands.CommandInfo;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data plane's metrics: what is counted on the request path. Everything here is cheap on the hot path: the data
 * points are looked up once per command and outcome and kept in an array indexed by {@link CommandInfo#index()}, and
 * counted with the client library's striped adders. When metrics are off, every method returns at once.
 * The control-plane and state metrics are read at scrape time (see {@link MetricsRegistry}).
 */
public final class ProxyMetrics {
    /** Request outcomes, the values of the {@code outcome} label. */
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int REDIRECTED = 2;
    public static final int RETRIED = 3;
    public static final int REFUSED = 4;
    private static final String[] OUTCOMES = {"ok", "error", "redirected", "retried", "refused"};

    /** Command classes, the values of the latency histogram's {@code class} label. */
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int BLOCKING = 2;
    public static final int PUBSUB = 3;
    public static final int OTHER = 4;
    private static final String[] CLASSES = {"read", "write", "blocking", "pubsub", "other"};

    private final boolean enabled;
    private final Counter requests;
    private final AtomicReferenceArray<CounterDataPoint[]> byCommand = new AtomicReferenceArray<>(2048);
    private final CounterDataPoint[] unknown = new CounterDataPoint[OUTCOMES.length];
    private final DistributionDataPoint[] latency = new DistributionDataPoint[CLASSES.length];
    private final CounterDataPoint bytesIn;
    private final CounterDataPoint bytesOut;
    private final CounterDataPoint heldReplayed;
    private final CounterDataPoint heldFailed;
    private final CounterDataPoint unsafeNotReplayed;
    private final CounterDataPoint waitCalls;
    private final DistributionDataPoint waitLatency;
    private final CounterDataPoint writesUnconfirmed;

    public ProxyMetrics(PrometheusRegistry registry, boolean enabled) {
        this.enabled = enabled;
        requests = Counter.builder().withoutExemplars().name("redis_sidecar_requests")
                .help("Client requests by command and outcome: ok and error count answered requests; redirected "
                        + "(MOVED/ASK followed), retried (sent again after a failure) and refused (by the proxy) "
                        + "count events")
                .labelNames("command", "outcome").register(registry);
        for (int o = 0; o < OUTCOMES.length; o++) {
            unknown[o] = requests.labelValues("unknown", OUTCOMES[o]);
        }
        Histogram h = Histogram.builder().withoutExemplars().name("redis_sidecar_request_duration_seconds")
                .help("Time from a request's arrival at the proxy to its reply being written, by command class")
                .labelNames("class").classicOnly()
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                        1, 2.5, 5, 10, 30)
                .register(registry);
        for (int c = 0; c < CLASSES.length; c++) {
            latency[c] = h.labelValues(CLASSES[c]);
        }
        Counter bytes = Counter.builder().withoutExemplars().name("redis_sidecar_client_bytes")
                .help("Bytes read from and written to clients").labelNames("direction").register(registry);
        bytesIn = bytes.labelValues("in");
        bytesOut = bytes.labelValues("out");
        Counter held = Counter.builder().withoutExemplars().name("redis_sidecar_held_requests")
                .help("Requests held for a master (failover, redirection) and how they ended: replayed (sent again) "
                        + "or failed (the hold ran out)")
                .labelNames("result").register(registry);
        heldReplayed = held.labelValues("replayed");
        heldFailed = held.labelValues("failed");
        unsafeNotReplayed = Counter.builder().withoutExemplars().name("redis_sidecar_unsafe_replays_refused")
                .help("Requests whose fate was unknown after a lost connection and that were not sent again because "
                        + "that could duplicate a write (the client got the ambiguity error)")
                .register(registry).labelValues();
        waitCalls = Counter.builder().withoutExemplars().name("redis_sidecar_durability_waits")
                .help("WAIT calls of replicated durability (one per batch of writes on a connection)")
                .register(registry).labelValues();
        waitLatency = Histogram.builder().withoutExemplars().name("redis_sidecar_durability_wait_seconds")
                .help("How long the WAIT after a batch of writes took").classicOnly()
                .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                        2.5, 5)
                .register(registry).labelValues();
        writesUnconfirmed = Counter.builder().withoutExemplars().name("redis_sidecar_durability_unconfirmed_writes")
                .help("Writes that ran on the master but were not confirmed by min-replicas replicas in time (the "
                        + "client got an error)")
                .register(registry).labelValues();
    }

    /** Metrics that count nothing (for tools and tests that need none). */
    public static ProxyMetrics disabled() {
        return new ProxyMetrics(new PrometheusRegistry(), false);
    }

    public boolean enabled() {
        return enabled;
    }

    /** The class of {@code cmd} for the latency histogram. */
    public static int classOf(CommandInfo cmd) {
        if (cmd == null) {
            return OTHER;
        }
        if (cmd.has(CommandInfo.BLOCKING) || cmd.name().equals("wait")) {
            return BLOCKING;
        }
        if (cmd.has(CommandInfo.PUBSUB)) {
            return PUBSUB;
        }
        if (cmd.has(CommandInfo.WRITE)) {
            return WRITE;
        }
        return cmd.has(CommandInfo.READONLY) ? READ : OTHER;
    }

    /** One request of {@code cmd} (null: unknown) with this outcome. */
    public void request(CommandInfo cmd, int outcome) {
        if (!enabled) {
            return;
        }
        points(cmd)[outcome].inc();
    }

    /** An answered request: its outcome and the time since it arrived. */
    public void answered(CommandInfo cmd, boolean error, int commandClass, long startNanos, long nowNanos) {
        if (!enabled) {
            return;
        }
        points(cmd)[error ? ERROR : OK].inc();
        latency[commandClass].observe((nowNanos - startNanos) / 1e9);
    }

    private CounterDataPoint[] points(CommandInfo cmd) {
        if (cmd == null || cmd.index() >= byCommand.length()) {
            return unknown;
        }
        CounterDataPoint[] p = byCommand.get(cmd.index());
        if (p == null) {
            p = new CounterDataPoint[OUTCOMES.length];
            for (int o = 0; o < OUTCOMES.length; o++) {
                p[o] = requests.labelValues(cmd.name(), OUTCOMES[o]);
            }
            byCommand.set(cmd.index(), p);
        }
        return p;
    }

    public void bytesIn(long n) {
        if (enabled) {
            bytesIn.inc(n);
        }
    }

    public void bytesOut(long n) {
        if (enabled) {
            bytesOut.inc(n);
        }
    }

    public void heldReplayed() {
        if (enabled) {
            heldReplayed.inc();
        }
    }

    public void heldFailed() {
        if (enabled) {
            heldFailed.inc();
        }
    }

    public void unsafeNotReplayed() {
        if (enabled) {
            unsafeNotReplayed.inc();
        }
    }

    public void waitAnswered(long nanos) {
        if (enabled) {
            waitCalls.inc();
            waitLatency.observe(nanos / 1e9);
        }
    }

    public void writeUnconfirmed() {
        if (enabled) {
            writesUnconfirmed.inc();
        }
    }
}
