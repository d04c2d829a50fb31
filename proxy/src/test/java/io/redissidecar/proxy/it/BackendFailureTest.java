package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A backend killed with SIGKILL mid-request: clients get errors, never a hang; service resumes when it is back. */
class BackendFailureTest {

    @Test
    void killedBackendGivesErrorsNotHangsAndRecovery() throws Exception {
        RedisServer redis = RedisServer.start();
        int port = redis.port();
        try (SidecarFixture proxy = SidecarFixture.start(List.of(redis.address()))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort()
                    + "/health/ready")).build();
            assertEquals(200, http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode());
            try (RespConn blocked = new RespConn(proxy.port()); RespConn normal = new RespConn(proxy.port())) {
                assertEquals("+OK\r\n", normal.call("SET", "k", "v"));
                blocked.send("BLPOP", "never", "0");
                normal.send("DEBUG", "SLEEP", "0"); // refused locally: order is kept, still answered
                assertTrue(normal.readReply().startsWith("-ERR redis-sidecar"));
                await().atMost(Duration.ofSeconds(5)).until(() -> true);
                redis.kill9();
                String err = blocked.readReply();
                assertTrue(err.startsWith("-ERR redis-sidecar: connection to backend 127.0.0.1:" + port + " lost"),
                        err);
                assertTrue(err.contains("may or may not have run"), err);
                String next = normal.call("GET", "k");
                assertTrue(next.startsWith("-ERR redis-sidecar:"), next);
            }
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    http.send(ready, HttpResponse.BodyHandlers.ofString()).statusCode() == 503);

            RedisServer again = RedisServer.startOn(port);
            try (RespConn c = new RespConn(proxy.port())) {
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                        .until(() -> c.call("SET", "k", "back").equals("+OK\r\n"));
                assertEquals("$4\r\nback\r\n", c.call("GET", "k"));
            } finally {
                again.stop();
            }
        } finally {
            redis.close();
        }
    }
}
