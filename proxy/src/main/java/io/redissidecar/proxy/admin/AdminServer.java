package io.redissidecar.proxy.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.metrics.MetricsRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The admin HTTP endpoint: {@code GET /health/live} (the process works), {@code GET /health/ready} (listening, and
 * a master is known and up), 200 or 503 with a one-line reason; {@code POST /admin/switchover} (a planned, lossless
 * switch of the master; 200 with an account, 409 with the reason it was not done).
 */
public final class AdminServer implements AutoCloseable {
    private final HttpServer server;

    /** A planned switch of the master; returns an account, throws with the reason it cannot be done. */
    public interface Switchover {
        String run() throws Exception;
    }

    /** The metrics exposition for a request's Accept header. */
    public interface Metrics {
        MetricsRegistry.Scrape scrape(String accept) throws IOException;
    }

    public AdminServer(HostPort address, BooleanSupplier ready, Supplier<String> readyDetail, Switchover switchover,
                       Metrics metrics) throws IOException {
        server = HttpServer.create(new InetSocketAddress(address.host(), address.port()), 16);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "sidecar-admin");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/health/live", ex -> respond(ex, 200, "live\n"));
        server.createContext("/admin/switchover", ex -> {
            if (!"POST".equals(ex.getRequestMethod())) {
                respondAny(ex, 405, "use POST\n");
                return;
            }
            try {
                respondAny(ex, 200, switchover.run() + "\n");
            } catch (Exception e) {
                respondAny(ex, 409, "switchover not done: " + e.getMessage() + "\n");
            }
        });
        server.createContext("/metrics", ex -> {
            if (!"GET".equals(ex.getRequestMethod())) {
                respondAny(ex, 405, "use GET\n");
                return;
            }
            var scrape = metrics.scrape(ex.getRequestHeaders().getFirst("Accept"));
            ex.getResponseHeaders().set("Content-Type", scrape.contentType());
            ex.sendResponseHeaders(200, scrape.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(scrape.body());
            }
        });
        server.createContext("/health/ready", ex -> {
            boolean ok = ready.getAsBoolean();
            respond(ex, ok ? 200 : 503, (ok ? "ready " : "not ready ") + readyDetail.get() + "\n");
        });
    }

    public void start() {
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void respond(HttpExchange ex, int status, String body) throws IOException {
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            status = 405;
            body = "method not allowed\n";
        }
        respondAny(ex, status, body);
    }

    private static void respondAny(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
