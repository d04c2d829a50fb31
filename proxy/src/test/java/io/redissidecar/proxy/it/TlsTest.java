package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.testing.RedisCluster;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SentinelGroup;
import io.redissidecar.proxy.testing.SidecarFixture;
import io.redissidecar.proxy.testing.TestCerts;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * TLS on both hops (issue 14): clients to the proxy's TLS port, the proxy to a real redis-server's TLS port with a
 * client certificate (Redis's tls-auth-clients yes), certificates made by openssl for the test.
 */
class TlsTest {
    private static TestCerts certs;
    private static TestCerts.Pair redisCert;
    private static TestCerts.Pair proxyServer;
    private static TestCerts.Pair proxyClient;
    private static TestCerts.Pair app;
    private static RedisServer redis;
    private static int redisTls;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCerts.ca("test-ca");
        redisCert = certs.issue("redis", "IP:127.0.0.1", "DNS:localhost");
        proxyServer = certs.issue("proxy", "IP:127.0.0.1", "DNS:localhost");
        proxyClient = certs.issue("proxy-client");
        app = certs.issue("app");
        redisTls = RedisServer.freePort();
        redis = RedisServer.start(tlsArgs(redisTls, redisCert));
    }

    private static String[] tlsArgs(int port, TestCerts.Pair cert) {
        return new String[] {"--tls-port", Integer.toString(port), "--tls-cert-file", cert.cert(), "--tls-key-file",
            cert.key(), "--tls-ca-cert-file", certs.caFile(), "--tls-auth-clients", "yes"};
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.close();
        }
    }

    private static SidecarFixture proxy(int backendPort, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--backend-tls", "on", "--backend-tls-ca-cert-file",
                certs.caFile(), "--backend-tls-cert-file", proxyClient.cert(), "--backend-tls-key-file",
                proxyClient.key(), "--tls-port", Integer.toString(RedisServer.freePort()), "--tls-cert-file",
                proxyServer.cert(), "--tls-key-file", proxyServer.key(), "--tls-ca-cert-file", certs.caFile()));
        args.addAll(List.of(extra));
        return SidecarFixture.start(List.of(new HostPort("127.0.0.1", backendPort)), args.toArray(String[]::new));
    }

    @Test
    void clientsAndNodesSpeakTlsOnly() throws Exception {
        try (SidecarFixture p = proxy(redisTls, "--listen-plain", "no");
             RespConn c = new RespConn(certs.connect(p.tlsPort(), app))) {
            assertNull(p.sidecar().listenAddress(), "the plain port is off");
            await().atMost(Duration.ofSeconds(10)).until(() -> p.sidecar().isReady()); // health checks over TLS
            assertEquals("+OK\r\n", c.call("SET", "tls:k", "v"));
            assertEquals("$1\r\nv\r\n", c.call("GET", "tls:k"));
            assertTrue(c.call("HELLO", "3").startsWith("%7\r\n"));
            assertEquals("$1\r\nv\r\n", c.call("GET", "tls:k"));
            try (RespConn direct = new RespConn(redis.port())) {
                assertEquals("$1\r\nv\r\n", direct.call("GET", "tls:k"), "written through Redis's TLS port");
            }
        }
    }

    @Test
    void clientCertificatesAreRequiredOptionalOrNot() throws Exception {
        try (SidecarFixture p = proxy(redisTls)) {
            assertThrows(IOException.class, () -> {
                try (RespConn c = new RespConn(certs.connect(p.tlsPort(), null))) {
                    c.call("PING"); // TLS 1.3: the server's refusal arrives with the first read
                }
            });
            try (RespConn c = new RespConn(certs.connect(p.tlsPort(), app))) {
                assertEquals("+PONG\r\n", c.call("PING"));
            }
            try (RespConn c = new RespConn(p.port())) {
                assertEquals("+PONG\r\n", c.call("PING"), "the plain port stays beside the TLS one");
            }
            assertThrows(IOException.class, () -> {
                try (RespConn c = new RespConn(p.tlsPort())) {
                    c.call("PING"); // plain RESP on the TLS port: closed, never read as a command
                }
            });
        }
        try (SidecarFixture p = proxy(redisTls, "--tls-auth-clients", "optional");
             RespConn c = new RespConn(certs.connect(p.tlsPort(), null))) {
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    @Test
    void nodeCertificateMustNameTheNodeUnlessTurnedOff() throws Exception {
        int port = RedisServer.freePort();
        try (RedisServer other = RedisServer.start(tlsArgs(port, certs.issue("elsewhere", "DNS:elsewhere.example")))) {
            try (SidecarFixture p = proxy(port, "--failover-hold-ms", "300");
                 RespConn c = new RespConn(p.port())) {
                String r = c.call("GET", "k");
                assertTrue(r.startsWith("-"), r);
                assertTrue(!p.sidecar().isReady());
            }
            try (SidecarFixture p = proxy(port, "--backend-tls-verify-hostname", "no");
                 RespConn c = new RespConn(p.port())) {
                await().atMost(Duration.ofSeconds(10)).until(() -> p.sidecar().isReady());
                assertEquals("+PONG\r\n", c.call("PING"));
                assertEquals("+OK\r\n", c.call("SET", "k", "v"));
            }
        }
    }

    @Test
    void certificatesAreReloadedWithoutDroppingClients() throws Exception {
        TestCerts own = TestCerts.ca("reload-ca");
        TestCerts.Pair first = own.issue("proxy-reload", "IP:127.0.0.1");
        try (SidecarFixture p = proxy(redisTls, "--tls-cert-file", first.cert(), "--tls-key-file", first.key(),
                "--tls-auth-clients", "no");
             Socket s = own.connect(p.tlsPort(), null);
             RespConn before = new RespConn(s)) {
            p.enableReload();
            assertEquals("+OK\r\n", before.call("SET", "reload:k", "1"));
            X509Certificate old = peer(s);
            own.issue("proxy-reload", "IP:127.0.0.1"); // the same files, a new certificate
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                try (Socket again = own.connect(p.tlsPort(), null)) {
                    return !peer(again).getSerialNumber().equals(old.getSerialNumber());
                }
            });
            assertEquals("$1\r\n1\r\n", before.call("GET", "reload:k"), "the client connected before stays");
            X509Certificate second = peer(own.connect(p.tlsPort(), null));
            assertNotEquals(old.getSerialNumber(), second.getSerialNumber());
            String expiry = "redis_sidecar_tls_certificate_expiry_timestamp_seconds{side=\"client\"}";
            assertEquals(second.getNotAfter().toInstant().getEpochSecond(), (long) sample(metrics(p), expiry),
                    "the expiry of the certificate in force");

            // an attacker's review: a watched file that never ends (/dev/zero) stopped every later reload, and a
            // refused reload was not counted anywhere
            Path cert = Path.of(first.cert());
            Path saved = Files.move(cert, cert.resolveSibling("saved.crt"));
            Files.createSymbolicLink(cert, Path.of("/dev/zero"));
            await().atMost(Duration.ofSeconds(10)).until(() -> sample(metrics(p),
                    "redis_sidecar_tls_reload_failures_total{side=\"client\"}") == 1);
            Files.delete(cert);
            Files.move(saved, cert);
            own.issue("proxy-reload", "IP:127.0.0.1");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                try (Socket again = own.connect(p.tlsPort(), null)) {
                    return !peer(again).getSerialNumber().equals(second.getSerialNumber());
                }
            });
            assertEquals("$1\r\n1\r\n", before.call("GET", "reload:k"));
        }
    }

    /** An attacker's review: silent sockets on the TLS port took --max-clients places before any handshake. */
    @Test
    void connectionsWithoutAHandshakeTakeNoClientPlace() throws Exception {
        try (SidecarFixture p = proxy(redisTls, "--max-clients", "2")) {
            List<Socket> silent = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    silent.add(new Socket("127.0.0.1", p.tlsPort()));
                }
                try (RespConn tls = new RespConn(certs.connect(p.tlsPort(), app));
                     RespConn plain = new RespConn(p.port())) {
                    assertEquals("+PONG\r\n", tls.call("PING"));
                    assertEquals("+PONG\r\n", plain.call("PING"));
                }
            } finally {
                for (Socket s : silent) {
                    s.close();
                }
            }
        }
    }

    /** The value of the sample {@code name} (with its labels) in a text exposition; NaN when absent. */
    private static double sample(String exposition, String name) {
        return exposition.lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(name.length() + 1).trim().split(" ")[0])).orElse(Double.NaN);
    }

    private static String metrics(SidecarFixture p) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.adminPort()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * Sentinel mode with TLS only: nodes and Sentinels without plain ports, replication and Sentinels over TLS, client
     * certificates required. The proxy follows a kill -9 of the master, its held write lands on the new master.
     */
    @Test
    void sentinelModeOverTlsFollowsAFailover() throws Exception {
        try (SentinelGroup g = SentinelGroup.start(new TestCerts.Access(certs, redisCert, proxyClient));
             SidecarFixture p = SidecarFixture.startSentinel(g, "--backend-tls", "on", "--backend-tls-ca-cert-file",
                     certs.caFile(), "--backend-tls-cert-file", proxyClient.cert(), "--backend-tls-key-file",
                     proxyClient.key());
             RespConn c = new RespConn(p.port())) {
            await().atMost(Duration.ofSeconds(20)).until(() -> p.sidecar().isReady());
            assertEquals("+OK\r\n", c.call("SET", "tls:failover", "before"));
            SentinelGroup.Killed killed = g.killMasterAndAwaitPromotion();
            assertEquals("+OK\r\n", c.call("SET", "tls:failover", "after"), "held, then sent to the new master");
            HostPort master = g.currentMaster();
            assertNotEquals(killed.oldMaster(), master);
            try (RespConn direct = g.node(master).connect()) {
                assertEquals("$5\r\nafter\r\n", direct.call("GET", "tls:failover"));
            }
            assertEquals("$5\r\nafter\r\n", c.call("GET", "tls:failover"));
        }
    }

    /**
     * Cluster mode over TLS: the proxy reaches each node at its TLS port (CLUSTER SHARDS' tls-port; Redis names TLS
     * ports in redirections on TLS connections), the bus and replication run over TLS too.
     */
    @Test
    void clusterModeOverTls() throws Exception {
        try (RedisCluster cluster = RedisCluster.start(RedisCluster.NODE_TIMEOUT_MS,
                new TestCerts.Access(certs, redisCert, proxyClient));
             SidecarFixture p = SidecarFixture.startClusterAt(cluster.tlsSeeds(), "--backend-tls", "on",
                     "--backend-tls-ca-cert-file", certs.caFile(), "--backend-tls-cert-file", proxyClient.cert(),
                     "--backend-tls-key-file", proxyClient.key());
             RespConn c = new RespConn(p.port())) {
            List<String> mset = new ArrayList<>(List.of("MSET"));
            for (int i = 0; i < 30; i++) {
                mset.add("tls:" + i);
                mset.add("v" + i);
            }
            assertEquals("+OK\r\n", c.call(mset.toArray(String[]::new)));
            for (int i = 0; i < 30; i++) {
                assertEquals("$" + ("v" + i).length() + "\r\nv" + i + "\r\n", c.call("GET", "tls:" + i));
            }
            assertTrue(p.sidecar().isReady());
        }
    }

    private static X509Certificate peer(Socket s) throws IOException {
        return (X509Certificate) ((SSLSocket) s).getSession().getPeerCertificates()[0];
    }
}
