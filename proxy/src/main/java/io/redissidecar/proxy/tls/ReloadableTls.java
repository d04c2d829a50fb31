package io.redissidecar.proxy.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.redissidecar.config.HostPort;
import io.redissidecar.config.SidecarConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    /** What a context is built from: its settings (as text) and its files. */
    public interface Inputs {
        String settings(SidecarConfig c);

        List<String> files(SidecarConfig c);
    }

    /** The client TLS port's inputs. */
    public static final Inputs CLIENT = new Inputs() {
        @Override
        public String settings(SidecarConfig c) {
            return c.tlsAuthClients();
        }

        @Override
        public List<String> files(SidecarConfig c) {
            return c.clientTlsFiles();
        }
    };

    /** The backend connections' inputs. */
    public static final Inputs BACKEND = new Inputs() {
        @Override
        public String settings(SidecarConfig c) {
            return Boolean.toString(c.backendTlsVerifyHostname());
        }

        @Override
        public List<String> files(SidecarConfig c) {
            return c.backendTlsFiles();
        }
    };

    private final String what;
    private final Builder builder;
    private final Inputs inputsOf;
    private final long handshakeTimeoutMs;
    private volatile SslContext context;
    private byte[] inputs;

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
            log.info("{} TLS certificates reloaded; new connections use them", what);
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("{} TLS certificates not reloaded, the running ones stay: {}", what, e.getMessage());
            return false;
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
            md.update((inputsOf.settings(c) + "|").getBytes());
            for (String f : inputsOf.files(c)) {
                md.update(f.getBytes());
                try {
                    md.update(Files.readAllBytes(Path.of(f)));
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
