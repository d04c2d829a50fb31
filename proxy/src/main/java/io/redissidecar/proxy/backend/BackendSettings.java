package io.redissidecar.proxy.backend;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.proxy.tls.ReloadableTls;
import io.redissidecar.topology.NodeAccess;
import io.redissidecar.topology.NodeBreakers;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every backend connection needs to know: credentials (which a reload may change), TLS (null: plain), how many shared connections per node, and for replicated
 * durability how many replicas must confirm writes ({@code minReplicas} 0: async) and how long they may take; the
 * per-node circuit breakers that gate new connections; {@code readonlyOnConnect}: every connection starts with
 * {@code READONLY} (cluster mode with {@code --read-from}: replicas of a cluster serve reads only after it).
 */
public record BackendSettings(NodeAccess access, ReloadableTls tls, int sharedConnections, int minReplicas,
                              int replicationTimeoutMs, NodeBreakers breakers, int backendTimeoutMs,
                              boolean readonlyOnConnect, ProxyMetrics metrics,
                              Map<HostPort, AtomicInteger> openConnections) {

    public boolean replicated() {
        return minReplicas > 0;
    }

    /** Counts a backend connection to {@code node} that became ready (a gauge at scrape time). */
    void connectionOpened(HostPort node) {
        openConnections.computeIfAbsent(node, n -> new AtomicInteger()).incrementAndGet();
    }

    /** Counts down a ready connection to {@code node} that closed. */
    void connectionClosed(HostPort node) {
        AtomicInteger open = openConnections.get(node);
        if (open != null) {
            open.decrementAndGet();
        }
    }
}
