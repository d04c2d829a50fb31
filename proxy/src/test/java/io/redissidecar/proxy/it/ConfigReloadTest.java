package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.Main;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hot reload of the real process: the config file changes (backends, deny list, limits), SIGHUP, and an invalid
 * file, while a client stays connected throughout.
 */
class ConfigReloadTest {

    private static String metrics(int adminPort) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void fileChangesAndSighupApplyWithoutDroppingClients() throws Exception {
        try (RedisServer a = RedisServer.start(); RedisServer b = RedisServer.start()) {
            int port = RedisServer.freePort();
            int admin = RedisServer.freePort();
            Path dir = Files.createTempDirectory("sidecar-reload");
            Path conf = dir.resolve("sidecar.yaml");
            Files.writeString(conf, "mode: static\nbackends: " + a.address() + "\nhealth-interval-ms: 200\n");
            Path log = dir.resolve("sidecar.log");
            List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), Main.class.getName(), "--config", conf.toString(),
                    "--listen", "127.0.0.1:" + port, "--admin", "127.0.0.1:" + admin);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("REDIS_SIDECAR_"));
            Process p = pb.start();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("ready listen="));
                try (RespConn client = new RespConn(port)) {
                    assertEquals("+OK\r\n", client.call("SET", "where", "a"));
                    assertTrue(client.call("KEYS", "*").startsWith("*"));

                    // 1. the file changes: another backend, KEYS denied; the same connection carries on
                    Files.writeString(conf, "mode: static\nbackends: " + b.address() + "\nhealth-interval-ms: 200\n"
                            + "deny-commands: keys,monitor\n");
                    await().atMost(Duration.ofSeconds(15)).until(() -> client.call("INFO", "proxy")
                            .contains("proxy_master:" + b.address()));
                    assertEquals("+OK\r\n", client.call("SET", "where", "b"));
                    try (RespConn direct = new RespConn(b.port())) {
                        assertEquals("$1\r\nb\r\n", direct.call("GET", "where"));
                    }
                    assertTrue(client.call("KEYS", "*").startsWith("-ERR redis-sidecar: command 'keys' is refused"));

                    // 2. an invalid file is rejected: the running configuration stays, and the metric says so
                    Files.writeString(conf, "mode: static\nbackends: " + b.address() + "\nmax-clients: -1\n");
                    await().atMost(Duration.ofSeconds(15)).until(() -> metrics(admin)
                            .contains("redis_sidecar_config_reloads_total{result=\"rejected\"} 1.0"));
                    assertTrue(Files.readString(log).contains("rejected, the running configuration stays"));
                    assertTrue(client.call("KEYS", "*").startsWith("-ERR redis-sidecar"));

                    // 3. SIGHUP after the file is fixed (and changed back): applied at once
                    Files.writeString(conf, "mode: static\nbackends: " + b.address() + "\nhealth-interval-ms: 200\n");
                    new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
                    await().atMost(Duration.ofSeconds(15)).until(() -> client.call("KEYS", "*").startsWith("*"));
                    assertEquals("$1\r\nb\r\n", client.call("GET", "where"));
                }
                String out = Files.readString(log);
                assertTrue(out.contains("config reloaded"), out);
            } finally {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
