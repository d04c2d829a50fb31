package io.redissidecar.proxy.backend;

import io.redissidecar.health.NodeBreakers;

/**
 * What every backend connection needs to know: credentials, how many shared connections per node, and for replicated
 * durability how many replicas must confirm writes ({@code minReplicas} 0: async) and how long they may take; the
 * per-node circuit breakers that gate new connections.
 */
public record BackendSettings(String username, String password, int sharedConnections, int minReplicas,
                              int replicationTimeoutMs, NodeBreakers breakers, int backendTimeoutMs) {

    public boolean replicated() {
        return minReplicas > 0;
    }
}
