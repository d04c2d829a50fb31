package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /metrics} on the admin port: what it shows after some traffic, content negotiation, Prometheus's own
 * {@code promtool check metrics}, and a real Prometheus server scraping the proxy (checked through its HTTP API).
 */
class MetricsTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis();

    private static final HttpClient http = HttpClient.newHttpClient();

    private static HttpResponse<String> get(String url, String accept) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (accept != null) {
            r.header("Accept", accept);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String metrics(String accept) throws Exception {
        HttpResponse<String> r = get("http://127.0.0.1:" + env.proxy().adminPort() + "/metrics", accept);
        assertEquals(200, r.statusCode());
        return r.body();
    }

    private static void traffic() throws Exception {
        try (RespConn c = new RespConn(env.proxy().port())) {
            for (int i = 0; i < 20; i++) {
                c.call("SET", "m:" + i, "v");
                c.call("GET", "m:" + i);
            }
            c.call("LPUSH", "m:0", "x"); // WRONGTYPE: an error reply
            c.call("MONITOR"); // refused (deny list)
        }
    }

    /** The value of the sample named exactly {@code sample} (name and labels), 0 when absent. */
    private static double value(String exposition, String sample) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }

    @Test
    void requestNodeAndJvmMetricsAreExposed() throws Exception {
        String before = metrics(null);
        traffic();
        String m = metrics(null);
        for (String[] c : new String[][] {{"set", "ok", "20"}, {"get", "ok", "20"}, {"lpush", "error", "1"},
            {"monitor", "refused", "1"}}) {
            String sample = "redis_sidecar_requests_total{command=\"" + c[0] + "\",outcome=\"" + c[1] + "\"}";
            assertEquals(Double.parseDouble(c[2]), value(m, sample) - value(before, sample), sample);
        }
        assertTrue(m.contains("redis_sidecar_request_duration_seconds_bucket{class=\"read\",le=\"0.001\"}"), m);
        assertTrue(m.contains("redis_sidecar_node_up{node=\"127.0.0.1:" + env.redis().port() + "\"} 1.0"), m);
        assertTrue(m.contains("redis_sidecar_node_role{node=\"127.0.0.1:" + env.redis().port()
                + "\",role=\"master\"} 1.0"), m);
        assertTrue(m.contains("redis_sidecar_node_breaker_state{node=\"127.0.0.1:" + env.redis().port()
                + "\",state=\"CLOSED\"} 1.0"), m);
        assertTrue(m.contains("redis_sidecar_master_known 1.0"), m);
        assertTrue(m.contains("redis_sidecar_client_bytes_total{direction=\"in\"}"), m);
        assertTrue(m.contains("redis_sidecar_backend_connections{node=\"127.0.0.1:" + env.redis().port() + "\"}"), m);
        assertTrue(m.contains("jvm_memory_used_bytes"), m);
        assertTrue(m.contains("redis_sidecar_config_reloads_total{result=\"rejected\"} 0.0"), m);
        // OpenMetrics when Prometheus asks for it
        String om = metrics("application/openmetrics-text; version=1.0.0; charset=utf-8");
        assertTrue(om.trim().endsWith("# EOF"), "OpenMetrics ends with # EOF");
    }

    @Test
    void infoStartsWithTheProxysSection() throws Exception {
        try (RespConn c = new RespConn(env.proxy().port())) {
            String all = c.call("INFO");
            assertTrue(all.startsWith("$") && all.contains("\r\n# Proxy\r\nproxy_version:"), all);
            assertTrue(all.contains("proxy_mode:static\r\n"), all);
            assertTrue(all.contains("proxy_node0:addr=127.0.0.1:" + env.redis().port() + ",up=1,role=master"), all);
            assertTrue(all.contains("# Server\r\nredis_version:"), all);
            assertTrue(all.indexOf("# Proxy") < all.indexOf("# Server"), all);
            int len = Integer.parseInt(all.substring(1, all.indexOf('\r')));
            assertEquals(len, all.getBytes(StandardCharsets.UTF_8).length - all.indexOf('\n') - 3, "bulk length");
            String proxyOnly = c.call("INFO", "proxy");
            assertTrue(proxyOnly.contains("proxy_mode:static") && !proxyOnly.contains("redis_version"), proxyOnly);
            String server = c.call("INFO", "server");
            assertTrue(!server.contains("# Proxy") && server.contains("redis_version"), server);
        }
    }

    @Test
    void promtoolAcceptsTheExposition() throws Exception {
        String promtool = installed("promtool");
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (./test.sh installs Debian's prometheus)");
        traffic();
        Process p = new ProcessBuilder(promtool, "check", "metrics").redirectErrorStream(true).start();
        p.getOutputStream().write(metrics(null).getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
    }

    @Test
    void aRealPrometheusScrapesTheProxy() throws Exception {
        String prometheus = installed("prometheus");
        Assumptions.assumeTrue(prometheus != null, "prometheus is not installed (./test.sh installs it)");
        Path dir = Files.createTempDirectory("prometheus-");
        int port = RedisServer.freePort();
        Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + "scrape_configs:\n  - job_name: redis-sidecar\n    static_configs:\n      - targets: ['127.0.0.1:"
                + env.proxy().adminPort() + "']\n");
        Process p = new ProcessBuilder(prometheus, "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        try {
            traffic();
            String api = "http://127.0.0.1:" + port + "/api/v1/";
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).ignoreExceptions().until(() ->
                    get(api + "targets", null).body().contains("\"health\":\"up\""));
            for (String q : List.of("redis_sidecar_requests_total", "redis_sidecar_node_up",
                    "redis_sidecar_request_duration_seconds_bucket")) {
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                        .until(() -> get(api + "query?query=" + q, null).body().contains("\"__name__\":\"" + q + "\""));
            }
        } finally {
            p.destroy(); // by PID: this process only
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    private static String installed(String name) {
        for (String d : new String[] {"/usr/bin", "/usr/local/bin"}) {
            File f = new File(d, name);
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        return null;
    }
}
