package io.redissidecar.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every option redis-sidecar understands, in the order {@code --help} and the README list them.
 * One key names the YAML key, the {@code --flag} and the {@code REDIS_SIDECAR_*} variable.
 */
public final class Options {
    private Options() {
    }

    public static final String CONFIG = "config";
    public static final String LISTEN = "listen";
    public static final String ADMIN = "admin";
    public static final String ADMIN_TOKEN_FILE = "admin-token-file";
    public static final String MODE = "mode";
    public static final String BACKENDS = "backends";
    public static final String SENTINELS = "sentinels";
    public static final String CLUSTER_SEEDS = "cluster-seeds";
    public static final String METRICS = "metrics";
    public static final String LOG_FORMAT = "log-format";
    public static final String LOG_LEVEL = "log-level";
    public static final String TOPOLOGY_REFRESH_MS = "topology-refresh-ms";
    public static final String MASTER_NAME = "master-name";
    public static final String SENTINEL_PASSWORD = "sentinel-password";
    public static final String SENTINEL_PASSWORD_FILE = "sentinel-password-file";
    public static final String FAILOVER_HOLD_MS = "failover-hold-ms";
    public static final String REPLAY_AMBIGUOUS_WRITES = "replay-ambiguous-writes";
    public static final String DURABILITY = "durability";
    public static final String READ_FROM = "read-from";
    public static final String MAX_REPLICA_LAG_MS = "max-replica-lag-ms";
    public static final String MIN_REPLICAS = "min-replicas";
    public static final String REPLICATION_TIMEOUT_MS = "replication-timeout-ms";
    public static final String BACKEND_USERNAME = "backend-username";
    public static final String BACKEND_PASSWORD = "backend-password";
    public static final String BACKEND_PASSWORD_FILE = "backend-password-file";
    public static final String CLIENT_PASSWORD = "client-password";
    public static final String CLIENT_PASSWORD_FILE = "client-password-file";
    public static final String LISTEN_PLAIN = "listen-plain";
    public static final String TLS_PORT = "tls-port";
    public static final String TLS_CERT_FILE = "tls-cert-file";
    public static final String TLS_KEY_FILE = "tls-key-file";
    public static final String TLS_CA_CERT_FILE = "tls-ca-cert-file";
    public static final String TLS_AUTH_CLIENTS = "tls-auth-clients";
    public static final String BACKEND_TLS = "backend-tls";
    public static final String BACKEND_TLS_CA_CERT_FILE = "backend-tls-ca-cert-file";
    public static final String BACKEND_TLS_CERT_FILE = "backend-tls-cert-file";
    public static final String BACKEND_TLS_KEY_FILE = "backend-tls-key-file";
    public static final String BACKEND_TLS_VERIFY_HOSTNAME = "backend-tls-verify-hostname";
    public static final String USERS = "users";
    public static final String ACLFILE = "aclfile";
    public static final String AUTH_TIMEOUT_MS = "auth-timeout-ms";
    public static final String AUTH_FAILURE_DELAY_MS = "auth-failure-delay-ms";
    public static final String BACKEND_CONNECTIONS = "backend-connections";
    public static final String EVENT_LOOP_THREADS = "event-loop-threads";
    public static final String TRANSPORT = "transport";
    public static final String MAX_CLIENTS = "max-clients";
    public static final String MAX_BULK_LENGTH = "max-bulk-length";
    public static final String MAX_MULTIBULK_LENGTH = "max-multibulk-length";
    public static final String MAX_INLINE_LENGTH = "max-inline-length";
    public static final String MAX_PENDING_PER_CLIENT = "max-pending-per-client";
    public static final String MAX_FANOUT_PARTS = "max-fanout-parts";
    public static final String CLIENT_OUTPUT_BUFFER_LIMIT = "client-output-buffer-limit";
    public static final String TRACKING_TABLE_MAX_KEYS = "tracking-table-max-keys";
    public static final String CLIENT_IDLE_TIMEOUT_MS = "client-idle-timeout-ms";
    public static final String CONNECT_TIMEOUT_MS = "connect-timeout-ms";
    public static final String BACKEND_TIMEOUT_MS = "backend-timeout-ms";
    public static final String HEALTH_INTERVAL_MS = "health-interval-ms";
    public static final String SHUTDOWN_TIMEOUT_MS = "shutdown-timeout-ms";
    public static final String HEALTH_RISE = "health-rise";
    public static final String HEALTH_FALL = "health-fall";
    public static final String DENY_COMMANDS = "deny-commands";

