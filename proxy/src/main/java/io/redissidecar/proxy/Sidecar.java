package io.redissidecar.proxy;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import io.redissidecar.config.Durability;
import io.redissidecar.config.HostPort;
import io.redissidecar.config.Mode;
import io.redissidecar.config.Options;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.admin.AdminLimits;
import io.redissidecar.proxy.admin.AdminServer;
import io.redissidecar.proxy.backend.BackendSettings;
import io.redissidecar.proxy.backend.LoopBackends;
import io.redissidecar.proxy.commands.BackendCommands;
import io.redissidecar.proxy.acl.AclUsers;
import io.redissidecar.proxy.acl.ScriptReach;
import io.redissidecar.topology.BackendUser;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.logging.Logging;
import io.redissidecar.proxy.metrics.InfoSection;
import io.redissidecar.proxy.metrics.MetricsRegistry;
import io.redissidecar.proxy.reload.ConfigReloader;
import io.redissidecar.proxy.server.ClientListeners;
import io.redissidecar.proxy.server.Transport;
import io.redissidecar.proxy.session.ClientSession;
import io.redissidecar.proxy.session.ProxyContext;
import io.redissidecar.proxy.tls.Reach;
import io.redissidecar.proxy.tls.TlsContexts;
import io.redissidecar.topology.ClusterTopologyMonitor;
import io.redissidecar.topology.NodeBreakers;
import io.redissidecar.topology.SentinelTopologyMonitor;
import io.redissidecar.topology.SlotMap;
import io.redissidecar.topology.StaticTopologyMonitor;
import io.redissidecar.topology.Topology;
import io.redissidecar.topology.TopologyMonitor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires one proxy instance together: control plane, event loops, client listener, admin endpoint. */
public final class Sidecar implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

    static {
        // the control plane's Lettuce stays on epoll; io_uring on the class path (--transport) would make it warn
        if (System.getProperty("io.lettuce.core.iouring") == null) {
            System.setProperty("io.lettuce.core.iouring", "false");
        }
    }

    private volatile SidecarConfig config;
    private final Transport transport;
    private TopologyMonitor monitor;
    private MetricsRegistry metrics;
    private ConfigReloader reloader;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private ClientListeners listeners;
    /** TLS of the client port and towards the nodes, and the credentials towards the nodes and Sentinels. */
    private Reach reach;
    private AdminServer admin;
    private ProxyContext px;
    private final Map<EventLoop, LoopBackends> loops = new IdentityHashMap<>();
    private volatile boolean listening;

    public Sidecar(SidecarConfig config) {
        this.transport = Transport.named(Boolean.getBoolean("redissidecar.nio") ? "nio" : config.transport(),
                System.getProperty("redissidecar.iouring", ""));
        this.config = config;
    }

    /**
     * The command table: the built-in one, plus the commands the master knows and it does not (read from every new
     * master's {@code COMMAND}), with {@code c}'s deny list. Unknown to both, a command is answered as unknown.
     */
    private CommandTable commandTable(SidecarConfig c) {
        return CommandTable.load(c.denyCommands(), BackendCommands.rows(monitor.topology().backendCommands()),
                Set.of());
    }

    /** Starts everything and returns once clients can connect. */
    public Sidecar start() throws Exception {
        AdminServer.Switchover switchover = () -> {
            if (monitor instanceof SentinelTopologyMonitor s) {
                return s.switchover(Duration.ofMillis(Math.max(1000, config.failoverHoldMs())));
            }
            throw new IllegalStateException("a switchover needs --mode sentinel");
        };
        // first, so that an unreadable --admin-token-file stops the start before anything runs
        admin = new AdminServer(config.admin(), AdminLimits.DEFAULT, tokenFile(config), this::isReady,
                this::readyDetail, switchover, accept -> metrics.scrape(accept));
        CommandTable commands = CommandTable.load(config.denyCommands());
        Duration interval = Duration.ofMillis(config.healthIntervalMs());
        Duration timeout = Duration.ofMillis(config.connectTimeoutMs());
        reach = Reach.of(config);
        monitor = switch (config.mode()) {
            case SENTINEL -> new SentinelTopologyMonitor(config.sentinels(), config.masterName(), reach.sentinels(),
                    reach.nodes(), interval, timeout, config.healthRise(), config.healthFall());
            case CLUSTER -> new ClusterTopologyMonitor(config.clusterSeeds(), reach.nodes(),
                    Duration.ofMillis(config.topologyRefreshMs()), timeout, config.healthRise(), config.healthFall());
            case STATIC -> new StaticTopologyMonitor(config.backends(), reach.nodes(), interval, timeout,
                    config.healthRise(), config.healthFall());
        };
        monitor.start();
        Topology topology = monitor.topology();
        metrics = new MetricsRegistry(config.metricsEnabled());
        px = new ProxyContext(config, commands, topology, metrics.proxy());
        topology.onServerFacts(() -> {
            px.commands(commandTable(this.config));
            warnOfScripts();
        });
        px.users(users(config, commands));
        px.commands(commandTable(config)); // the master's commands may have been read already
        warnOfScripts();
        NodeBreakers breakers = new NodeBreakers(Duration.ofMillis(500));
        metrics.bind(px, topology, breakers);
        metrics.tls(reach.tlsSides());
        px.infoSection(() -> InfoSection.of(config, px, px.topology(), px.startedAtMillis(), metrics.masterChanges(),
                breakers));

        boss = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        workers = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), transport.ioHandlerFactory());
        WriteBufferWaterMark marks = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);
        Bootstrap backendBootstrap = new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, config.connectTimeoutMs())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, marks);
        transport.connectionOptions().forEach((o, v) -> backendBootstrap.option(Transport.option(o), v));
        BackendSettings settings = new BackendSettings(reach.nodes(), reach.backendTls(),
                config.backendConnections(), config.durability() == Durability.REPLICATED ? config.minReplicas() : 0,
                config.replicationTimeoutMs(), breakers, config.backendTimeoutMs(),
                config.mode() == Mode.CLUSTER && config.readFrom().fromReplicas(), metrics.proxy(),
                metrics.backendConnections());
        for (EventExecutor e : workers) {
            EventLoop loop = (EventLoop) e;
            loops.put(loop, new LoopBackends(loop, backendBootstrap, settings, node -> monitor.requestCheck(),
                    topology::writesPaused));
        }
        topology.onMasterChange(m -> loops.forEach((loop, lb) -> loop.execute(lb::masterChanged)));

        listeners = ClientListeners.bind(boss, workers, transport, marks, px, loops, config.clientIdleTimeoutMs(),
                config.listen(), config.listenPlain(), config.tlsPort(), reach.clientTls());
        listening = true;

        admin.start();
        log.info("ready listen={} mode={} tls={} admin={} transport={} backends={} master={}",
                listeners.plainAddress() == null ? "off" : listeners.plainAddress(), config.mode().spelling(),
                listeners.tlsAddress() == null ? "off" : listeners.tlsAddress() + " (" + TlsContexts.provider() + ")",
                config.admin().host() + ":" + admin.port(), transport.name(),
                switch (config.mode()) {
                    case SENTINEL -> config.sentinels() + " " + config.masterName();
                    case CLUSTER -> config.clusterSeeds() + " " + topology.slots();
                    case STATIC -> config.backends().toString();
                }, topology.master());
        return this;
    }

    /**
     * The ACL users of {@code c} ({@code users}, {@code --aclfile} read now, {@code --client-password} for a default
     * user no line names); throws {@link io.redissidecar.proxy.acl.AclException} when they do not parse.
     */
    private static AclUsers users(SidecarConfig c, CommandTable table) {
        AclUsers u = AclUsers.load(c.users(), c.aclFile(), c.clientPassword(), table);
        if (u.defaultFromLine() && c.clientPassword() != null) {
            log.warn("a 'default' user line is configured: it wins over --client-password, which is not used");
        }
        return u;
    }

    /**
     * Logs a warning for each proxy user whose scripts could run, as the backend user, commands the proxy denies to
     * it, or touch keys outside its patterns (see {@link ScriptReach}); at start, on a new master, after a reload.
     */
    private void warnOfScripts() {
        BackendUser b = monitor.topology().backendUser();
        if (b == null) {
            return; // not read yet, or refused (logged by the checker)
        }
        try {
            for (String w : ScriptReach.warnings(px.users(), b.name(), b.commands(), b.allKeys(), px.commands())) {
                log.warn(w);
            }
        } catch (RuntimeException e) {
            log.info("could not compare the backend user's permissions ({}) with the proxy's users: {}",
                    b.commands(), e.getMessage());
        }
    }

    /** Options a reload cannot change: they shape sockets, threads or connections made at start. */
    private static final Set<String> RESTART_ONLY = Set.of(Options.LISTEN, Options.ADMIN,
            Options.MODE, Options.EVENT_LOOP_THREADS, Options.TRANSPORT, Options.BACKEND_CONNECTIONS,
            Options.DURABILITY,
            Options.MIN_REPLICAS, Options.REPLICATION_TIMEOUT_MS, Options.LISTEN_PLAIN, Options.TLS_PORT,
            Options.BACKEND_TLS, Options.BACKEND_TLS_CA_CERT_FILE, Options.BACKEND_TLS_CERT_FILE,
            Options.BACKEND_TLS_KEY_FILE, Options.BACKEND_TLS_VERIFY_HOSTNAME, Options.CONNECT_TIMEOUT_MS, Options.BACKEND_TIMEOUT_MS,
            Options.HEALTH_INTERVAL_MS, Options.HEALTH_RISE, Options.HEALTH_FALL, Options.TOPOLOGY_REFRESH_MS,
            Options.METRICS, Options.CONFIG, Options.CLIENT_IDLE_TIMEOUT_MS, Options.SHUTDOWN_TIMEOUT_MS);

    /**
     * Applies a reloaded configuration: limits, read policy, deny list, hold time and client password take effect
     * for every client's next request; the backends (static), Sentinels and master name (sentinel) or cluster seeds
     * (cluster) are handed to the topology monitor. Options in {@link #RESTART_ONLY} keep their running values (a
     * warning names them). Client connections stay open.
     */
    public synchronized String applyConfig(SidecarConfig next) {
        Set<String> restart = new TreeSet<>(RESTART_ONLY);
        if (config.mode() == Mode.CLUSTER) {
            restart.add(Options.READ_FROM); // cluster replica connections are opened with READONLY at start
        }
        SidecarConfig old = config;
        Set<String> changed = next.changedFrom(old);
        Set<String> ignored = new TreeSet<>(changed);
        ignored.retainAll(restart);
        if (!ignored.isEmpty()) {
            log.warn("config reload: {} changed but need a restart; their running values stay", ignored);
        }
        SidecarConfig effective = next.keeping(old, restart);
        changed.removeAll(restart);
        // read before anything changes: users that do not parse reject the whole reload (the ACL file is read again
        // on every reload, whether the options changed or not)
        CommandTable table = changed.contains(Options.DENY_COMMANDS) ? commandTable(effective) : px.commands();
        AclUsers users = users(effective, table);
        if (changed.contains(Options.DENY_COMMANDS)) {
            px.commands(table);
        }
        px.users(users);
        warnOfScripts();
        switch (effective.mode()) {
            case SENTINEL -> {
                if (changed.contains(Options.SENTINELS) || changed.contains(Options.MASTER_NAME)) {
                    monitor.reconfigure(effective.sentinels(), effective.masterName());
                }
            }
            case CLUSTER -> {
                if (changed.contains(Options.CLUSTER_SEEDS)) {
                    monitor.reconfigure(effective.clusterSeeds(), null);
                }
            }
            case STATIC -> {
                if (changed.contains(Options.BACKENDS)) {
                    monitor.reconfigure(effective.backends(), null);
                }
            }
        }
        if (reach.reload(effective)) {
            changed.add("tls certificates");
        }
        admin.tokenFile(tokenFile(effective)); // read again on every reload, changed or not
        if (changed.contains(Options.LOG_FORMAT) || changed.contains(Options.LOG_LEVEL)) {
            Logging.configure(effective.logFormat(), effective.logLevel());
        }
        px.config(effective);
        config = effective;
        return changed.isEmpty() ? "nothing changed" : "changed " + changed;
    }

    private static Path tokenFile(SidecarConfig c) {
        return c.adminTokenFile() == null ? null : Path.of(c.adminTokenFile());
    }

    /**
     * Turns on hot reload: {@code loader} loads the configuration again from its sources; the {@code --config} file,
     * if any, is watched. Returns the reloader (SIGHUP calls its {@code reload}).
     */
    public ConfigReloader enableReload(Callable<SidecarConfig> loader) {
        reloader = new ConfigReloader(loader, new ConfigReloader.Target() {
            @Override
            public String apply(SidecarConfig c) {
                return applyConfig(c);
            }

            @Override
            public void reloaded(boolean applied) {
                metrics.reload(applied);
            }
        }, config, Sidecar::watchedFiles);
        return reloader;
    }

    /** The files whose change reloads the configuration: the config file, the password files, the certificates. */
    private static List<Path> watchedFiles(SidecarConfig c) {
        List<String> files = new ArrayList<>();
        if (c.configFile() != null) {
            files.add(c.configFile());
        }
        if (c.aclFile() != null) {
            files.add(c.aclFile());
        }
        files.addAll(c.secretFiles());
        files.addAll(c.tlsFiles());
        return files.stream().map(Path::of).toList();
    }

    public boolean isReady() {
        if (config.mode() == Mode.CLUSTER) {
            SlotMap slots = px.topology().slots();
            return listening && slots != null && slots.fullyCovered();
        }
        return listening && px.topology().master() != null && px.topology().masterUp();
    }

    private String readyDetail() {
        if (config.mode() == Mode.CLUSTER) {
            SlotMap slots = px.topology().slots();
            return "listening=" + listening + " slotsCovered=" + (slots == null ? 0 : slots.covered()) + "/"
                    + SlotMap.SLOTS + " masters=" + (slots == null ? "[]" : slots.masters());
        }
        return "listening=" + listening + " master=" + px.topology().master() + " masterUp=" + px.topology()
                .masterUp();
    }

    /** The plain address clients connect to (with the real port when 0 was asked for), or null when off. */
    public HostPort listenAddress() {
        return listeners.plainAddress();
    }

    /** The TLS address clients connect to, or null when off. */
    public HostPort tlsAddress() {
        return listeners.tlsAddress();
    }

    public int adminPort() {
        return admin.port();
    }

    /** The event-loop transport in use (io_uring, with any set-up as {@code io_uring+...}; epoll; nio). */
    public String transportName() {
        return transport.name();
    }

    public ProxyContext context() {
        return px;
    }

    /**
     * Graceful stop: stop accepting, let replies in flight drain for up to {@code drainTimeout}, then close.
     */
    public void shutdown(Duration drainTimeout) {
        listening = false;
        if (listeners != null) {
            listeners.close();
        }
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (px != null && System.nanoTime() < deadline && pendingReplies() > 0) {
            try {
                TimeUnit.MILLISECONDS.sleep(10); // drain poll in production code, not a test synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
    }

    private int pendingReplies() {
        int n = 0;
        for (ClientSession s : px.sessions()) {
            try {
                n += s.eventLoop().submit(s::pendingReplies).get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                return n;
            }
        }
        return n;
    }

    @Override
    public void close() {
        listening = false;
        if (reloader != null) {
            reloader.close();
        }
        if (listeners != null) {
            listeners.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (workers != null) {
            for (Map.Entry<EventLoop, LoopBackends> e : loops.entrySet()) {
                e.getKey().execute(e.getValue()::closeAll);
            }
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (monitor != null) {
            monitor.close();
        }
    }
}
