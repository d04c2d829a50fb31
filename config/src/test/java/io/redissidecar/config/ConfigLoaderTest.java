package io.redissidecar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void defaults() throws Exception {
        SidecarConfig c = ConfigLoader.load(new String[] {"--backends", "127.0.0.1:7000"}, Map.of());
        assertEquals(new HostPort("127.0.0.1", 6379), c.listen());
        assertEquals(new HostPort("127.0.0.1", 8480), c.admin());
        assertEquals(Mode.STATIC, c.mode());
        assertEquals(ReadFrom.MASTER, c.readFrom());
        assertEquals(Durability.ASYNC, c.durability());
        assertEquals(List.of(new HostPort("127.0.0.1", 7000)), c.backends());
        assertEquals(512L * 1024 * 1024, c.maxBulkLength());
        assertEquals(0L, c.clientIdleTimeoutMs());
        assertTrue(c.denyCommands().contains("monitor"));
        assertTrue(c.denyCommands().contains("config|set"));
    }

    /** A user's rules may hold a comma (a password): YAML list items become lines, not comma-joined parts. */
    @Test
    void usersAreOnePerLineAndMaskedInToString() throws Exception {
        Path f = dir.resolve("u.yaml");
        Files.writeString(f, "backends: 127.0.0.1:9\nusers:\n  - user alice on >pa,ss ~* +@all\n"
                + "  - \"user bob on nopass +get ~b*\"\n");
        SidecarConfig c = ConfigLoader.load(new String[] {"--config", f.toString()}, Map.of());
        assertEquals(List.of("user alice on >pa,ss ~* +@all", "user bob on nopass +get ~b*"), c.users());
        assertTrue(!c.toString().contains("pa,ss"), c.toString());
        assertEquals(10_000L, c.authTimeoutMs());
        assertEquals(1_000L, c.authFailureDelayMs());
        SidecarConfig env = ConfigLoader.load(new String[] {"--backends", "127.0.0.1:9"},
                Map.of("REDIS_SIDECAR_USERS", "user a on nopass\n\nuser b off"));
        assertEquals(List.of("user a on nopass", "user b off"), env.users());
        assertEquals(List.of(), ConfigLoader.load(new String[] {"--backends", "127.0.0.1:9"}, Map.of()).users());
        assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--backends", "127.0.0.1:9",
            "--users", "alice on"}, Map.of()));
    }

    @Test
    void precedenceCliOverEnvOverFileOverDefault() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "backends:\n  - 10.0.0.1:1\n  - 10.0.0.2:2\nmax-clients: 11\nlisten: 0.0.0.0:7001\n"
                + "max-bulk-length: 1mb\n");
        Map<String, String> env = Map.of("REDIS_SIDECAR_MAX_CLIENTS", "22", "REDIS_SIDECAR_LISTEN", "127.0.0.1:7002");
        SidecarConfig c = ConfigLoader.load(new String[] {"--config", f.toString(), "--listen=127.0.0.1:7003"}, env);
        assertEquals(new HostPort("127.0.0.1", 7003), c.listen());
        assertEquals(22, c.maxClients());
        assertEquals(1024L * 1024, c.maxBulkLength());
        assertEquals(List.of(HostPort.parse("10.0.0.1:1"), HostPort.parse("10.0.0.2:2")), c.backends());
    }

    @Test
    void configFileFromEnvironment() throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "backends: 127.0.0.1:9\ndeny-commands: [monitor, debug]\n");
        SidecarConfig c = ConfigLoader.load(new String[0], Map.of("REDIS_SIDECAR_CONFIG", f.toString()));
        assertEquals(List.of("monitor", "debug"), c.denyCommands());
    }

    @Test
    void badValuesNameTheOptionTheValueAndWhatIsAllowed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--backends", "x:1", "--max-clients", "lots"}, Map.of()));
        assertTrue(e.getMessage().contains("--max-clients"), e.getMessage());
        assertTrue(e.getMessage().contains("'lots'"), e.getMessage());
        assertTrue(e.getMessage().contains("integer between 1 and 1000000"), e.getMessage());

        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--backends", "x:1"}, Map.of("REDIS_SIDECAR_MODE", "magic")));
        assertTrue(e.getMessage().contains("REDIS_SIDECAR_MODE") && e.getMessage().contains("one of: static, sentinel"),
                e.getMessage());

        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--listen", "nowhere"},
                Map.of()));
        assertTrue(e.getMessage().contains("--listen") && e.getMessage().contains("HOST:PORT"), e.getMessage());
    }

    @Test
    void missingBackendsAndUnknownOptionsAreRejected() throws Exception {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[0], Map.of()));
        assertTrue(e.getMessage().contains("--backends"), e.getMessage());
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--bakends", "x:1"}, Map.of()));
        assertTrue(e.getMessage().contains("unknown option --bakends"), e.getMessage());
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "backends: a:1\nmaxclients: 3\n");
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--config", f.toString()}, Map.of()));
        assertTrue(e.getMessage().contains("unknown key 'maxclients'"), e.getMessage());
    }

    @Test
    void sentinelModeNeedsSentinelsAndMasterName() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--mode", "sentinel", "--sentinels", "h:1"}, Map.of()));
        assertTrue(e.getMessage().contains("--master-name"), e.getMessage());
        SidecarConfig c = ConfigLoader.load(new String[] {"--mode", "sentinel", "--sentinels", "h:1,h:2",
            "--master-name", "mymaster"}, Map.of());
        assertEquals(2, c.sentinels().size());
        assertEquals("mymaster", c.masterName());
        assertEquals(15000, c.failoverHoldMs());
    }

    @Test
    void modeReadFromAndDurabilityAreEnumsSpelledAsTheOption() throws Exception {
        SidecarConfig c = ConfigLoader.load(new String[] {"--mode", " Cluster ", "--cluster-seeds", "h:1",
            "--read-from", "REPLICA-preferred", "--durability", "replicated"}, Map.of());
        assertEquals(Mode.CLUSTER, c.mode());
        assertEquals(ReadFrom.REPLICA_PREFERRED, c.readFrom());
        assertEquals(Durability.REPLICATED, c.durability());
        assertEquals("cluster replica-preferred replicated",
                c.mode() + " " + c.readFrom().spelling() + " " + c.durability());
        assertTrue(c.toString().contains("mode=cluster,") && c.toString().contains("read-from=replica-preferred,"),
                c.toString());
        for (ReadFrom r : ReadFrom.values()) {
            SidecarConfig rc = ConfigLoader.load(new String[] {"--backends", "h:1", "--read-from", r.spelling()},
                    Map.of());
            assertEquals(r, rc.readFrom());
            assertEquals(r != ReadFrom.MASTER, rc.readFrom().fromReplicas());
        }

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--backends",
            "h:1", "--read-from", "replicas"}, Map.of()));
        assertEquals("invalid value 'replicas' for --read-from (from command line): must be one of: master, "
                + "replica-preferred, replica, nearest", e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--backends", "h:1"},
                Map.of("REDIS_SIDECAR_DURABILITY", "sync")));
        assertEquals("invalid value 'sync' for --durability (from environment REDIS_SIDECAR_DURABILITY): must be one "
                + "of: async, replicated", e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigLoader.load(new String[] {"--mode", "proxy"}, Map.of()));
        assertEquals("invalid value 'proxy' for --mode (from command line): must be one of: static, sentinel, cluster",
                e.getMessage());
    }

    @Test
    void hostPortForms() {
        assertEquals(new HostPort("::1", 6379), HostPort.parse("[::1]:6379"));
        assertEquals("[::1]:6379", new HostPort("::1", 6379).toString());
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:99999"));
    }

    /** An attacker's review: snakeyaml's message quoted the broken line, password included, into the log. */
    @Test
    void aBrokenYamlFileIsReportedWithoutItsText(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "backends: 127.0.0.1:1\nclient-password: hunter2_SECRET6: oops\n");
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--config", f.toString()}, Map.of()));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertTrue(!e.getMessage().contains("hunter2"), e.getMessage());
        Files.writeString(f, "backends: 127.0.0.1:1\nsentinel-password: \"yamlpw_SECRET4\n");
        e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(new String[] {"--config", f.toString()}, Map.of()));
        assertTrue(!e.getMessage().contains("yamlpw"), e.getMessage());
    }

    /** Password files are regular files of bounded size: a FIFO or /dev/zero would hang or exhaust the reader. */
    @Test
    void passwordFilesMustBeSmallRegularFiles(@TempDir Path dir) throws Exception {
        Path zero = dir.resolve("zero");
        Files.createSymbolicLink(zero, Path.of("/dev/zero"));
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(
                new String[] {"--backends", "127.0.0.1:1", "--client-password-file", zero.toString()}, Map.of()));
        assertTrue(e.getMessage().contains("client-password-file"), e.getMessage());
        Path ok = dir.resolve("pw");
        Files.writeString(ok, "s3cret\r\n");
        assertEquals("s3cret", ConfigLoader.load(new String[] {"--backends", "127.0.0.1:1",
            "--client-password-file", ok.toString()}, Map.of()).clientPassword());
    }
}
