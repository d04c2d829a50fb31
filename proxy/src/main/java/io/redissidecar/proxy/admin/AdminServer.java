package io.redissidecar.proxy.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.channel.ChannelFutureListener;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.metrics.MetricsRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin HTTP endpoint: {@code GET /health/live} (the process works), {@code GET /health/ready} (listening, and
 * a master is known and up), 200 or 503 with a one-line reason; {@code GET /metrics}; {@code POST /admin/switchover}
 * (a planned, lossless switch of the master; 200 with an account, 409 with the reason it was not done), which
 * {@link AdminAccess} guards with the {@link AdminToken}.
 *
 * <p>Netty's HTTP codec on an event loop of its own (one thread, apart from the data plane), within
 * {@link AdminLimits}: bounded request line, headers and body, a deadline to send a whole request, an idle time
 * between requests and a cap on connections. The loop never blocks: the metrics exposition and the switchover run on
 * threads of their own, so a slow or half-sent request on one connection never holds a probe on another.
 */
public final class AdminServer implements AutoCloseable {
    /** A planned switch of the master; returns an account, throws with the reason it cannot be done. */
    public interface Switchover {
        String run() throws Exception;
    }

    /** The metrics exposition for a request's Accept header. */
    public interface Metrics {
        MetricsRegistry.Scrape scrape(String accept) throws IOException;
    }

    /** What the endpoints answer from, and where their slow work runs. */
    record Endpoints(BooleanSupplier ready, Supplier<String> readyDetail, Switchover switchover, ScrapeCache metrics,
                     ExecutorService metricsExecutor, ExecutorService switchoverExecutor, AtomicInteger scrapes) {
    }

    private final HostPort address;
    private final AdminLimits limits;
    private final AdminToken token;
    private final Endpoints endpoints;
    private final EventLoopGroup group;
    private Channel channel;

    /**
     * @param tokenFile the {@code --admin-token-file}, or null
     * @throws IOException when the token file cannot be read or is empty
     */
    public AdminServer(HostPort address, AdminLimits limits, Path tokenFile, BooleanSupplier ready,
                       Supplier<String> readyDetail, Switchover switchover, Metrics metrics) throws IOException {
        this.address = address;
        this.limits = limits;
        this.token = new AdminToken(tokenFile);
        this.endpoints = new Endpoints(ready, readyDetail, switchover, new ScrapeCache(metrics),
                worker("sidecar-admin-metrics"),
                worker("sidecar-admin-switchover"), new AtomicInteger());
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("sidecar-admin", true),
                NioIoHandler.newFactory());
    }

    private static ExecutorService worker(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    public void start() throws InterruptedException {
        ConnectionCap cap = new ConnectionCap(limits.maxConnections());
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaders());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 128)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        RequestClock clock = new RequestClock(limits.readDeadline(), limits.keepAliveIdle());
                        ch.pipeline().addLast(cap, clock, new HttpServerCodec(decoder),
                                new BodyLimit(limits.maxBody()), new AdminHandler(endpoints, token, clock));
                    }
                });
        channel = b.bind(address.host(), address.port()).sync().channel();
    }

    /** An aggregator that answers a body over the limit with 413 and closes the connection. */
    private static final class BodyLimit extends HttpObjectAggregator {
        BodyLimit(int maxBody) {
            super(maxBody);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            var res = AdminHandler.text(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large\n");
            res.headers().set("Connection", "close");
            ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
        }
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** On a configuration reload: reads the token file again (null: none from now on). */
    public void tokenFile(Path file) {
        token.use(file);
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        endpoints.metricsExecutor().shutdownNow();
        endpoints.switchoverExecutor().shutdownNow();
        token.close();
    }
}
