package io.redissidecar.proxy.backend;

/** What every backend connection needs to know: credentials and how many shared connections per node. */
public record BackendSettings(String username, String password, int sharedConnections) {
}
