package io.redissidecar.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.redissidecar.proxy.commands.CommandInfo;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
    static final String[] OUTCOMES = {"ok", "error", "redirected", "retried", "refused"};

    /** Command classes, the values of the latency histogram's {@code class} label. */
    public static final int READ = 0;
    public static final int WRITE = 1;
    public static final int BLOCKING = 2;
    public static final int PUBSUB = 3;
    public static final int OTHER = 4;
    static final String[] CLASSES = {"read", "write", "blocking", "pubsub", "other"};

    private final boolean enabled;
    /** Every event loop's request counters, summed at scrape time. */
    private final Map<Object, LoopCounters> loops = new ConcurrentHashMap<>();
    private final CounterDataPoint heldReplayed;
    private final CounterDataPoint heldFailed;
    private final CounterDataPoint unsafeNotReplayed;
    private final CounterDataPoint waitCalls;
    private final DistributionDataPoint waitLatency;
    private final CounterDataPoint writesUnconfirmed;

    public ProxyMetrics(PrometheusRegistry registry, boolean enabled) {
        this.enabled = enabled;
        registry.register(new RequestCollector());
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

    /** The request counters of one event loop (created on first use); pass them to the methods below. */
    public LoopCounters counters(Object eventLoop) {
        return loops.computeIfAbsent(eventLoop, l -> new LoopCounters());
    }

    /** One request of {@code cmd} (null: unknown) with this outcome; on {@code c}'s event loop. */
    public void request(LoopCounters c, CommandInfo cmd, int outcome) {
        if (enabled) {
            c.request(cmd, outcome);
        }
    }

    /** An answered request: its outcome and the time since it arrived; on {@code c}'s event loop. */
    public void answered(LoopCounters c, CommandInfo cmd, boolean error, int commandClass, long startNanos,
                         long nowNanos) {
        if (enabled) {
            c.request(cmd, error ? ERROR : OK);
            c.latency(commandClass, nowNanos - startNanos);
        }
    }

    public void bytesIn(LoopCounters c, long n) {
        if (enabled) {
            c.bytesIn += n;
        }
    }

    public void bytesOut(LoopCounters c, long n) {
        if (enabled) {
            c.bytesOut += n;
        }
    }

    /** Sums the event loops' counters into the requests counter, the latency histogram and the byte counters. */
    private final class RequestCollector implements MultiCollector {
        @Override
        public MetricSnapshots collect() {
            long[] req = new long[0];
            long[] buckets = new long[LoopCounters.CLASSES * (LoopCounters.BOUNDS.length + 1)];
            long[] nanos = new long[LoopCounters.CLASSES];
            long in = 0;
            long out = 0;
            for (LoopCounters c : loops.values()) {
                long[] r = c.requests;
                if (r.length > req.length) {
                    req = Arrays.copyOf(req, r.length);
                }
                for (int i = 0; i < r.length; i++) {
                    req[i] += r[i];
                }
                for (int i = 0; i < buckets.length; i++) {
                    buckets[i] += c.buckets[i];
                }
                for (int i = 0; i < nanos.length; i++) {
                    nanos[i] += c.latencyNanos[i];
                }
                in += c.bytesIn;
                out += c.bytesOut;
            }
            var requests = CounterSnapshot.builder()
                    .name("redis_sidecar_requests")
                    .help("Client requests by command and outcome: ok and error count answered requests; "
                            + "redirected (MOVED/ASK followed), retried (sent again after a failure) and refused (by "
                            + "the proxy) count events");
            for (int cmd = 0; cmd * LoopCounters.OUTCOMES < req.length; cmd++) {
                long any = 0;
                for (int o = 0; o < LoopCounters.OUTCOMES; o++) {
                    any += req[cmd * LoopCounters.OUTCOMES + o];
                }
                String name = CommandInfo.nameOf(cmd);
                if (any == 0 || name == null) {
                    continue;
                }
                for (int o = 0; o < LoopCounters.OUTCOMES; o++) {
                    requests.dataPoint(CounterSnapshot.CounterDataPointSnapshot
                            .builder().value(req[cmd * LoopCounters.OUTCOMES + o])
                            .labels(Labels.of("command", name, "outcome",
                                    OUTCOMES[o])).build());
                }
            }
            var latency = HistogramSnapshot.builder()
                    .name("redis_sidecar_request_duration_seconds")
                    .help("Time from a request's arrival at the proxy to its reply being written, by command class");
            double[] bounds = Arrays.copyOf(LoopCounters.BOUNDS, LoopCounters.BOUNDS.length + 1);
            bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
            for (int k = 0; k < LoopCounters.CLASSES; k++) {
                long[] b = Arrays.copyOfRange(buckets, k * bounds.length, (k + 1) * bounds.length);
                latency.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot
                        .builder()
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(
                                bounds, b))
                        .sum(nanos[k] / 1e9)
                        .labels(Labels.of("class", CLASSES[k])).build());
            }
            var bytes = CounterSnapshot.builder()
                    .name("redis_sidecar_client_bytes").help("Bytes read from and written to clients")
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                            .value(in).labels(Labels.of("direction", "in"))
                            .build())
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                            .value(out).labels(Labels.of("direction", "out"))
                            .build());
            return MetricSnapshots.of(requests.build(), latency.build(),
                    bytes.build());
        }

        @Override
        public List<String> getPrometheusNames() {
            return List.of("redis_sidecar_requests", "redis_sidecar_request_duration_seconds",
                    "redis_sidecar_client_bytes");
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
