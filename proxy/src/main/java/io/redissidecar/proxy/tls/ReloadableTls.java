package io.redissidecar.proxy.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.redissidecar.config.BoundedFiles;
import io.redissidecar.config.HostPort;
import io.redissidecar.config.SidecarConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS context that a reload may replace: connections made after it use the new certificates, connections already
 * open keep theirs (nothing is dropped). A replacement that does not build (a half-written file, a key that does not
 * match) is refused with a log line and the old context stays.
 */
public final class ReloadableTls {
    private static final Logger log = LoggerFactory.getLogger(ReloadableTls.class);

    /** Builds a context from a configuration. */
    public interface Builder {
        SslContext build(SidecarConfig c) throws IOException;
    }

    /**
     * What a context is built from: its settings (as text) and its files; its own certificate file (null: none),
     * whose expiry is a metric.
     */
    public record Inputs(Function<SidecarConfig, String> settings, Function<SidecarConfig, List<String>> files,
                         Function<SidecarConfig, String> certFile) {
    }

    /** The client TLS port's inputs. */
    public static final Inputs CLIENT = new Inputs(SidecarConfig::tlsAuthClients, SidecarConfig::clientTlsFiles,
            SidecarConfig::tlsCertFile);

    /** The backend connections' inputs. */
    public static final Inputs BACKEND = new Inputs(c -> Boolean.toString(c.backendTlsVerifyHostname()),
            SidecarConfig::backendTlsFiles, SidecarConfig::backendTlsCertFile);

    private final String what;
    private final Builder builder;
    private final Inputs inputsOf;
    private final long handshakeTimeoutMs;
    private volatile SslContext context;
    private byte[] inputs;
    private final AtomicLong failures = new AtomicLong();
    /** When the certificate in force expires (epoch seconds), or -1 when this side has none. */
    private volatile long notAfter = -1;

    private ReloadableTls(String what, Builder builder, Inputs inputsOf, long handshakeTimeoutMs) {
        this.what = what;
        this.builder = builder;
        this.inputsOf = inputsOf;
        this.handshakeTimeoutMs = handshakeTimeoutMs;
    }

    /** The context built from {@code c} now; a failure here stops the start. */
    public static ReloadableTls create(String what, Builder builder, Inputs inputsOf, SidecarConfig c,
                                       long handshakeTimeoutMs) throws IOException {
        ReloadableTls t = new ReloadableTls(what, builder, inputsOf, handshakeTimeoutMs);
        t.context = builder.build(c);
        t.inputs = t.inputs(c);
        t.notAfter = notAfter(inputsOf.certFile().apply(c));
        return t;
    }

    /** Builds the context again when {@code c}'s TLS settings or the files' content changed; true when replaced. */
    public synchronized boolean reload(SidecarConfig c) {
        byte[] now = inputs(c);
        if (Arrays.equals(now, inputs)) {
            return false;
        }
        try {
            context = builder.build(c);
            inputs = now;
            notAfter = notAfter(inputsOf.certFile().apply(c));
            log.info("{} TLS certificates reloaded; new connections use them", what);
            return true;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            log.warn("{} TLS certificates not reloaded, the running ones stay: {}", what, e.getMessage());
            return false;
        }
    }

    /** Reloads refused (files that did not build a context): a metric, for alerts. */
    public long reloadFailures() {
        return failures.get();
    }

    /** When the certificate in force expires, in epoch seconds; -1 when this side presents none. */
    public long certificateNotAfter() {
        return notAfter;
    }

    private static long notAfter(String certFile) {
        if (certFile == null) {
            return -1;
        }
        try (InputStream in = new ByteArrayInputStream(BoundedFiles.read(Path.of(certFile), 1024 * 1024))) {
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            return cert.getNotAfter().toInstant().getEpochSecond();
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            return -1;
        }
    }

    /** A handler that adds TLS in front of {@code next} on a new channel; {@code peer} (a node) is checked by name. */
    public ChannelHandler wrap(ChannelHandler next, HostPort peer) {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(handler(ch, peer), next);
            }
        };
    }

    /** A new TLS handler for {@code ch} (a client's, or with {@code peer}, a connection to a node). */
    public SslHandler handler(Channel ch, HostPort peer) {
        SslContext ctx = context;
        SslHandler h = peer == null ? ctx.newHandler(ch.alloc()) : ctx.newHandler(ch.alloc(), peer.host(), peer.port());
        h.setHandshakeTimeout(handshakeTimeoutMs, TimeUnit.MILLISECONDS);
        return h;
    }

    /** A digest of everything the context is built from: the settings and each file's content. */
    private byte[] inputs(SidecarConfig c) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((inputsOf.settings().apply(c) + "|").getBytes());
            for (String f : inputsOf.files().apply(c)) {
                md.update(f.getBytes());
                try {
                    md.update(BoundedFiles.read(Path.of(f), 1024 * 1024));
                } catch (IOException | RuntimeException e) {
                    md.update((byte) 0); // unreadable: the build says why
                }
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