    /** A command or subcommand refused by default, and why. */
    public record Denied(String command, String why) {
    }

    /**
     * Server-admin commands refused by default: they would act on, or leak, the backend that many applications share.
     * The README's table of them is generated from this list ({@code ReadmeReferenceTest}).
     */
    public static final List<Denied> DEFAULT_DENY_LIST = List.of(
            new Denied("monitor", "streams every command of every client, the proxy's own included"),
            new Denied("sync", "the replication protocol (refused whatever the list says)"),
            new Denied("psync", "the replication protocol (refused whatever the list says)"),
            new Denied("shutdown", "stops the shared server"),
            new Denied("debug", "crashes, blocks or reloads the shared server"),
            new Denied("replicaof", "turns a node into a replica behind the proxy's back"),
            new Denied("slaveof", "turns a node into a replica behind the proxy's back"),
            new Denied("failover", "switches the master behind the proxy's back (use POST /admin/switchover)"),
            new Denied("config|set", "changes the shared server's configuration"),
            new Denied("config|rewrite", "writes the shared server's configuration file"),
            new Denied("config|resetstat", "erases the statistics every application reads"),
            new Denied("save", "blocks the shared server while it writes to disk"),
            new Denied("bgsave", "forks the shared server"),
            new Denied("bgrewriteaof", "forks the shared server"),
            new Denied("module", "loads native code into Redis (every subcommand)"),
            new Denied("acl|setuser", "changes Redis's users, the proxy's own included"),
            new Denied("acl|deluser", "deletes Redis's users, the proxy's own included"),
            new Denied("acl|load", "replaces Redis's users"),
            new Denied("acl|save", "writes Redis's ACL file"),
            new Denied("acl|list", "shows every user's password hashes"),
            new Denied("acl|getuser", "shows a user's password hashes"),
            new Denied("client|kill", "would let any application disconnect the others (acts on the proxy's clients)"),
            new Denied("client|pause", "stalls every client of the shared server"),
            new Denied("client|unpause", "ends a pause another operator set"),
            new Denied("cluster|failover", "switches a cluster master behind the proxy's back"),
            new Denied("cluster|reset", "wipes a node's cluster state"),
            new Denied("cluster|forget", "removes a node from the cluster"),
            new Denied("cluster|meet", "joins any address to the cluster"),
            new Denied("cluster|addslots", "changes who owns the hash slots"),
            new Denied("cluster|addslotsrange", "changes who owns the hash slots"),
            new Denied("cluster|delslots", "changes who owns the hash slots"),
            new Denied("cluster|delslotsrange", "changes who owns the hash slots"),
            new Denied("cluster|setslot", "changes who owns the hash slots"),
            new Denied("cluster|flushslots", "drops a node's hash slots"),
            new Denied("cluster|replicate", "turns a cluster node into a replica"),
            new Denied("latency|reset", "erases the diagnostics every application reads"),
            new Denied("slowlog|reset", "erases the diagnostics every application reads"),
            new Denied("swapdb", "swaps the databases of every client"),
            new Denied("migrate", "makes Redis connect to any address given and moves keys there"));

