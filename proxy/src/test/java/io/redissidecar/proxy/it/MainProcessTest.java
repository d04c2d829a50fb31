package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.Main;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The real command line: ready line, bad options, SIGTERM with in-flight requests. */
class MainProcessTest {

    static Process launch(Path log, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("REDIS_SIDECAR_"));
        return pb.start();
    }

    @Test
    void badOptionExitsNonZeroNamingTheOption() throws Exception {
        Path log = Files.createTempFile("sidecar", ".log");
        Process p = launch(log, "--backends", "127.0.0.1:1", "--max-clients", "-5");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        String out = Files.readString(log);
        assertTrue(out.contains("--max-clients") && out.contains("'-5'") && out.contains("between 1 and"), out);
    }

    /** Users that do not parse are a configuration error too: exit status 2, Redis's text, no password shown. */
    @Test
    void badUsersExitWithStatusTwo() throws Exception {
        Path log = Files.createTempFile("sidecar", ".log");
        Process p = launch(log, "--backends", "127.0.0.1:1", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
                "--users", "user alice on >secret-pw +nosuch");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        String out = Files.readString(log);
        assertTrue(out.contains("users entry 1: Error in ACL SETUSER modifier '+nosuch': Unknown command or "
                + "category name in ACL"), out);
        assertTrue(!out.contains("secret-pw"), out);
    }

    @Test
    void jsonLogsAreOneObjectPerLine() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            Path log = Files.createTempFile("sidecar", ".log");
            Process p = launch(log, "--backends", redis.address().toString(), "--listen", "127.0.0.1:0",
                    "--admin", "127.0.0.1:0", "--log-format", "json");
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("ready listen="));
                for (String line : Files.readAllLines(log)) {
                    assertTrue(line.startsWith("{\"ts\":\"") && line.endsWith("\"}") && line.contains("\"level\":\"")
                            && line.contains("\"msg\":\""), line);
                }
                assertTrue(Files.readString(log).contains("\"logger\":\"io.redissidecar.proxy.Sidecar\""));
            } finally {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void readyLineThenGracefulSigterm() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            int port = RedisServer.freePort();
            Path log = Files.createTempFile("sidecar", ".log");
            Process p = launch(log, "--backends", redis.address().toString(), "--listen", "127.0.0.1:" + port,
                    "--admin", "127.0.0.1:0");
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("ready listen="));
                assertTrue(Files.readString(log).contains("ready listen=127.0.0.1:" + port + " mode=static"));
                try (RespConn c = new RespConn(port)) {
                    assertEquals("+OK\r\n", c.call("SET", "k", "v"));
                    c.send("BLPOP", "q", "1"); // in flight when SIGTERM comes: it is answered before exit
                    new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor();
                    assertEquals("*-1\r\n", c.readReply());
                }
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), Files.readString(log));
            } finally {
                p.destroyForcibly();
            }
        }
    }

    static boolean exists(String path) {
        return new File(path).exists();
    }
}
