package io.redissidecar.proxy.session;

import io.redissidecar.config.OutputBufferLimits;
import io.redissidecar.proxy.acl.AclUsers;
import io.redissidecar.proxy.acl.AclLog;
import io.redissidecar.proxy.acl.AuthFailures;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.metrics.ClientStats;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.topology.Topology;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import io.redissidecar.proxy.backend.InvalidationLinks;
import io.redissidecar.proxy.tracking.TrackingTable;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What all client sessions share: configuration, the command table, the topology and the client registry. */
public final class ProxyContext implements ClientStats {
    private static final Logger log = LoggerFactory.getLogger(ProxyContext.class);
    private volatile SidecarConfig config;
    private volatile CommandTable commands;
    private volatile AclUsers users;
    private final AuthFailures authFailures = new AuthFailures();
    private final AclLog aclLog = new AclLog();
    private final AtomicLong authTimeouts = new AtomicLong();
    private volatile boolean readFromReplicas;
    private volatile long holdNanos;
    private volatile boolean replayAmbiguousWrites;
    private volatile OutputBufferLimits outputLimits;
    private final AtomicLong outputLimitCloses = new AtomicLong();
    private volatile int maxPending;
    private final Topology topology;
    private final AtomicLong nextClientId = new AtomicLong();
    private final AtomicInteger clients = new AtomicInteger();
    private final AtomicLong clientsRejected = new AtomicLong();
    private final AtomicLong clientsAccepted = new AtomicLong();
    private final ProxyMetrics metrics;
    private final AtomicLong resubscriptions = new AtomicLong();
    private final AtomicLong crossProtocol = new AtomicLong();
    private volatile long crossProtocolLoggedNanos;
    private final AtomicLong moved = new AtomicLong();
    private final AtomicLong asked = new AtomicLong();
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final Map<Long, ClientSession> byId = new ConcurrentHashMap<>();
    private final long startedAtMillis = System.currentTimeMillis();
    private volatile Supplier<String> infoSection = () -> "# Proxy\r\n";

    /** INFO's {@code # Proxy} section (set by the wiring, which knows the nodes, breakers and failovers). */
    public void infoSection(Supplier<String> s) {
        infoSection = s;
    }

    String infoSection() {
        return infoSection.get();
    }

    public ProxyContext(SidecarConfig config, CommandTable commands, Topology topology) {
        this(config, commands, topology, ProxyMetrics.disabled());
    }

    public ProxyContext(SidecarConfig config, CommandTable commands, Topology topology,
                        ProxyMetrics metrics) {
        this.metrics = metrics;
        this.commands = commands;
        this.users = AclUsers.load(java.util.List.of(), null, config.clientPassword(), commands);
        config(config);
        this.topology = topology;
    }

    public SidecarConfig config() {
        return config;
    }

    /** A reloaded configuration: read by every client from its next request on. */
    public void config(SidecarConfig c) {
        readFromReplicas = c.readFrom().fromReplicas();
        holdNanos = TimeUnit.MILLISECONDS.toNanos(c.failoverHoldMs());
        maxPending = c.maxPendingPerClient();
        replayAmbiguousWrites = c.replayAmbiguousWrites();
        outputLimits = c.clientOutputBufferLimit();
        config = c;
    }

    /** A reloaded command table (new deny list, or the master's commands): the users are compiled against it. */
    public synchronized void commands(CommandTable t) {
        commands = t;
        AclUsers recompiled;
        try {
            recompiled = users.with(t);
        } catch (IllegalArgumentException e) { // a rule names a command the new master's table lacks
            log.warn("the ACL users do not compile against the new command table, the old ones stay: {}",
                    e.getMessage());
            return;
        }
        users(recompiled);
    }

    /** The proxy's ACL users, as clients log in with {@code AUTH} and are checked. */
    public AclUsers users() {
        return users;
    }

    /**
     * New users (a reload): every connected client, on its own event loop, keeps its connection only if its user
     * still exists, is on and still takes the password it logged in with (or still needs none); it gets the
     * user's new permissions from its next request on. The others are closed.
     */
    public synchronized void users(AclUsers u) {
        users = u;
        for (ClientSession s : sessions) {
            s.eventLoop().execute(() -> s.auth.usersChanged(u));
        }
    }

    /** ACL LOG: the proxy's denials and failed AUTH. */
    AclLog aclLog() {
        return aclLog;
    }

    AuthFailures authFailures() {
        return authFailures;
    }

    /** Failed AUTH per user label ({@code (unknown)} for names that are no user), for the metrics. */
    @Override
    public java.util.Map<String, Long> authFailuresPerUser() {
        return authFailures.perUser();
    }

    void authTimedOut(SocketAddress client) {
        authTimeouts.incrementAndGet();
        log.info("client {} closed: it did not authenticate within --auth-timeout-ms", client);
    }

    @Override
    public long authTimeouts() {
        return authTimeouts.get();
    }

    boolean readFromReplicas() {
        return readFromReplicas;
    }

    int maxPending() {
        return maxPending;
    }

