package io.redissidecar.proxy.tls;

import io.redissidecar.config.SidecarConfig;
import io.redissidecar.topology.NodeAccess;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How clients reach the proxy and the proxy reaches the nodes: the client port's TLS, the backend TLS (the data
 * connections' Netty context and the health checks' Lettuce settings, built from the same files), and the
 * credentials towards the nodes and the Sentinels. A reload hands new credentials and certificates to each.
 */
public final class Reach {
    /** The client TLS port's TLS handshake may take this long. */
    private static final long CLIENT_HANDSHAKE_MS = 10_000;

    private final ReloadableTls clientTls;
    private final ReloadableTls backendTls;
    private final NodeAccess nodes;
    private final NodeAccess sentinels;

    private Reach(ReloadableTls clientTls, ReloadableTls backendTls, NodeAccess nodes, NodeAccess sentinels) {
        this.clientTls = clientTls;
        this.backendTls = backendTls;
        this.nodes = nodes;
        this.sentinels = sentinels;
    }

    /** Built from {@code c}; certificates that do not load stop the start. */
    public static Reach of(SidecarConfig c) throws IOException {
        ReloadableTls client = c.tlsPort() > 0
                ? ReloadableTls.create("client port", TlsContexts::server, ReloadableTls.CLIENT, c, CLIENT_HANDSHAKE_MS)
                : null;
        ReloadableTls backend = null;
        NodeAccess.Tls lettuce = null;
        if (c.backendTls()) {
            backend = ReloadableTls.create("backend", TlsContexts::backend, ReloadableTls.BACKEND, c,
                    c.connectTimeoutMs());
            lettuce = new NodeAccess.Tls(c.backendTlsCaCertFile(), c.backendTlsCertFile(), c.backendTlsKeyFile(),
                    c.backendTlsVerifyHostname());
        }
        return new Reach(client, backend, new NodeAccess(c.backendUsername(), c.backendPassword(), lettuce),
                new NodeAccess(null, c.sentinelPassword(), lettuce));
    }

    /** New credentials and certificates for connections made from now on; true when a certificate was replaced. */
    public boolean reload(SidecarConfig c) {
        nodes.credentials(c.backendUsername(), c.backendPassword());
        sentinels.credentials(null, c.sentinelPassword());
        boolean replaced = false;
        for (ReloadableTls t : new ReloadableTls[] {clientTls, backendTls}) {
            replaced |= t != null && t.reload(c);
        }
        return replaced;
    }

    /** The client port's TLS, or null without a TLS port. */
    public ReloadableTls clientTls() {
        return clientTls;
    }

    /** TLS towards the nodes, or null. */
    public ReloadableTls backendTls() {
        return backendTls;
    }

    /** How the proxy reaches the Redis nodes (data connections and health checks). */
    public NodeAccess nodes() {
        return nodes;
    }

    /** How the proxy reaches the Sentinels. */
    public NodeAccess sentinels() {
        return sentinels;
    }

    /** The sides with TLS, for the metrics: {@code client}, {@code backend}. */
    public Map<String, ReloadableTls> tlsSides() {
        Map<String, ReloadableTls> sides = new LinkedHashMap<>();
        if (clientTls != null) {
            sides.put("client", clientTls);
        }
        if (backendTls != null) {
            sides.put("backend", backendTls);
        }
        return sides;
    }
}
