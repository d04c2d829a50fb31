package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.ConfigLoader;
import io.redissidecar.config.Options;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.admin.AdminAccess;
import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The files in {@code docker/}: they parse, Compose accepts them ({@code docker-compose config}, where installed),
 * the Kubernetes manifest's probes, ports and ConfigMap match the proxy's options and its admin token comes from a
 * Secret volume (the probes need none), the Dockerfile runs as non-root with a readiness health check and no token
 * built in, and every metric the Grafana dashboard queries exists in a running proxy's
 * {@code /metrics}.
 */
class DockerFilesTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis();

    private static final Path DOCKER = Path.of("..", "docker");
    /** Series that exist only when there is a replica, or in cluster mode (not in this test's static proxy). */
    private static final Set<String> ONLY_WITH_THEIR_SUBJECT = Set.of(
            "redis_sidecar_node_replication_lag_seconds", "redis_sidecar_cluster_slots_covered");

    private static List<Object> yamlDocuments(Path f) throws Exception {
        List<Object> docs = new ArrayList<>();
        new Load(LoadSettings.builder().build()).loadAllFromString(Files.readString(f)).forEach(docs::add);
        return docs;
    }

    private static List<Path> yamlFiles() throws Exception {
        try (Stream<Path> s = Files.walk(DOCKER)) {
            return s.filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml")).sorted().toList();
        }
    }

    private static String installed(String name) {
        File f = new File("/usr/bin", name);
        return f.canExecute() ? f.getPath() : null;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    @Test
    void everyYamlFileParses() throws Exception {
        List<Path> files = yamlFiles();
        assertTrue(files.size() >= 4, files.toString());
        for (Path f : files) {
            assertFalse(yamlDocuments(f).isEmpty(), f.toString());
        }
    }

    @Test
    void composeFilesPassDockerComposeConfig() throws Exception {
        String compose = installed("docker-compose");
        Assumptions.assumeTrue(compose != null, "docker-compose is not installed (./test.sh installs it)");
        for (String f : List.of("compose-sentinel.yml", "compose-cluster.yml")) {
            run(compose, "-f", DOCKER.resolve(f).toString(), "config", "-q");
        }
    }

    @Test
    void prometheusConfigPassesPromtool() throws Exception {
        String promtool = installed("promtool");
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (./test.sh installs it)");
        run(promtool, "check", "config", DOCKER.resolve("prometheus/prometheus.yml").toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void kubernetesSidecarHasProbesAndPortsMatchingItsConfig() throws Exception {
        Map<String, Object> configMap = null;
        Map<String, Object> deployment = null;
        boolean serviceMonitor = false;
        for (Object d : yamlDocuments(DOCKER.resolve("k8s/redis-sidecar.yaml"))) {
            Map<String, Object> doc = (Map<String, Object>) d;
            switch ((String) doc.get("kind")) {
                case "ConfigMap" -> configMap = doc;
                case "Deployment" -> deployment = doc;
                case "ServiceMonitor" -> serviceMonitor = true;
                default -> {
                }
            }
        }
        assertNotNull(configMap);
        assertNotNull(deployment);
        assertTrue(serviceMonitor);
        // the ConfigMap's file is a valid proxy configuration
        Path conf = Files.createTempFile("sidecar", ".yaml");
        Files.writeString(conf, (String) ((Map<String, Object>) configMap.get("data")).get("sidecar.yaml"));
        SidecarConfig c = ConfigLoader.load(new String[] {"--config", conf.toString()}, Map.of());
        Map<String, Object> template = (Map<String, Object>) ((Map<String, Object>) deployment.get("spec"))
                .get("template");
        Map<String, Object> annotations = (Map<String, Object>) ((Map<String, Object>) template.get("metadata"))
                .get("annotations");
        assertEquals(Integer.toString(c.admin().port()), annotations.get("prometheus.io/port"));
        assertEquals("/metrics", annotations.get("prometheus.io/path"));
        List<Map<String, Object>> containers = (List<Map<String, Object>>) ((Map<String, Object>) template
                .get("spec")).get("containers");
        Map<String, Object> sidecar = containers.stream().filter(k -> "redis-sidecar".equals(k.get("name")))
                .findFirst().orElseThrow();
        Map<String, Integer> ports = new HashMap<>();
        for (Map<String, Object> p : (List<Map<String, Object>>) sidecar.get("ports")) {
            ports.put((String) p.get("name"), (Integer) p.get("containerPort"));
        }
        assertEquals(c.listen().port(), ports.get("redis"));
        assertEquals(c.admin().port(), ports.get("admin"));
        assertEquals("127.0.0.1", c.listen().host(), "the proxy is reachable from inside the pod only");
        Map<String, Object> live = (Map<String, Object>) ((Map<String, Object>) sidecar.get("livenessProbe"))
                .get("httpGet");
        Map<String, Object> ready = (Map<String, Object>) ((Map<String, Object>) sidecar.get("readinessProbe"))
                .get("httpGet");
        assertEquals("/health/live", live.get("path"));
        assertEquals("/health/ready", ready.get("path"));
        assertEquals("admin", live.get("port"));
        assertEquals("admin", ready.get("port"));
        assertNotNull(((Map<String, Object>) sidecar.get("resources")).get("requests"));
        // the admin port listens on the pod IP behind a Service: /admin/ needs the token, from a Secret volume
        assertNotEquals("127.0.0.1", c.admin().host());
        List<String> args = (List<String>) sidecar.get("args");
        int at = args.indexOf("--admin-token-file");
        assertTrue(at >= 0 && at + 1 < args.size(), "the sidecar's args set --admin-token-file: " + args);
        Path tokenFile = Path.of(args.get(at + 1));
        Map<String, Object> mount = ((List<Map<String, Object>>) sidecar.get("volumeMounts")).stream()
                .filter(m -> tokenFile.getParent().equals(Path.of((String) m.get("mountPath")))).findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounted at " + tokenFile.getParent()));
        assertNull(mount.get("subPath"), "mounted whole, so that a rotated Secret reaches the file");
        Map<String, Object> volume = ((List<Map<String, Object>>) ((Map<String, Object>) template.get("spec"))
                .get("volumes")).stream().filter(v -> mount.get("name").equals(v.get("name"))).findFirst()
                .orElseThrow();
        Map<String, Object> secret = (Map<String, Object>) volume.get("secret");
        assertNotNull(secret, "the token file comes from a Secret: " + volume);
        assertNotEquals(Boolean.TRUE, secret.get("optional"), "the pod does not start without the token");
        String manifest = Files.readString(DOCKER.resolve("k8s/redis-sidecar.yaml"));
        assertTrue(manifest.contains("kubectl create secret generic " + secret.get("secretName")),
                "the manifest says how to create the Secret");
        // the probes are GETs on paths that need no token, from the kubelet's (non-loopback) address
        Predicate<String> someToken = "t"::equals;
        InetAddress kubelet = InetAddress.getByName("10.0.0.1");
        for (Map<String, Object> probe : List.of(live, ready)) {
            assertNull(probe.get("httpHeaders"), "a probe sends no token");
            assertEquals(AdminAccess.Verdict.ALLOW, AdminAccess.decide((String) probe.get("path"), kubelet, null,
                    someToken), probe.toString());
        }
        assertEquals(AdminAccess.Verdict.UNAUTHORIZED, AdminAccess.decide("/admin/switchover", kubelet, null,
                someToken));
        Map<String, Object> app = containers.stream().filter(k -> "app".equals(k.get("name"))).findFirst()
                .orElseThrow();
        assertTrue(app.toString().contains("redis://localhost:" + c.listen().port()), app.toString());
        // the defaults the image relies on
        assertTrue(Options.byKey(Options.ADMIN).defaultText().endsWith(":" + c.admin().port()));
    }

    /**
     * The hardened example (issue 14): its configuration loads (with its secret files present), every secret comes
     * from a file in a Secret volume, TLS to the nodes is on with the host check, and the container is locked down.
     */
    @Test
    @SuppressWarnings("unchecked")
    void hardenedKubernetesExampleKeepsSecretsInFilesAndLocksTheContainerDown() throws Exception {
        Map<String, Map<String, Object>> byKind = new HashMap<>();
        for (Object d : yamlDocuments(DOCKER.resolve("k8s/redis-sidecar-hardened.yaml"))) {
            Map<String, Object> doc = (Map<String, Object>) d;
            byKind.put((String) doc.get("kind"), doc);
        }
        assertNotNull(byKind.get("NetworkPolicy"), "a NetworkPolicy limits who reaches the admin port");
        String conf = (String) ((Map<String, Object>) byKind.get("ConfigMap").get("data")).get("sidecar.yaml");
        assertFalse(conf.lines().anyMatch(l -> l.trim().matches("[a-z-]*password:.*")), "no password in the ConfigMap");
        // the secret files as the Secret volumes would hold them, so that the configuration loads here
        Path root = Files.createTempDirectory("hardened");
        Matcher m = Pattern.compile("(/etc/[a-z-]+/[a-z.-]+)").matcher(conf);
        String local = conf;
        while (m.find()) {
            Path f = root.resolve(m.group(1).substring(1));
            Files.createDirectories(f.getParent());
            Files.writeString(f, m.group(1).endsWith(".acl") ? "user app on >pw ~app:* +@all\n" : "secret\n");
            local = local.replace(m.group(1), f.toString());
        }
        Path file = root.resolve("sidecar.yaml");
        Files.writeString(file, local);
        SidecarConfig c = ConfigLoader.load(new String[] {"--config", file.toString()}, Map.of());
        assertEquals("127.0.0.1", c.listen().host());
        assertTrue(c.backendTls() && c.backendTlsVerifyHostname() && c.backendTlsCertFile() != null);
        assertEquals("secret", c.backendPassword());
        assertEquals("secret", c.sentinelPassword());
        assertNotNull(c.aclFile());
        assertNotNull(c.adminTokenFile());
        Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) byKind
                .get("Deployment").get("spec")).get("template")).get("spec");
        assertEquals(Boolean.FALSE, pod.get("automountServiceAccountToken"));
        Map<String, Object> sidecar = ((List<Map<String, Object>>) pod.get("containers")).stream()
                .filter(k -> "redis-sidecar".equals(k.get("name"))).findFirst().orElseThrow();
        assertFalse(String.valueOf(sidecar.get("args")).contains("password"), "no secret on the command line");
        assertNull(sidecar.get("env"), "no secret in the environment");
        Map<String, Object> sc = (Map<String, Object>) sidecar.get("securityContext");
        assertEquals(Boolean.TRUE, sc.get("readOnlyRootFilesystem"));
        assertEquals(Boolean.FALSE, sc.get("allowPrivilegeEscalation"));
        assertEquals(List.of("ALL"), ((Map<String, Object>) sc.get("capabilities")).get("drop"));
        Map<String, Object> podSc = (Map<String, Object>) pod.get("securityContext");
        assertEquals("RuntimeDefault", ((Map<String, Object>) podSc.get("seccompProfile")).get("type"));
        assertEquals(sc.get("runAsUser"), podSc.get("fsGroup"), "the Secret files are readable by the proxy");
        for (Map<String, Object> mount : (List<Map<String, Object>>) sidecar.get("volumeMounts")) {
            assertNull(mount.get("subPath"), "mounted whole, so that rotations reach the files");
        }
    }

    @Test
    void dockerfileRunsAsNonRootWithAReadinessHealthcheck() throws Exception {
        String df = Files.readString(DOCKER.resolve("Dockerfile"));
        assertTrue(df.contains("AS build") && df.contains("FROM eclipse-temurin:17-jre"), "multi-stage, JRE 17");
        Matcher user = Pattern.compile("(?m)^USER (\\d+)").matcher(df);
        assertTrue(user.find() && !user.group(1).equals("0"), "non-root USER");
        assertTrue(df.contains("HEALTHCHECK") && df.contains("/health/ready") && df.contains("8480"));
        assertTrue(df.contains("REDIS_SIDECAR_LISTEN=0.0.0.0:6379") && df.contains("REDIS_SIDECAR_ADMIN=0.0.0.0:8480"));
        assertTrue(df.contains("EXPOSE 6379 8480"));
        // the admin port is on 0.0.0.0: without a token, /admin/ is loopback-only; the image bakes in no token and
        // says how to give it one; its health check needs none
        assertFalse(df.contains("REDIS_SIDECAR_ADMIN_TOKEN_FILE="), "no token file built into the image");
        assertTrue(df.contains("--admin-token-file"), "the Dockerfile says how to set the admin token");
        assertEquals(AdminAccess.Verdict.ALLOW, AdminAccess.decide("/health/ready", InetAddress.getByName("10.0.0.1"),
                null, null));
        assertEquals(AdminAccess.Verdict.FORBIDDEN, AdminAccess.decide("/admin/switchover",
                InetAddress.getByName("10.0.0.1"), null, null));
        for (String f : List.of("compose-sentinel.yml", "compose-cluster.yml")) {
            assertTrue(Files.readString(DOCKER.resolve(f)).contains("REDIS_SIDECAR_ADMIN_TOKEN_FILE"),
                    f + " says how to set the admin token");
        }
    }

    /**
     * The image's class-data-sharing step, without Docker: docker/train-cds.sh trains an archive from the built jar
     * with the image's JVM options, and the jar then starts with it ({@code -Xshare:on} refuses to start with an
     * archive it cannot use) and serves through the proxy; the Dockerfile runs the script and starts with the archive.
     */
    @Test
    void classDataSharingArchiveIsTrainedAndUsed() throws Exception {
        String df = Files.readString(DOCKER.resolve("Dockerfile"));
        assertTrue(df.contains("train-cds.sh /app/redis-sidecar.jar /app/redis-sidecar.jsa"), df);
        assertTrue(df.contains("\"-XX:SharedArchiveFile=/app/redis-sidecar.jsa\", \"-jar\""), df);
        Matcher opts = Pattern.compile("JAVA_TOOL_OPTIONS=\"([^\"]*)\"").matcher(df);
        assertTrue(opts.find(), df);
        String imageOptions = opts.group(1);
        assertTrue(imageOptions.contains("-XX:+UseCompressedOops"), "the archive must not depend on the build host");
        Path jar = Path.of("target", "redis-sidecar.jar");
        Assumptions.assumeTrue(Files.exists(jar), "the jar is built by mvn package");
        Path dir = Files.createTempDirectory("cds");
        Path jsa = dir.resolve("redis-sidecar.jsa");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder train = new ProcessBuilder("bash", DOCKER.resolve("train-cds.sh").toString(), jar.toString(),
                jsa.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("train.log").toFile());
        train.environment().put("PATH", Path.of(javaBin).getParent() + File.pathSeparator + System.getenv("PATH"));
        train.environment().put("JAVA_TOOL_OPTIONS", imageOptions);
        train.environment().put("TRAIN_PORT", Integer.toString(RedisServer.freePort()));
        train.environment().put("TRAIN_ADMIN_PORT", Integer.toString(RedisServer.freePort()));
        Process t = train.start();
        Process p = null;
        try {
            assertTrue(t.waitFor(180, TimeUnit.SECONDS), "training run ended");
            assertEquals(0, t.exitValue(), Files.readString(dir.resolve("train.log")));
            assertTrue(Files.size(jsa) > 1_000_000, "archive written");
            int port = RedisServer.freePort();
            // the image's options as the image runs them; -Xshare:on refuses to start with an archive it cannot use
            ProcessBuilder run = new ProcessBuilder(javaBin, "-Xshare:on", "-XX:SharedArchiveFile=" + jsa, "-jar",
                    jar.toString(), "--backends", env.redis().address().toString(), "--listen", "127.0.0.1:" + port,
                    "--admin", "127.0.0.1:0").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("run.log").toFile());
            run.environment().put("JAVA_TOOL_OPTIONS", imageOptions);
            p = run.start();
            Process started = p;
            await().atMost(Duration.ofSeconds(60)).ignoreExceptionsInstanceOf(IOException.class).until(() -> {
                if (!started.isAlive()) {
                    throw new AssertionError("exited: " + Files.readString(dir.resolve("run.log")));
                }
                try (RespConn c = new RespConn(port)) {
                    return c.call("SET", "cds", "1").equals("+OK\r\n");
                }
            });
            String log = Files.readString(dir.resolve("run.log"));
            assertFalse(log.contains("Unable to use shared archive"), log);
        } finally {
            for (Process q : new Process[] {t, p}) {
                if (q != null) {
                    q.descendants().forEach(ProcessHandle::destroy);
                    q.destroy();
                    q.waitFor(20, TimeUnit.SECONDS);
                    q.destroyForcibly();
                }
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMetricOfTheGrafanaDashboardExists() throws Exception {
        try (var c = new RespConn(env.proxy().port())) {
            c.call("SET", "dash", "1"); // some traffic, so that labelled series exist
        }
        String exposition = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + env.proxy().adminPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Object> dash = (Map<String, Object>) new Load(LoadSettings.builder().build())
                .loadFromString(Files.readString(DOCKER.resolve("grafana/redis-sidecar-dashboard.json")));
        int checked = 0;
        for (Map<String, Object> panel : (List<Map<String, Object>>) dash.get("panels")) {
            for (Map<String, Object> t : (List<Map<String, Object>>) panel.get("targets")) {
                Matcher m = Pattern.compile("\\b((?:redis_sidecar|jvm)_[a-z_]+)").matcher((String) t.get("expr"));
                while (m.find()) {
                    String name = m.group(1);
                    if (ONLY_WITH_THEIR_SUBJECT.contains(name)) {
                        continue;
                    }
                    assertTrue(exposition.contains("\n" + name + " ") || exposition.contains("\n" + name + "{"),
                            "the dashboard queries " + name + ", which /metrics does not show");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 20, "metrics checked: " + checked);
    }
}
