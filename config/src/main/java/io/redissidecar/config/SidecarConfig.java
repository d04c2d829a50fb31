package io.redissidecar.config;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/** A validated, immutable configuration. Values are typed by their {@link OptionSpec} parser. */
public final class SidecarConfig {
    private final Map<String, Object> values;

    SidecarConfig(Map<String, Object> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** The option keys whose values differ between this configuration and {@code other}. */
    public Set<String> changedFrom(SidecarConfig other) {
        Set<String> changed = new TreeSet<>();
        for (OptionSpec o : Options.ALL) {
            if (!Objects.equals(values.get(o.key()), other.values.get(o.key()))) {
                changed.add(o.key());
            }
        }
        return changed;
    }

    /** This configuration with the values of {@code keys} taken from {@code old} (options a reload cannot change). */
    public SidecarConfig keeping(SidecarConfig old, Collection<String> keys) {
        Map<String, Object> v = new HashMap<>(values);
        for (String k : keys) {
            if (old.values.containsKey(k)) {
                v.put(k, old.values.get(k));
            } else {
                v.remove(k);
            }
        }
        return new SidecarConfig(v);
    }

    private Object get(String key) {
        return values.get(Objects.requireNonNull(Options.byKey(key), key).key());
    }

    /** The --config file, or null. */
    public String configFile() {
        return (String) get(Options.CONFIG);
    }

    public HostPort listen() {
        return (HostPort) get(Options.LISTEN);
    }

    public HostPort admin() {
        return (HostPort) get(Options.ADMIN);
    }

    /** The file holding the admin port's bearer token, or null (then /admin/... is served to loopback only). */
    public String adminTokenFile() {
        return (String) get(Options.ADMIN_TOKEN_FILE);
    }

    public Mode mode() {
        return (Mode) get(Options.MODE);
    }

    @SuppressWarnings("unchecked")
    public List<HostPort> backends() {
        List<HostPort> b = (List<HostPort>) get(Options.BACKENDS);
        return b == null ? List.of() : b;
    }

    @SuppressWarnings("unchecked")
    public List<HostPort> sentinels() {
        List<HostPort> b = (List<HostPort>) get(Options.SENTINELS);
        return b == null ? List.of() : b;
    }

    @SuppressWarnings("unchecked")
    public List<HostPort> clusterSeeds() {
        List<HostPort> b = (List<HostPort>) get(Options.CLUSTER_SEEDS);
        return b == null ? List.of() : b;
    }

    public String logFormat() {
        return (String) get(Options.LOG_FORMAT);
    }

    public String logLevel() {
        return (String) get(Options.LOG_LEVEL);
    }

    public boolean metricsEnabled() {
        return "on".equals(get(Options.METRICS));
    }

    public int topologyRefreshMs() {
        return (Integer) get(Options.TOPOLOGY_REFRESH_MS);
    }

    public String masterName() {
        return (String) get(Options.MASTER_NAME);
    }

    public String sentinelPassword() {
        return (String) get(Options.SENTINEL_PASSWORD);
    }

    /** Whether writes sent but not answered may be sent again when that cannot change the data. */
    public boolean replayAmbiguousWrites() {
        return "on".equals(get(Options.REPLAY_AMBIGUOUS_WRITES));
    }

    public int failoverHoldMs() {
        return (Integer) get(Options.FAILOVER_HOLD_MS);
    }

    public ReadFrom readFrom() {
        return (ReadFrom) get(Options.READ_FROM);
    }

    public int maxReplicaLagMs() {
        return (Integer) get(Options.MAX_REPLICA_LAG_MS);
    }

    public Durability durability() {
        return (Durability) get(Options.DURABILITY);
    }

    public int minReplicas() {
        return (Integer) get(Options.MIN_REPLICAS);
    }

    public int replicationTimeoutMs() {
        return (Integer) get(Options.REPLICATION_TIMEOUT_MS);
    }

    public String backendUsername() {
        return (String) get(Options.BACKEND_USERNAME);
    }

    public String backendPassword() {
        return (String) get(Options.BACKEND_PASSWORD);
    }

    public String clientPassword() {
        return (String) get(Options.CLIENT_PASSWORD);
    }

    /** The files holding passwords (--*-password-file) that are set; read again on every reload. */
    public List<String> secretFiles() {
        return files(Options.BACKEND_PASSWORD_FILE, Options.CLIENT_PASSWORD_FILE, Options.SENTINEL_PASSWORD_FILE);
    }

    /** The certificate and key files that are set, client and backend side; a change reloads them. */
    public List<String> tlsFiles() {
        List<String> all = new java.util.ArrayList<>(clientTlsFiles());
        all.addAll(backendTlsFiles());
        return all;
    }

    /** The client TLS port's certificate, key and CA files that are set. */
    public List<String> clientTlsFiles() {
        return files(Options.TLS_CERT_FILE, Options.TLS_KEY_FILE, Options.TLS_CA_CERT_FILE);
    }

    /** The backend TLS CA, certificate and key files that are set. */
    public List<String> backendTlsFiles() {
        return files(Options.BACKEND_TLS_CA_CERT_FILE, Options.BACKEND_TLS_CERT_FILE, Options.BACKEND_TLS_KEY_FILE);
    }

    private List<String> files(String... keys) {
        List<String> out = new java.util.ArrayList<>();
        for (String k : keys) {
            if (get(k) != null) {
                out.add((String) get(k));
            }
        }
        return out;
    }

    public boolean listenPlain() {
        return "yes".equals(get(Options.LISTEN_PLAIN));
    }

    /** The client TLS port, 0 when off. */
    public int tlsPort() {
        return (Integer) get(Options.TLS_PORT);
    }

    public String tlsCertFile() {
        return (String) get(Options.TLS_CERT_FILE);
    }

    public String tlsKeyFile() {
        return (String) get(Options.TLS_KEY_FILE);
    }

    public String tlsCaCertFile() {
        return (String) get(Options.TLS_CA_CERT_FILE);
    }

    /** yes, no or optional. */
    public String tlsAuthClients() {
        return (String) get(Options.TLS_AUTH_CLIENTS);
    }

    public boolean backendTls() {
        return "on".equals(get(Options.BACKEND_TLS));
    }

    public String backendTlsCaCertFile() {
        return (String) get(Options.BACKEND_TLS_CA_CERT_FILE);
    }

    public String backendTlsCertFile() {
        return (String) get(Options.BACKEND_TLS_CERT_FILE);
    }

    public String backendTlsKeyFile() {
        return (String) get(Options.BACKEND_TLS_KEY_FILE);
    }

    public boolean backendTlsVerifyHostname() {
        return "yes".equals(get(Options.BACKEND_TLS_VERIFY_HOSTNAME));
    }

    /** auto, io_uring, epoll or nio. */
    public String transport() {
        return (String) get(Options.TRANSPORT);
    }

    /** The {@code users} option: ACL user lines ({@code user <name> <rules...>}). */
    @SuppressWarnings("unchecked")
    public List<String> users() {
        List<String> u = (List<String>) get(Options.USERS);
        return u == null ? List.of() : u;
    }

    /** The {@code --aclfile}, or null. */
    public String aclFile() {
        return (String) get(Options.ACLFILE);
    }

    public long authFailureDelayMs() {
        return (Long) get(Options.AUTH_FAILURE_DELAY_MS);
    }

    public long authTimeoutMs() {
        return (Long) get(Options.AUTH_TIMEOUT_MS);
    }

    public int backendConnections() {
        return (Integer) get(Options.BACKEND_CONNECTIONS);
    }

    public int eventLoopThreads() {
        return (Integer) get(Options.EVENT_LOOP_THREADS);
    }

    public int maxClients() {
        return (Integer) get(Options.MAX_CLIENTS);
    }

    public long maxBulkLength() {
        return (Long) get(Options.MAX_BULK_LENGTH);
    }

    public int maxMultibulkLength() {
        return (Integer) get(Options.MAX_MULTIBULK_LENGTH);
    }

    public int maxInlineLength() {
        return (Integer) get(Options.MAX_INLINE_LENGTH);
    }

    public int trackingTableMaxKeys() {
        return (Integer) get(Options.TRACKING_TABLE_MAX_KEYS);
    }

    public OutputBufferLimits clientOutputBufferLimit() {
        return (OutputBufferLimits) get(Options.CLIENT_OUTPUT_BUFFER_LIMIT);
    }

    public int maxFanoutParts() {
        return (Integer) get(Options.MAX_FANOUT_PARTS);
    }

    public int maxPendingPerClient() {
        return (Integer) get(Options.MAX_PENDING_PER_CLIENT);
    }

    public long clientIdleTimeoutMs() {
        return (Long) get(Options.CLIENT_IDLE_TIMEOUT_MS);
    }

    public int connectTimeoutMs() {
        return (Integer) get(Options.CONNECT_TIMEOUT_MS);
    }

    public int backendTimeoutMs() {
        return (Integer) get(Options.BACKEND_TIMEOUT_MS);
    }

    public int healthIntervalMs() {
        return (Integer) get(Options.HEALTH_INTERVAL_MS);
    }

    public int healthRise() {
        return (Integer) get(Options.HEALTH_RISE);
    }

    public int healthFall() {
        return (Integer) get(Options.HEALTH_FALL);
    }

    public int shutdownTimeoutMs() {
        return (Integer) get(Options.SHUTDOWN_TIMEOUT_MS);
    }

    @SuppressWarnings("unchecked")
    public List<String> denyCommands() {
        return (List<String>) get(Options.DENY_COMMANDS);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SidecarConfig{");
        values.forEach((k, v) -> {
            boolean secret = k.endsWith("password") || k.equals(Options.USERS);
            sb.append(k).append('=').append(secret && v != null ? "***" : v).append(", ");
        });
        return sb.append('}').toString();
    }
}
