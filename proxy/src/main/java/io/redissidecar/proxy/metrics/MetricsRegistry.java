package io.redissidecar.proxy.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.tls.ReloadableTls;
import io.redissidecar.topology.NodeBreakers;
import io.redissidecar.topology.NodeState;
import io.redissidecar.topology.SlotMap;
import io.redissidecar.topology.Topology;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything {@code GET /metrics} shows: the data plane's counters ({@link ProxyMetrics}), the state read at scrape
 * time (clients, backend connections, nodes, slot coverage, failovers, pub/sub) and the JVM's metrics. Label values
 * are bounded: command names from the command table, node addresses from the topology, fixed words; never keys or
 * client addresses.
 */
public final class MetricsRegistry {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ProxyMetrics proxy;
    private final ExpositionFormats formats = ExpositionFormats.init();
    /** Open backend connections per node, kept by the backend connections themselves. */
    private final Map<HostPort, AtomicInteger> backendConnections = new ConcurrentHashMap<>();
    private final Counter reloads;
    // failover bookkeeping, written by the topology's master listener
    private final Object failoverLock = new Object();
    private HostPort lastMaster;
    private long masterChanges;
    private long noMasterSinceNanos;
    private long noMasterTotalNanos;

    public MetricsRegistry(boolean enabled) {
        this.proxy = new ProxyMetrics(registry, enabled);
        this.reloads = Counter.builder().withoutExemplars().name("redis_sidecar_config_reloads")
                .help("Configuration reloads (SIGHUP or a changed config file): applied, or rejected as invalid")
                .labelNames("result").register(registry);
        reloads.labelValues("applied");
        reloads.labelValues("rejected");
        if (enabled) {
            JvmMetrics.builder().register(registry);
        }
    }

    public ProxyMetrics proxy() {
        return proxy;
    }

    public Map<HostPort, AtomicInteger> backendConnections() {
        return backendConnections;
    }

    public void reload(boolean applied) {
        reloads.labelValues(applied ? "applied" : "rejected").inc();
    }

    /** The TLS metrics of each side that has TLS ({@code client}, {@code backend}); call once. */
    public void tls(Map<String, ReloadableTls> sides) {
        CounterWithCallback.builder().name("redis_sidecar_tls_reload_failures")
                .help("Certificate reloads refused (a file that did not parse, a key not of its certificate): the "
                        + "running certificates stay").labelNames("side")
                .callback(cb -> sides.forEach((side, t) -> cb.call(t.reloadFailures(), side))).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_tls_certificate_expiry_timestamp_seconds")
                .help("When the certificate the proxy presents expires (the client port's, or its client "
                        + "certificate towards the nodes)").labelNames("side")
                .callback(cb -> sides.forEach((side, t) -> {
                    if (t.certificateNotAfter() >= 0) {
                        cb.call(t.certificateNotAfter(), side);
                    }
                })).register(registry);
    }

