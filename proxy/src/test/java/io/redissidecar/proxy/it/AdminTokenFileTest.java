package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.ConfigLoader;
import io.redissidecar.proxy.testing.RawHttp;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --admin-token-file}: {@code POST /admin/switchover} needs {@code Authorization: Bearer <token>} (401 with
 * {@code WWW-Authenticate: Bearer} without it or with a wrong one, loopback included), the probes and
 * {@code /metrics} need none; the token follows the file when it changes and when a reload names another file; an
 * unreadable token file stops the start.
 */
class AdminTokenFileTest {
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws IOException {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.stop();
    }

    private static Path tokenFile(String content) throws IOException {
        Path f = Files.createTempFile("admin-token", "");
        Files.writeString(f, content);
        return f;
    }

    /** The status of {@code POST /admin/switchover} with {@code authorization} (null: none). */
    private static int switchover(SidecarFixture proxy, String authorization) throws IOException {
        return post(proxy, authorization).status();
    }

    private static RawHttp.Response post(SidecarFixture proxy, String authorization) throws IOException {
        try (RawHttp c = new RawHttp(proxy.adminPort(), 5000)) {
            return authorization == null ? c.call("POST", "/admin/switchover", "Content-Length: 0")
                    : c.call("POST", "/admin/switchover", "Content-Length: 0", "Authorization: " + authorization);
        }
    }

    @Test
    void switchoverNeedsTheTokenProbesAndMetricsDoNot() throws Exception {
        Path f = tokenFile("  first-token\n");
        try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--admin-token-file",
                f.toString())) {
            RawHttp.Response none = post(proxy, null);
            assertEquals(401, none.status(), none.body());
            assertTrue(none.header("WWW-Authenticate").startsWith("Bearer"), none.headers().toString());
            RawHttp.Response wrong = post(proxy, "Bearer second-token");
            assertEquals(401, wrong.status());
            assertTrue(wrong.header("WWW-Authenticate").startsWith("Bearer"));
            assertEquals(401, switchover(proxy, "Basic Zmlyc3QtdG9rZW4="));
            // the right token passes: static mode then explains there is no switchover to do
            RawHttp.Response right = post(proxy, "Bearer first-token");
            assertEquals(409, right.status(), right.body());
            assertEquals("switchover not done: a switchover needs --mode sentinel\n", right.body());
            try (RawHttp c = new RawHttp(proxy.adminPort(), 5000)) {
                assertEquals(200, c.call("GET", "/health/live").status());
                assertEquals(200, c.call("GET", "/health/ready").status());
                assertEquals(200, c.call("GET", "/metrics").status());
            }
        }
    }

    @Test
    void theTokenFollowsTheFileAndReloads() throws Exception {
        Path f = tokenFile("first-token");
        Path other = tokenFile("other-token\n");
        AtomicReference<Path> configured = new AtomicReference<>(f);
        try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()), "--admin-token-file",
                f.toString())) {
            assertEquals(409, switchover(proxy, "Bearer first-token"));
            // 1. the file changes (a Secret rotated): polled, in force within seconds, the old token refused
            Files.writeString(f, "second-token\n");
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                    .until(() -> switchover(proxy, "Bearer second-token") == 409);
            assertEquals(401, switchover(proxy, "Bearer first-token"));

            // 2. a reload (what SIGHUP and a --config change run) naming another file
            var reloader = proxy.sidecar().enableReload(() -> ConfigLoader.load(new String[] {"--backends",
                    redis.address().toString(), "--admin-token-file", configured.get().toString()}, Map.of()));
            configured.set(other);
            assertTrue(reloader.reload("test"));
            assertEquals(409, switchover(proxy, "Bearer other-token"));
            assertEquals(401, switchover(proxy, "Bearer second-token"));

            // 3. a reload re-reads the file even when its name is unchanged
            Files.writeString(other, "third-token");
            assertTrue(reloader.reload("test"));
            assertEquals(409, switchover(proxy, "Bearer third-token"));
            assertEquals(401, switchover(proxy, "Bearer other-token"));

            // 4. an emptied file keeps the token in force
            Files.writeString(other, "");
            assertTrue(reloader.reload("test"));
            assertEquals(409, switchover(proxy, "Bearer third-token"));
        }
    }

    @Test
    void anUnreadableTokenFileStopsTheStart() throws Exception {
        Path missing = Files.createTempDirectory("admin-token").resolve("absent");
        Exception e = assertThrows(IOException.class, () -> SidecarFixture.start(List.of(redis.address()),
                "--admin-token-file", missing.toString()));
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
        Path empty = tokenFile("\n");
        assertThrows(IOException.class, () -> SidecarFixture.start(List.of(redis.address()),
                "--admin-token-file", empty.toString()));
    }
}