    /** {@link #DEFAULT_DENY_LIST}'s names, comma-separated (the option's default). */
    public static final String DEFAULT_DENY = String.join(",",
            DEFAULT_DENY_LIST.stream().map(Denied::command).toList());

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    public static final List<OptionSpec> ALL = List.of(
            new OptionSpec(CONFIG, null, Parsers::string,
                    "YAML file with any of these options (keys as named here)"),
            new OptionSpec(LISTEN, "127.0.0.1:6379", Parsers::hostPort,
                    "address clients connect to"),
            new OptionSpec(ADMIN, "127.0.0.1:8480", Parsers::hostPort,
                    "admin HTTP address: /health/live, /health/ready, /metrics, POST /admin/switchover"),
            new OptionSpec(ADMIN_TOKEN_FILE, null, Parsers::string,
                    "file holding the admin port's bearer token (its content, trimmed): requests to /admin/... "
                            + "(POST /admin/switchover) need 'Authorization: Bearer <token>'; without it they are "
                            + "accepted from loopback addresses only. Read again on reload and when the file changes"),
            new OptionSpec(MODE, "static", Parsers.oneOf(Mode.class),
                    "topology: static (a fixed list of nodes; the master is the node whose ROLE says master), "
                            + "sentinel (the master Redis Sentinel names) or cluster (Redis Cluster, routed by hash "
                            + "slot)"),
            new OptionSpec(BACKENDS, null, Parsers::hostPortList,
                    "static mode: the Redis nodes, HOST:PORT[,HOST:PORT...]"),
            new OptionSpec(SENTINELS, null, Parsers::hostPortList,
                    "sentinel mode: the Sentinels, HOST:PORT[,HOST:PORT...]"),
            new OptionSpec(MASTER_NAME, null, Parsers::string,
                    "sentinel mode: the master's name in the Sentinels' configuration"),
            new OptionSpec(SENTINEL_PASSWORD, null, Parsers::string,
                    "sentinel mode: password of the Sentinels (their requirepass)"),
            new OptionSpec(SENTINEL_PASSWORD_FILE, null, Parsers::string,
                    "sentinel mode: file holding the Sentinels' password (read again on reload); instead of "
                            + "--sentinel-password"),
            new OptionSpec(CLUSTER_SEEDS, null, Parsers::hostPortList,
                    "cluster mode: some nodes of the cluster, HOST:PORT[,HOST:PORT...]; the others are discovered"),
            new OptionSpec(TOPOLOGY_REFRESH_MS, "1000", Parsers.intBetween(50, 600_000),
                    "cluster mode: interval of the slot-map refresh (also refreshed on MOVED and on node failure)"),
            new OptionSpec(FAILOVER_HOLD_MS, "15000", Parsers.intBetween(0, 3_600_000),
                    "how long requests wait for a master (and are retried when safe) before failing; 0 = fail at once"),
            new OptionSpec(REPLAY_AMBIGUOUS_WRITES, "on", Parsers.oneOf("on", "off"),
                    "on: a write whose connection was lost before its reply is sent again when a second run cannot "
                            + "change the data (SET, DEL, HSET, ...); off: it fails instead (at most once)"),
            new OptionSpec(READ_FROM, "master", Parsers.oneOf(ReadFrom.class),
                    "where read-only commands outside transactions go: master, replica-preferred (a replica within "
                            + "max-replica-lag-ms, else the master), replica (replicas only), nearest (lowest check "
                            + "latency among the master and those replicas)"),
            new OptionSpec(MAX_REPLICA_LAG_MS, "1000", Parsers.intBetween(0, 3_600_000),
                    "replicas further behind the master than this are not read from"),
            new OptionSpec(DURABILITY, "async", Parsers.oneOf(Durability.class),
                    "async: a write is acknowledged when the master answers; replicated: only once WAIT confirms "
                            + "min-replicas replicas have it (one WAIT per batch of writes on a connection)"),
            new OptionSpec(MIN_REPLICAS, "1", Parsers.intBetween(1, 100),
                    "replicated durability: replicas that must confirm a write"),
            new OptionSpec(REPLICATION_TIMEOUT_MS, "1000", Parsers.intBetween(1, 600_000),
                    "replicated durability: how long WAIT may take before the write is reported unconfirmed"),
            new OptionSpec(BACKEND_USERNAME, null, Parsers::string,
                    "ACL user the proxy authenticates to the backends with (AUTH user password)"),
            new OptionSpec(BACKEND_PASSWORD, null, Parsers::string,
                    "password the proxy authenticates to the backends with"),
            new OptionSpec(BACKEND_PASSWORD_FILE, null, Parsers::string,
                    "file holding the backend password (read again on reload; new connections use the new one); "
                            + "instead of --backend-password"),
            new OptionSpec(CLIENT_PASSWORD, null, Parsers::string,
                    "when set, clients must AUTH with this password before other commands"),
            new OptionSpec(CLIENT_PASSWORD_FILE, null, Parsers::string,
                    "file holding the client password (read again on reload); instead of --client-password"),
            new OptionSpec(LISTEN_PLAIN, "yes", Parsers.oneOf("yes", "no"),
                    "no: the plain --listen port is off and only --tls-port listens"),
            new OptionSpec(TLS_PORT, "0", Parsers.intBetween(0, 65535),
                    "TLS port for clients, on the --listen host; 0 = off"),
            new OptionSpec(TLS_CERT_FILE, null, Parsers::string,
                    "the proxy's certificate chain (PEM) on the TLS port"),
            new OptionSpec(TLS_KEY_FILE, null, Parsers::string,
                    "the private key (PEM, PKCS#8: BEGIN PRIVATE KEY) of --tls-cert-file"),
            new OptionSpec(TLS_CA_CERT_FILE, null, Parsers::string,
                    "CA certificates (PEM) client certificates are checked against"),
            new OptionSpec(TLS_AUTH_CLIENTS, "yes", Parsers.oneOf("yes", "no", "optional"),
                    "client certificates on the TLS port: yes (required), optional (checked when sent) or no"),
            new OptionSpec(BACKEND_TLS, "off", Parsers.oneOf("on", "off"),
                    "on: TLS to the Redis nodes and Sentinels (data connections and health checks)"),
            new OptionSpec(BACKEND_TLS_CA_CERT_FILE, null, Parsers::string,
                    "CA certificates (PEM) the nodes' certificates are checked against; default: the JDK's"),
            new OptionSpec(BACKEND_TLS_CERT_FILE, null, Parsers::string,
                    "a client certificate chain (PEM) for the nodes (mutual TLS)"),
            new OptionSpec(BACKEND_TLS_KEY_FILE, null, Parsers::string,
                    "the private key (PEM) of --backend-tls-cert-file"),
            new OptionSpec(BACKEND_TLS_VERIFY_HOSTNAME, "yes", Parsers.oneOf("yes", "no"),
                    "yes: a node's certificate must name the host or IP the proxy connects to; no: the CA check "
                            + "alone"),
            new OptionSpec(USERS, null, Parsers::userLines,
                    "ACL users the proxy enforces, in Redis's ACL file syntax ('user alice on >pw ~cache:* +@read'); "
                            + "a YAML list, or one user per line"),
            new OptionSpec(ACLFILE, null, Parsers::string,
                    "a Redis ACL file (one 'user <name> <rules...>' per line) with more users; read again on every "
                            + "reload"),
            new OptionSpec(AUTH_TIMEOUT_MS, "10000", Parsers.longBetween(0, 3_600_000),
                    "when clients must authenticate: close a client that has not within this long; 0 = never"),
            new OptionSpec(AUTH_FAILURE_DELAY_MS, "1000", Parsers.longBetween(0, 60_000),
                    "longest delay of a WRONGPASS reply to an address with more than 5 failed AUTH in 10 s (100 ms "
                            + "more per failure); 0 = never delay"),
            new OptionSpec(BACKEND_CONNECTIONS, "1", Parsers.intBetween(1, 64),
                    "shared (multiplexed) connections per backend per event loop"),
            new OptionSpec(EVENT_LOOP_THREADS, Integer.toString(CORES), Parsers.intBetween(1, 256),
                    "Netty event loops; each client and the backend connections it uses share one"),
            new OptionSpec(TRANSPORT, "auto", Parsers.oneOf("auto", "io_uring", "epoll", "nio"),
                    "event-loop transport: auto (io_uring where the kernel allows it, else epoll on Linux, else "
                            + "NIO), io_uring, epoll or nio; one not available here falls back to the next one down"),
            new OptionSpec(MAX_CLIENTS, "10000", Parsers.intBetween(1, 1_000_000),
                    "client connections accepted at once (Redis maxclients)"),
            new OptionSpec(MAX_BULK_LENGTH, "536870912", Parsers.longBetween(1, Integer.MAX_VALUE),
                    "largest bulk string in a request, bytes (Redis proto-max-bulk-len); suffixes kb/mb/gb"),
            new OptionSpec(MAX_MULTIBULK_LENGTH, "1048576", Parsers.intBetween(1, Integer.MAX_VALUE),
                    "most arguments in one request"),
            new OptionSpec(MAX_INLINE_LENGTH, "65536", Parsers.intBetween(16, 64 * 1024 * 1024),
                    "longest inline (telnet-style) request line, bytes"),
            new OptionSpec(CLIENT_OUTPUT_BUFFER_LIMIT, OutputBufferLimits.DEFAULT, OutputBufferLimits::parse,
                    "as redis.conf's: <class> <hard> <soft> <soft seconds> for normal and pubsub clients; a client "
                            + "whose unwritten replies pass hard, or stay above soft that long, is disconnected"),
            new OptionSpec(TRACKING_TABLE_MAX_KEYS, "1000000", Parsers.intBetween(1, Integer.MAX_VALUE),
                    "client-side caching: most keys each event loop remembers as read by tracking clients; past it the "
                            + "oldest is invalidated for its readers and forgotten (Redis's tracking-table-max-keys)"),
            new OptionSpec(MAX_FANOUT_PARTS, "10000", Parsers.intBetween(1, 10_000_000),
                    "cluster mode: most backend requests one client request may become (a cross-slot MGET, DEL or "
                            + "MSET is split per key); more gets an error"),
            new OptionSpec(MAX_PENDING_PER_CLIENT, "1024", Parsers.intBetween(1, 1_000_000),
                    "requests in flight per client before the proxy stops reading from it (backpressure)"),
            new OptionSpec(CLIENT_IDLE_TIMEOUT_MS, "0", Parsers.longBetween(0, Long.MAX_VALUE),
                    "close clients idle this long with nothing in flight; 0 = never (Redis timeout)"),
            new OptionSpec(CONNECT_TIMEOUT_MS, "2000", Parsers.intBetween(1, 600_000),
                    "backend connect timeout"),
            new OptionSpec(BACKEND_TIMEOUT_MS, "5000", Parsers.intBetween(0, 3_600_000),
                    "a shared backend connection with requests outstanding and no reply for this long is closed "
                            + "(its requests are then retried or failed like after any lost connection); 0 = never"),
            new OptionSpec(HEALTH_INTERVAL_MS, "1000", Parsers.intBetween(50, 600_000),
                    "interval of the active health check (PING, ROLE) per node"),
            new OptionSpec(HEALTH_RISE, "1", Parsers.intBetween(1, 100),
                    "good checks in a row before a node that was down counts as up"),
            new OptionSpec(HEALTH_FALL, "2", Parsers.intBetween(1, 100),
                    "failed checks in a row before a node counts as down"),
            new OptionSpec(SHUTDOWN_TIMEOUT_MS, "5000", Parsers.intBetween(0, 600_000),
                    "on SIGTERM: how long in-flight replies may drain before the proxy exits"),
            new OptionSpec(METRICS, "on", Parsers.oneOf("on", "off"),
                    "request metrics (counters and latency histograms on the request path) and JVM metrics at "
                            + "GET /metrics on the admin port; off keeps only the state read at scrape time"),
            new OptionSpec(LOG_FORMAT, "plain", Parsers.oneOf("plain", "json"),
                    "log lines on standard error: plain ([thread] LEVEL logger - message) or json (one object per "
                            + "line: ts, level, logger, thread, msg)"),
            new OptionSpec(LOG_LEVEL, "info", Parsers.oneOf("debug", "info", "warn", "error"),
                    "level of the proxy's own log lines (libraries log at warn)"),
            new OptionSpec(DENY_COMMANDS, DEFAULT_DENY, Parsers::commandList,
                    "commands refused with -ERR (name or container|subcommand), comma-separated"));

    private static final Map<String, OptionSpec> BY_KEY = new LinkedHashMap<>();

    static {
        for (OptionSpec o : ALL) {
            BY_KEY.put(o.key(), o);
        }
    }

    public static OptionSpec byKey(String key) {
        return BY_KEY.get(key);
    }
}