    /** Registers the metrics read at scrape time; call once the proxy's parts exist. */
    public void bind(ClientStats px, Topology topology, NodeBreakers breakers) {
        lastMaster = topology.master();
        noMasterSinceNanos = lastMaster == null ? System.nanoTime() : 0;
        topology.onMasterChange(this::masterChanged);

        GaugeWithCallback.builder().name("redis_sidecar_client_connections")
                .help("Client connections open now").callback(cb -> cb.call(px.connectedClients()))
                .register(registry);
        CounterWithCallback.builder().name("redis_sidecar_client_connections_accepted")
                .help("Client connections accepted since start").callback(cb -> cb.call(px.acceptedClients()))
                .register(registry);
        CounterWithCallback.builder().name("redis_sidecar_client_output_limit_closes")
                .help("Clients disconnected for passing --client-output-buffer-limit (replies not read fast enough)")
                .callback(cb -> cb.call(px.outputLimitCloses())).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_tracking_clients")
                .help("Clients with CLIENT TRACKING on (client-side caching)")
                .callback(cb -> cb.call(px.trackingClients())).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_tracking_keys")
                .help("Keys the proxy remembers as read by tracking clients (bounded by --tracking-table-max-keys)")
                .callback(cb -> cb.call(px.trackedKeys())).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_tracking_evictions")
                .help("Tracked keys invalidated and forgotten because the tracking table was full")
                .callback(cb -> cb.call(px.trackingEvictions())).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_auth_failures")
                .help("Failed AUTH (and HELLO ... AUTH) per user; names that are no user of the proxy count as "
                        + "(unknown)").labelNames("user")
                .callback(cb -> px.authFailuresPerUser().forEach((u, n) -> cb.call(n, u))).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_auth_timeouts")
                .help("Clients closed for not authenticating within --auth-timeout-ms")
                .callback(cb -> cb.call(px.authTimeouts())).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_cross_protocol_clients")
                .help("Client connections closed for sending HTTP (POST or Host:) to the data port, as Redis does")
                .callback(cb -> cb.call(px.crossProtocolClients())).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_client_connections_rejected")
                .help("Client connections refused because max-clients were connected")
                .callback(cb -> cb.call(px.rejectedClients())).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_pending_requests")
                .help("Requests accepted from clients whose replies have not been written yet")
                .callback(cb -> cb.call(px.pendingReplies())).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_backend_connections")
                .help("Open connections from the proxy to each node (shared and private)").labelNames("node")
                .callback(cb -> backendConnections.forEach((n, c) -> cb.call(c.get(), n.toString())))
                .register(registry);

        GaugeWithCallback.builder().name("redis_sidecar_node_up")
                .help("1 when the node passes the health checks (PING, ROLE) with the rise/fall thresholds")
                .labelNames("node").callback(cb -> nodes(topology).forEach((n, s) -> cb.call(s.up() ? 1 : 0,
                        n.toString()))).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_node_role")
                .help("1 for the node's role as ROLE last said it (master, slave)").labelNames("node", "role")
                .callback(cb -> nodes(topology).forEach((n, s) -> cb.call(1, n.toString(), s.role())))
                .register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_node_replication_lag_seconds")
                .help("For a replica: how long it has been behind its master's replication offset (0: caught up at "
                        + "the last check); absent when unknown").labelNames("node")
                .callback(cb -> nodes(topology).forEach((n, s) -> {
                    if ("slave".equals(s.role()) && s.lagMs() >= 0) {
                        cb.call(s.lagMs() / 1000.0, n.toString());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_node_check_latency_seconds")
                .help("Duration of the node's last successful health check").labelNames("node")
                .callback(cb -> nodes(topology).forEach((n, s) -> {
                    if (s.latencyMicros() >= 0) {
                        cb.call(s.latencyMicros() / 1e6, n.toString());
                    }
                })).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_node_breaker_state")
                .help("1 for the state of the node's circuit breaker (CLOSED, OPEN, HALF_OPEN)")
                .labelNames("node", "state")
                .callback(cb -> nodes(topology).keySet().forEach(n -> cb.call(1, n.toString(), breakers.state(n))))
                .register(registry);

        GaugeWithCallback.builder().name("redis_sidecar_master_known")
                .help("1 while a master is known (in cluster mode: the master of slot 0)")
                .callback(cb -> cb.call(topology.master() == null ? 0 : 1)).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_master_changes")
                .help("Times the master changed to another node (failovers and switchovers)")
                .callback(cb -> cb.call(masterChanges())).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_no_master_seconds")
                .help("Time spent with no master known (requests were held meanwhile)")
                .callback(cb -> cb.call(noMasterSeconds())).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_topology_updates")
                .help("Topology checks published by the control plane (health checks, slot-map refreshes)")
                .callback(cb -> cb.call(topology.updates())).register(registry);
        GaugeWithCallback.builder().name("redis_sidecar_cluster_slots_covered")
                .help("Cluster mode: hash slots (of 16384) that have a reachable master").callback(cb -> {
                    SlotMap m = topology.slots();
                    if (m != null) {
                        cb.call(m.covered());
                    }
                }).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_cluster_redirections")
                .help("Cluster mode: MOVED and ASK replies the proxy followed (clients never see them)")
                .labelNames("kind").callback(cb -> {
                    cb.call(px.movedRedirections(), "moved");
                    cb.call(px.askRedirections(), "ask");
                }).register(registry);

        GaugeWithCallback.builder().name("redis_sidecar_subscribed_clients")
                .help("Clients in pub/sub mode (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE)").callback(cb -> {
                    cb.call(px.subscribedClients());
                }).register(registry);
        CounterWithCallback.builder().name("redis_sidecar_resubscriptions")
                .help("Subscribed clients moved to a new connection (a new master) and confirmed there")
                .callback(cb -> cb.call(px.resubscriptions())).register(registry);
    }

    private static Map<HostPort, NodeState> nodes(Topology t) {
        return t.nodes();
    }

    private void masterChanged(HostPort m) {
        synchronized (failoverLock) {
            long now = System.nanoTime();
            if (m == null) {
                if (noMasterSinceNanos == 0) {
                    noMasterSinceNanos = now;
                }
            } else {
                if (noMasterSinceNanos != 0) {
                    noMasterTotalNanos += now - noMasterSinceNanos;
                    noMasterSinceNanos = 0;
                }
                if (lastMaster != null && !lastMaster.equals(m)) {
                    masterChanges++;
                }
                lastMaster = m;
            }
        }
    }

    public long masterChanges() {
        synchronized (failoverLock) {
            return masterChanges;
        }
    }

    private double noMasterSeconds() {
        synchronized (failoverLock) {
            long t = noMasterTotalNanos + (noMasterSinceNanos != 0 ? System.nanoTime() - noMasterSinceNanos : 0);
            return t / 1e9;
        }
    }

    /** The exposition for a request's Accept header: OpenMetrics when asked for, else Prometheus text. */
    public Scrape scrape(String accept) throws IOException {
        ExpositionFormatWriter w = formats.findWriter(accept);
        if (!w.isAvailable()) {
            w = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        w.write(out, registry.scrape());
        return new Scrape(w.getContentType(), out.toByteArray());
    }

    public record Scrape(String contentType, byte[] body) {
    }
}
