package io.redissidecar.proxy.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.session.ClientSession;
import io.redissidecar.proxy.session.ProxyContext;
import io.redissidecar.proxy.tls.ReloadableTls;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ports clients connect to: the plain port and the TLS port, either of which may be off. Every accepted client
 * gets a {@link ClientSession} on its event loop (on the TLS port once its handshake is done); past
 * {@code --max-clients} it gets Redis's error and is closed.
 */
public final class ClientListeners implements AutoCloseable {
    private Channel plain;
    private Channel tls;

    /**
     * Binds the ports on {@code listen}'s host: its port when {@code plainOn}, and {@code tlsPort} (0: off) with
     * {@code tlsContext}.
     */
    public static ClientListeners bind(EventLoopGroup boss, EventLoopGroup workers, Transport transport,
                                       WriteBufferWaterMark marks, ProxyContext px,
                                       Map<EventLoop, LoopBackends> loops, long idleMs, HostPort listen,
                                       boolean plainOn, int tlsPort, ReloadableTls tlsContext)
            throws InterruptedException {
        ClientListeners l = new ClientListeners();
        ServerBootstrap sb = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks);
        transport.connectionOptions().forEach((o, v) -> sb.childOption(Transport.option(o), v));
        if (plainOn) {
            l.plain = sb.clone().childHandler(initializer(px, loops, idleMs, null))
                    .bind(listen.host(), listen.port()).sync().channel();
        }
        if (tlsPort > 0) {
            l.tls = sb.clone().childHandler(initializer(px, loops, idleMs, tlsContext))
                    .bind(listen.host(), tlsPort).sync().channel();
        }
        return l;
    }

    /**
     * Sets up an accepted client: the idle timer and its session. On the TLS port that waits for the handshake: a
     * connection that has not finished one (a silent socket, a client without a valid certificate) takes no place
     * among --max-clients, and the handshake timeout closes it.
     */
    private static ChannelInitializer<SocketChannel> initializer(ProxyContext px, Map<EventLoop, LoopBackends> loops,
                                                                 long idleMs, ReloadableTls tls) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (tls == null) {
                    admit(ch, px, loops, idleMs);
                    return;
                }
                ch.pipeline().addLast(tls.handler(ch, null), new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                        if (evt instanceof SslHandshakeCompletionEvent done) {
                            ctx.pipeline().remove(this);
                            if (!done.isSuccess()) {
                                ctx.close();
                            } else if (admit(ch, px, loops, idleMs)) {
                                ctx.pipeline().fireChannelActive(); // the session starts now
                            }
                            return;
                        }
                        super.userEventTriggered(ctx, evt);
                    }

                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        // the session comes after the handshake
                    }
                });
            }
        };
    }

    /** Gives the client its session if fewer than --max-clients are connected; else Redis's error, and closed. */
    private static boolean admit(SocketChannel ch, ProxyContext px, Map<EventLoop, LoopBackends> loops,
                                 long idleMs) {
        if (!px.admit()) {
            ch.writeAndFlush(Replies.error(ch.alloc(), "ERR max number of clients reached"))
                    .addListener(ChannelFutureListener.CLOSE);
            return false;
        }
        if (idleMs > 0) {
            ch.pipeline().addLast(new IdleStateHandler(0, 0, idleMs, TimeUnit.MILLISECONDS));
        }
        ch.pipeline().addLast(new ClientSession(px, loops.get(ch.eventLoop())));
        return true;
    }

    /** The plain port's address (with the real port when 0 was asked for), or null when it is off. */
    public HostPort plainAddress() {
        return address(plain);
    }

    /** The TLS port's address, or null when it is off. */
    public HostPort tlsAddress() {
        return address(tls);
    }

    private static HostPort address(Channel ch) {
        if (ch == null) {
            return null;
        }
        InetSocketAddress a = (InetSocketAddress) ch.localAddress();
        return new HostPort(a.getAddress().getHostAddress(), a.getPort());
    }

    /** Stops accepting (clients already connected stay). */
    @Override
    public void close() {
        for (Channel ch : new Channel[] {plain, tls}) {
            if (ch != null) {
                ch.close().syncUninterruptibly();
            }
        }
    }
}
