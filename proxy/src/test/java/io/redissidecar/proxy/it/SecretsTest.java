package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;

/**
 * Issue 14: passwords from files, rotated without dropping clients, and never shown. The real process runs with its
 * passwords in files; everything it wrote (its log, INFO, CLIENT LIST, /metrics, error replies) and its command line
 * are searched for them.
 */
class SecretsTest {
    private static final String BACKEND = "b4ckend-S3cret-7f1e";
    private static final String BACKEND_NEXT = "r0tated-B4ckend-91c2";
    private static final String CLIENT = "cl1ent-S3cret-a5d0";
    private static final String CLIENT_NEXT = "r0tated-Cl1ent-44b8";

    @Test
    void passwordsComeFromFilesRotateAndNeverShow() throws Exception {
        Path dir = Files.createTempDirectory("secrets");
        Path backendFile = dir.resolve("backend-password");
        Path clientFile = dir.resolve("client-password");
        Files.writeString(backendFile, BACKEND + "\n");
        Files.writeString(clientFile, CLIENT);
        Path log = Files.createTempFile("sidecar", ".log");
        StringBuilder seen = new StringBuilder();
        try (RedisServer redis = RedisServer.start("--requirepass", BACKEND)) {
            int port = RedisServer.freePort();
            int admin = RedisServer.freePort();
            Process p = MainProcessTest.launch(log, "--backends", redis.address().toString(), "--listen",
                    "127.0.0.1:" + port, "--admin", "127.0.0.1:" + admin, "--backend-password-file",
                    backendFile.toString(), "--client-password-file", clientFile.toString(), "--log-level", "debug");
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("ready listen="));
                seen.append(Files.readString(Path.of("/proc/" + p.pid() + "/cmdline")));
                try (RespConn c = new RespConn(port)) {
                    seen.append(c.call("AUTH", "not-the-password"));
                    seen.append(c.call("AUTH", "default", "not-the-password"));
                    assertEquals("+OK\r\n", c.call("AUTH", CLIENT));
                    assertEquals("+OK\r\n", c.call("SET", "k", "v"));
                    for (String[] cmd : List.of(new String[] {"INFO", "everything"}, new String[] {"CLIENT", "LIST"},
                            new String[] {"CLIENT", "INFO"}, new String[] {"CONFIG", "GET", "requirepass"},
                            new String[] {"CONFIG", "GET", "*"}, new String[] {"ACL", "LIST"},
                            new String[] {"ACL", "GETUSER", "default"}, new String[] {"HELLO", "3"},
                            new String[] {"DEBUG", "OBJECT", "k"})) {
                        seen.append(c.call(cmd));
                    }
                    assertTrue(seen.toString().contains("CONFIG GET of a parameter that holds a password"));

                    // the backend password is rotated: Redis first, then the file; the client stays connected
                    try (RespConn direct = new RespConn(redis.port())) {
                        direct.call("AUTH", BACKEND);
                        assertEquals("+OK\r\n", direct.call("CONFIG", "SET", "requirepass", BACKEND_NEXT));
                        Files.writeString(backendFile, BACKEND_NEXT + "\n");
                        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log)
                                .contains("changed [backend-password]"));
                        // the proxy's open connections end (as a restart of Redis would end them): new ones must
                        // authenticate with the new password
                        direct.call("CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal");
                    }
                    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                            .until(() -> c.call("GET", "k").equals("$1\r\nv\r\n"));

                    // the client password is rotated through its file: new clients use the new one
                    Files.writeString(clientFile, CLIENT_NEXT);
                    await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log)
                            .contains("changed [client-password]"));
                }
                try (RespConn c = new RespConn(port)) {
                    seen.append(c.call("AUTH", CLIENT));
                    assertTrue(seen.toString().endsWith("-WRONGPASS invalid username-password pair or user is "
                            + "disabled.\r\n"));
                    assertEquals("+OK\r\n", c.call("AUTH", CLIENT_NEXT));
                    assertEquals("$1\r\nv\r\n", c.call("GET", "k"));
                }
                // an unreadable password file is rejected, and its error names the file, not a password
                Files.delete(clientFile);
                Files.createDirectory(clientFile);
                new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
                await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("rejected"));
                HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, metrics.statusCode());
                seen.append(metrics.body());
            } finally {
                new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
                p.waitFor();
            }
        }
        seen.append(Files.readString(log));
        String all = seen.toString();
        assertTrue(all.contains("redis_sidecar_"), "the metrics were read");
        for (String secret : new String[] {BACKEND, BACKEND_NEXT, CLIENT, CLIENT_NEXT}) {
            assertFalse(all.contains(secret), "a password appeared in what the proxy wrote: " + secret);
        }
    }
}
