package io.redissidecar.topology;

import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.redissidecar.config.HostPort;
import java.io.File;
import java.time.Duration;

/**
 * How the control plane reaches a set of nodes (the Redis nodes, or the Sentinels): the credentials, which a reload
 * may change (connections opened after it use the new ones), and TLS. Lettuce reads the certificate files each time
 * it opens a connection, so replaced files take effect for the next connection too.
 */
public final class NodeAccess {
    /** TLS towards the nodes; null files mean the JDK's trust store and no client certificate. */
    public record Tls(String caCertFile, String certFile, String keyFile, boolean verifyHostname) {
    }

    private volatile String username;
    private volatile String password;
    private final Tls tls;

    public NodeAccess(String username, String password, Tls tls) {
        this.username = username;
        this.password = password;
        this.tls = tls;
    }

    /** Plain connections with these credentials (either may be null). */
    public static NodeAccess plain(String username, String password) {
        return new NodeAccess(username, password, null);
    }

    /** New credentials for connections opened from now on. */
    public void credentials(String username, String password) {
        this.username = username;
        this.password = password;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** Whether these nodes are reached over TLS. */
    boolean tls() {
        return tls != null;
    }

    /** Lettuce's TLS options for a client of these nodes, or null without TLS. */
    SslOptions sslOptions(Duration timeout) {
        if (tls == null) {
            return null;
        }
        SslOptions.Builder b = SslOptions.builder().jdkSslProvider().handshakeTimeout(timeout);
        if (tls.caCertFile() != null) {
            b.trustManager(new File(tls.caCertFile()));
        }
        if (tls.certFile() != null) {
            b.keyManager(new File(tls.certFile()), new File(tls.keyFile()), null);
        }
        return b.build();
    }

    /** The URI of {@code node} with the current credentials and, with TLS, the peer check asked for. */
    RedisURI uri(HostPort node, Duration timeout) {
        RedisURI.Builder uri = RedisURI.builder().withHost(node.host()).withPort(node.port()).withTimeout(timeout);
        String user = username;
        String pass = password;
        if (pass != null) {
            uri = user != null ? uri.withAuthentication(user, pass) : uri.withPassword(pass.toCharArray());
        }
        if (tls != null) {
            uri = uri.withSsl(true).withVerifyPeer(tls.verifyHostname() ? SslVerifyMode.FULL : SslVerifyMode.CA);
        }
        return uri.build();
    }
}
