package io.redissidecar.proxy.backend;

import io.redissidecar.topology.NodeBreakers;

/**
 * What every backend connection needs to know: credentials, how many shared connections per node, and for replicated
 * durability how many replicas must confirm writes ({@code minReplicas} 0: async) and how long they may take; the
 * per-node circuit breakers that gate new connections; {@code readonlyOnConnect}: every connection starts with
 * {@code READONLY} (cluster mode with {@code --read-from}: replicas of a cluster serve reads only after it).
 */
public record BackendSettings(String username, String password, int sharedConnections, int minReplicas,
                              int replicationTimeoutMs, NodeBreakers breakers, int backendTimeoutMs,
                              boolean readonlyOnConnect, io.redissidecar.proxy.metrics.ProxyMetrics metrics,
                              java.util.Map<io.redissidecar.config.HostPort,
                                      java.util.concurrent.atomic.AtomicInteger> openConnections) {

    public boolean replicated() {
        return minReplicas > 0;
    }
}
