package io.redissidecar.proxy.backend;

/**
 * What every backend connection needs to know: credentials, how many shared connections per node, and for replicated
 * durability how many replicas must confirm writes ({@code minReplicas} 0: async) and how long they may take.
 */
public record BackendSettings(String username, String password, int sharedConnections, int minReplicas,
                              int replicationTimeoutMs) {

    /** Without replicated durability (no WAIT after writes). */
    public BackendSettings(String username, String password, int sharedConnections) {
        this(username, password, sharedConnections, 0, 0);
    }

    public boolean replicated() {
        return minReplicas > 0;
    }
}
