package io.redissidecar.proxy.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin connection's requests, answered one at a time and in order: {@code GET|HEAD /health/live} and
 * {@code /health/ready}, {@code GET /metrics}, {@code POST /admin/switchover}, after {@link AdminAccess} allows them.
 * The metrics exposition and the switchover run on executors of their own, never on the event loop, which only
 * parses requests and writes answers; requests that arrive meanwhile (pipelined) wait their turn.
 */
final class AdminHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";
    /** Requests one connection may have waiting behind the one being answered. */
    private static final int MAX_WAITING = 16;
    /** Scrapes waiting for the metrics thread at once; more get 503 (Prometheus sends one at a time). */
    private static final int MAX_SCRAPES = 4;

    /** What an answer needs of a request; its buffers are released as soon as it arrives. */
    private record Request(HttpMethod method, String path, String accept, String authorization, boolean keepAlive) {
    }

    /** When the next refusal may be logged as a warning (System.nanoTime). */
    private static final AtomicLong nextWarning = new AtomicLong(System.nanoTime());

    private final AdminServer.Endpoints endpoints;
    private final AdminToken token;
    private final RequestClock clock;
    private final Queue<Request> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private boolean answering;

    AdminHandler(AdminServer.Endpoints endpoints, AdminToken token, RequestClock clock) {
        this.endpoints = endpoints;
        this.token = token;
        this.clock = clock;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        clock.answering();
        try {
            if (req.decoderResult().isFailure()) {
                Throwable cause = req.decoderResult().cause();
                HttpResponseStatus status = cause instanceof TooLongHttpLineException
                        ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                        : cause instanceof TooLongHttpHeaderException
                                ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                                : HttpResponseStatus.BAD_REQUEST;
                waiting.clear();
                write(HttpMethod.GET, false, text(status, status.reasonPhrase().toLowerCase() + "\n"));
                return;
            }
            if (waiting.size() >= MAX_WAITING) {
                ctx.close();
                return;
            }
            String path;
            try {
                path = new QueryStringDecoder(req.uri()).path();
            } catch (IllegalArgumentException e) {
                path = null;
            }
            waiting.add(new Request(req.method(), path, req.headers().get(HttpHeaderNames.ACCEPT),
                    req.headers().get(HttpHeaderNames.AUTHORIZATION), HttpUtil.isKeepAlive(req)));
        } finally {
            req.release();
        }
        if (!answering) {
            next();
        }
    }

    /** Answers the next waiting request, or lets the clock run when there is none. */
    private void next() {
        Request r = waiting.poll();
        if (r == null) {
            answering = false;
            clock.answered();
            return;
        }
        answering = true;
        if (r.path == null) {
            write(r, text(HttpResponseStatus.BAD_REQUEST, "bad request\n"));
            return;
        }
        InetAddress peer = ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
        switch (AdminAccess.decide(r.path, peer, r.authorization, token.check())) {
            case UNAUTHORIZED -> {
                refused("admin {} {} from {} refused: no valid bearer token", r, peer);
                FullHttpResponse res = text(HttpResponseStatus.UNAUTHORIZED, "a bearer token is needed\n");
                res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"redis-sidecar admin\"");
                write(r, res);
                return;
            }
            case FORBIDDEN -> {
                refused("admin {} {} from {} refused: not a loopback address and no --admin-token-file", r, peer);
                write(r, text(HttpResponseStatus.FORBIDDEN,
                        "only from a loopback address unless --admin-token-file is set\n"));
                return;
            }
            case ALLOW -> {
            }
        }
        switch (r.path) {
            case "/health/live" -> probe(r, HttpResponseStatus.OK, "live\n");
            case "/health/ready" -> {
                boolean ok = endpoints.ready().getAsBoolean();
                probe(r, ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                        (ok ? "ready " : "not ready ") + endpoints.readyDetail().get() + "\n");
            }
            case "/metrics" -> {
                if (!HttpMethod.GET.equals(r.method)) {
                    write(r, notAllowed("use GET\n", "GET"));
                } else if (endpoints.scrapes().incrementAndGet() > MAX_SCRAPES) {
                    // callers scraping in a loop get a small answer at once, not a queue of large ones
                    endpoints.scrapes().decrementAndGet();
                    FullHttpResponse busy = text(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many scrapes at once\n");
                    busy.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                    write(r, busy);
                } else {
                    long asked = System.nanoTime();
                    offload(r, endpoints.metricsExecutor(), () -> {
                        try {
                            var scrape = endpoints.metrics().scrape(r.accept, asked);
                            return response(HttpResponseStatus.OK, scrape.contentType(), scrape.body());
                        } finally {
                            endpoints.scrapes().decrementAndGet();
                        }
                    });
                }
            }
            case "/admin/switchover" -> {
                if (!HttpMethod.POST.equals(r.method)) {
                    write(r, notAllowed("use POST\n", "POST"));
                } else {
                    clock.changing(true);
                    offload(r, endpoints.switchoverExecutor(), () -> {
                        try {
                            return text(HttpResponseStatus.OK, endpoints.switchover().run() + "\n");
                        } catch (Exception e) {
                            return text(HttpResponseStatus.CONFLICT, "switchover not done: " + e.getMessage() + "\n");
                        }
                    });
                }
            }
            default -> write(r, text(HttpResponseStatus.NOT_FOUND, "not found\n"));
        }
    }

    /** Logs a refusal: a warning at most once a second (a caller in a loop cannot flood the log), else debug. */
    private static void refused(String format, Request r, InetAddress peer) {
        long now = System.nanoTime();
        long next = nextWarning.get();
        String path = printable(r.path);
        if (now - next >= 0 && nextWarning.compareAndSet(next, now + TimeUnit.SECONDS.toNanos(1))) {
            log.warn(format, r.method, path, peer);
        } else {
            log.debug(format, r.method, path, peer);
        }
    }

    /** A caller's path as it may be logged: control characters escaped (no forged log lines), at most 200 chars. */
    static String printable(String path) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.length() && sb.length() < 200; i++) {
            char ch = path.charAt(i);
            if (ch < 0x20 || ch == 0x7f || Character.isISOControl(ch)) {
                sb.append(String.format("\\x%02x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** A probe: GET or HEAD. */
    private void probe(Request r, HttpResponseStatus status, String body) {
        if (!HttpMethod.GET.equals(r.method) && !HttpMethod.HEAD.equals(r.method)) {
            write(r, notAllowed("method not allowed\n", "GET, HEAD"));
        } else {
            write(r, text(status, body));
        }
    }

    private interface Answer {
        FullHttpResponse get() throws Exception;
    }

    /** Builds the answer on {@code executor} and writes it from the event loop. */
    private void offload(Request r, Executor executor, Answer answer) {
        try {
            executor.execute(() -> {
                FullHttpResponse res;
                try {
                    res = answer.get();
                } catch (Exception e) {
                    log.warn("admin {} {} failed: {}", r.method, r.path, e.toString());
                    res = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "failed: " + e.getMessage() + "\n");
                }
                FullHttpResponse done = res;
                ctx.executor().execute(() -> write(r, done));
            });
        } catch (RejectedExecutionException e) {
            write(r, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down\n"));
        }
    }

    private void write(Request r, FullHttpResponse res) {
        write(r.method, r.keepAlive, res);
    }

    private void write(HttpMethod method, boolean keepAlive, FullHttpResponse res) {
        clock.changing(false);
        if (!ctx.channel().isActive()) {
            res.release();
            return;
        }
        if (HttpMethod.HEAD.equals(method)) {
            int length = res.content().readableBytes();
            FullHttpResponse head = res.replace(Unpooled.EMPTY_BUFFER);
            res.release();
            head.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
            res = head;
        }
        HttpUtil.setKeepAlive(res, keepAlive);
        var f = ctx.writeAndFlush(res);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        } else {
            f.addListener(done -> {
                if (done.isSuccess()) {
                    next();
                } else {
                    ctx.close();
                }
            });
        }
    }

    private static FullHttpResponse notAllowed(String body, String allow) {
        FullHttpResponse res = text(HttpResponseStatus.METHOD_NOT_ALLOWED, body);
        res.headers().set(HttpHeaderNames.ALLOW, allow);
        return res;
    }

    static FullHttpResponse text(HttpResponseStatus status, String body) {
        return response(status, TEXT, body.getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse response(HttpResponseStatus status, String contentType, byte[] body) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return res;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("admin connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