    /** {@code --client-output-buffer-limit}. */
    OutputBufferLimits outputLimits() {
        return outputLimits;
    }

    /** A client was disconnected for its output buffer (its replies were not read fast enough). */
    void outputLimitClosed(SocketAddress client, String why, boolean subscriber) {
        outputLimitCloses.incrementAndGet();
        log.warn("client {} closed for client-output-buffer-limit ({} class): {}", client,
                subscriber ? "pubsub" : "normal", why);
    }

    @Override
    public long outputLimitCloses() {
        return outputLimitCloses.get();
    }

    /** {@code --replay-ambiguous-writes}: whether writes whose fate is unknown may be sent again. */
    boolean replayAmbiguousWrites() {
        return replayAmbiguousWrites;
    }

    long holdNanos() {
        return holdNanos;
    }

    public CommandTable commands() {
        return commands;
    }

    public Topology topology() {
        return topology;
    }

    long nextClientId() {
        return nextClientId.incrementAndGet();
    }

    /** Admits a client if fewer than max-clients are connected; a refused one is counted. */
    public boolean admit() {
        if (clients.incrementAndGet() > config.maxClients()) {
            clients.decrementAndGet();
            clientsRejected.incrementAndGet();
            return false;
        }
        clientsAccepted.incrementAndGet();
        return true;
    }

    void register(ClientSession s) {
        sessions.add(s);
        byId.put(s.state.id, s);
    }

    void unregister(ClientSession s) {
        byId.remove(s.state.id);
        if (sessions.remove(s)) {
            clients.decrementAndGet();
        }
    }

    @Override
    public int trackingClients() {
        int n = 0;
        for (ClientSession s : sessions) {
            n += s.tracking.state.on() ? 1 : 0;
        }
        return n;
    }

    @Override
    public long trackedKeys() {
        return sumOverTables(TrackingTable::keys);
    }

    @Override
    public long trackingEvictions() {
        return sumOverTables(TrackingTable::evictions);
    }

    private long sumOverTables(ToLongFunction<TrackingTable> f) {
        long n = 0;
        for (TrackingTable t : trackingTables()) {
            n += f.applyAsLong(t);
        }
        return n;
    }

    /** The event loops' tracking tables (read from the metrics thread: sizes may be a moment old). */
    private Set<TrackingTable> trackingTables() {
        Set<TrackingTable> tables = Collections.newSetFromMap(new IdentityHashMap<>());
        for (ClientSession s : sessions) {
            InvalidationLinks l = s.backends.invalidationLinksIfAny();
            if (l != null && l.sink() instanceof TrackingTable t) {
                tables.add(t);
            }
        }
        return tables;
    }

    /** The connected client with the proxy's client id {@code id}; null when there is none. */
    ClientSession session(long id) {
        return byId.get(id);
    }

    /** A client talked HTTP to the data port and was closed (Redis's cross-protocol guard); logged at most once a second. */
    void crossProtocolClosed(SocketAddress client) {
        crossProtocol.incrementAndGet();
        long now = System.nanoTime();
        long last = crossProtocolLoggedNanos;
        if (now - last > 1_000_000_000L || last == 0) {
            crossProtocolLoggedNanos = now;
            log.warn("client {} sent an HTTP request to the data port (POST or Host:); closed it, as Redis does "
                    + "(cross-protocol scripting); {} such clients so far", client, crossProtocol.get());
        }
    }

    @Override
    public long crossProtocolClients() {
        return crossProtocol.get();
    }

    void resubscribed() {
        resubscriptions.incrementAndGet();
    }

    /** Subscribed clients moved to a new connection and confirmed there (after a failover or a restart). */
    @Override
    public long resubscriptions() {
        return resubscriptions.get();
    }

    void redirected(boolean ask) {
        (ask ? asked : moved).incrementAndGet();
    }

    /** Cluster mode: requests the proxy followed to another node after a MOVED reply. */
    @Override
    public long movedRedirections() {
        return moved.get();
    }

    /** Cluster mode: requests the proxy sent to another node with ASKING after an ASK reply. */
    @Override
    public long askRedirections() {
        return asked.get();
    }

    @Override
    public int connectedClients() {
        return clients.get();
    }

    @Override
    public long acceptedClients() {
        return clientsAccepted.get();
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    @Override
    public long rejectedClients() {
        return clientsRejected.get();
    }

    /** Requests accepted from clients whose replies have not been written yet, over all clients. */
    @Override
    public int pendingReplies() {
        int n = 0;
        for (ClientSession s : sessions) {
            n += s.pendingReplies();
        }
        return n;
    }

    /** Clients in pub/sub mode; the flag is read from another thread, at scrape time (a gauge). */
    @Override
    public int subscribedClients() {
        int n = 0;
        for (ClientSession s : sessions) {
            if (s.state().passthrough()) {
                n++;
            }
        }
        return n;
    }

    public Set<ClientSession> sessions() {
        return sessions;
    }

    public long startedAtMillis() {
        return startedAtMillis;
    }
}
