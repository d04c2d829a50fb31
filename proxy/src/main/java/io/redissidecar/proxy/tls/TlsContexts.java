package io.redissidecar.proxy.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.redissidecar.config.BoundedFiles;
import io.redissidecar.config.SidecarConfig;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds the proxy's TLS contexts from the configured PEM files: the server context of the client TLS port and the
 * client context of the connections to the Redis nodes. OpenSSL (BoringSSL from netty-tcnative) where its native
 * library loads, the JDK's TLS otherwise.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** The TLS implementation in use: OpenSSL when netty-tcnative loads here, else the JDK's. */
    public static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** Certificate files are small regular files: a FIFO or {@code /dev/zero} would hang or exhaust the reader. */
    private static void requireSmallRegularFiles(List<String> files) throws IOException {
        for (String f : files) {
            BoundedFiles.read(Path.of(f), 1024 * 1024);
        }
    }

    /** The client TLS port's context: the proxy's certificate, and client certificates per --tls-auth-clients. */
    public static SslContext server(SidecarConfig c) throws IOException {
        requireSmallRegularFiles(c.clientTlsFiles());
        KeyPairCheck.requireMatch(c.tlsCertFile(), c.tlsKeyFile());
        SslContextBuilder b = SslContextBuilder.forServer(new File(c.tlsCertFile()), new File(c.tlsKeyFile()))
                .sslProvider(provider())
                .clientAuth(switch (c.tlsAuthClients()) {
                    case "yes" -> ClientAuth.REQUIRE;
                    case "optional" -> ClientAuth.OPTIONAL;
                    default -> ClientAuth.NONE;
                });
        if (c.tlsCaCertFile() != null) {
            b.trustManager(new File(c.tlsCaCertFile()));
        }
        return b.build();
    }

    /** The context of connections to the nodes: their CA (or the JDK's), a client certificate, the host check. */
    public static SslContext backend(SidecarConfig c) throws IOException {
        requireSmallRegularFiles(c.backendTlsFiles());
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider())
                .endpointIdentificationAlgorithm(c.backendTlsVerifyHostname() ? "HTTPS" : null);
        if (c.backendTlsCaCertFile() != null) {
            b.trustManager(new File(c.backendTlsCaCertFile()));
        }
        if (c.backendTlsCertFile() != null) {
            KeyPairCheck.requireMatch(c.backendTlsCertFile(), c.backendTlsKeyFile());
            b.keyManager(new File(c.backendTlsCertFile()), new File(c.backendTlsKeyFile()));
        }
        return b.build();
    }
}
