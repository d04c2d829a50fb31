package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client-side caching end to end with a real client: node-redis 5 ({@code RESP: 3, clientSideCache}) through the
 * proxy, against a real redis-server. Its handshake (HELLO 3, CLIENT SETINFO, CLIENT TRACKING ON) goes through the
 * proxy; a value written directly to Redis must reach it as an invalidation push, so that its next GET misses the
 * cache and reads the new value. The client runs {@code src/test/node/client-side-cache/csc.mjs} from a copy under
 * {@code target/} where {@code npm ci} installs the locked packages. Skipped when {@code node} or {@code npm} is not on
 * the PATH.
 */
class NodeRedisCachingTest {
    private static final Path SOURCE = Path.of("src", "test", "node", "client-side-cache");
    private static final Path WORK = Path.of("target", "node", "client-side-cache");
    private static final long NPM_CI_TIMEOUT_S = 300;
    private static final long SCRIPT_TIMEOUT_S = 60;

    private static String node;
    private static String npm;
    private static RedisServer redis;
    private static SidecarFixture proxy;

    @BeforeAll
    static void setUp() throws Exception {
        node = onPath("node");
        npm = onPath("npm");
        if (node == null || npm == null) {
            return; // the test is skipped (an assumption here would hide it from the reports)
        }
        copyProject();
        Run ci = run(List.of(npm, "ci", "--no-audit", "--no-fund"), WORK.resolve("npm-ci.log"), NPM_CI_TIMEOUT_S);
        assertEquals(0, ci.exit, "npm ci failed in " + WORK + ":\n" + ci.output);
        redis = RedisServer.start();
        proxy = SidecarFixture.start(List.of(redis.address()));
    }

    @AfterAll
    static void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    void invalidationOfADirectWriteReachesTheNodeRedisCache() throws Exception {
        assumeTrue(node != null && npm != null, "node and npm are not both on the PATH");
        Run r = run(List.of(node, "csc.mjs", Integer.toString(proxy.port()), Integer.toString(redis.port())),
                WORK.resolve("csc.log"), SCRIPT_TIMEOUT_S);
        String json = r.output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElse(null);
        assertNotNull(json, "no JSON line from csc.mjs (exit " + r.exit + "):\n" + r.output);
        assertEquals(0, r.exit, "csc.mjs failed:\n" + r.output);
        assertEquals("true", field(json, "ok"), json);
        assertEquals("3", field(json, "protocol"), json);
        assertEquals("[\"v1\",\"v1\",\"v2\",\"v2\",\"v3\"]", field(json, "reads"), json);
        assertEquals("1", field(json, "missesAfterFirstGet"), "the first GET goes to Redis: " + json);
        assertEquals("1", field(json, "hitsAfterSecondGet"), "the second GET is served by the cache: " + json);
        double invalidationMs = millis(json, "invalidationMs");
        double visibleMs = millis(json, "newValueVisibleMs");
        double reinvalidationMs = millis(json, "reinvalidationMs");
        System.out.printf("NODE-REDIS-CSC %s RESP3 clientSideCache through the proxy: the invalidation reached the "
                        + "client's cache %.3f ms after a direct SET was sent, its GET read the new value at %.3f ms; "
                        + "after a re-read, the next write's invalidation at %.3f ms%n",
                unquote(field(json, "client")), invalidationMs, visibleMs, reinvalidationMs);
    }

    /** The value of a top-level field of the script's JSON line: it writes its summary fields first, once each. */
    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(name) + "\":(\"[^\"]*\"|\\[[^\\]]*\\]|[^,}\\]]+)")
                .matcher(json);
        if (!m.find()) {
            fail("no field " + name + " in " + json);
        }
        return m.group(1);
    }

    private static double millis(String json, String name) {
        String v = field(json, name);
        assertTrue(v.matches("[0-9]+(\\.[0-9]+)?"), name + " is not a duration in ms: " + json);
        double ms = Double.parseDouble(v);
        assertTrue(ms < 5_000, name + " is beyond the script's wait: " + json);
        return ms;
    }

    private static String unquote(String s) {
        return s.startsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    /** The node project without node_modules, into target/ (npm ci then replaces node_modules there). */
    private static void copyProject() throws IOException {
        Files.createDirectories(WORK);
        try (var files = Files.list(SOURCE)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, WORK.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        assertTrue(Files.isRegularFile(WORK.resolve("package-lock.json")), "no package-lock.json in " + SOURCE);
    }

    private static String onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, exe);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p.toAbsolutePath().toString();
            }
        }
        return null;
    }

    private record Run(int exit, String output) {
    }

    /** Runs cmd in WORK with its output in log; past the timeout it and what it started are killed. */
    private static Run run(List<String> cmd, Path log, long timeoutSeconds) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).directory(WORK.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("npm_config_update_notifier", "false");
        Process p = pb.start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                fail(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s:\n"
                        + Files.readString(log));
            }
            return new Run(p.exitValue(), Files.readString(log));
        } finally {
            if (p.isAlive()) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
