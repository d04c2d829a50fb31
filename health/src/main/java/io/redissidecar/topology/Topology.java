package io.redissidecar.topology;

import io.redissidecar.config.HostPort;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The one source of truth about the backends that the data plane reads: the current master and each node's
 * state. Written only by the control plane; read without locks (volatile snapshots) on the hot path.
 */
public final class Topology {
    private volatile HostPort master;
    private volatile Map<HostPort, NodeState> nodes = Map.of();
    private volatile String redisVersion = "unknown";
    private volatile int databases = 16;
    private volatile boolean factsKnown;
    /** The master's {@code COMMAND} reply (Lettuce's parse: nested lists), empty until read or when refused. */
    private volatile List<Object> backendCommands = List.of();
    private final List<Runnable> factsListeners = new CopyOnWriteArrayList<>();
    private volatile BackendUser backendUser;
    private volatile HostPort writesPaused;
    private volatile SlotMap slots;
    private final List<Consumer<HostPort>> masterListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong updates = new AtomicLong();

    /** Topology checks published so far (health-check rounds, slot-map refreshes). */
    public long updates() {
        return updates.get();
    }

    /** The node writes go to, or null while none is known. */
    public HostPort master() {
        return master;
    }

    public Map<HostPort, NodeState> nodes() {
        return nodes;
    }

    /** The master's {@code redis_version}, for HELLO and INFO answered by the proxy. */
    public String redisVersion() {
        return redisVersion;
    }

    /** The backends' {@code databases} setting: the range SELECT accepts. */
    public int databases() {
        return databases;
    }

    public boolean masterUp() {
        HostPort m = master;
        NodeState s = m == null ? null : nodes.get(m);
        return s != null && s.up();
    }

    /**
     * The old master during a planned switchover, once its writes are paused (CLIENT PAUSE WRITE): a command that got
     * no reply from it before its connection closed did not run (it was held by the pause), so it may be sent again.
     */
    public HostPort writesPaused() {
        return writesPaused;
    }

    void writesPaused(HostPort node) {
        writesPaused = node;
    }

    /** Why no master is known, node by node, for the error clients get meanwhile. */
    public String whyNoMaster() {
        StringBuilder sb = new StringBuilder();
        for (NodeState n : nodes.values()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(n.node()).append(' ').append(n.up() ? "role " + n.role() : "down: " + n.error());
        }
        return sb.length() == 0 ? "not checked yet" : sb.toString();
    }

    /** Called (on the control-plane thread) whenever the master changes, with the new one (null: none known). */
    public void onMasterChange(Consumer<HostPort> listener) {
        masterListeners.add(listener);
    }

    /** No master until the next check says otherwise: a promotion has begun and the old master's writes would be lost. */
    synchronized void suspendMaster() {
        if (master != null) {
            master = null;
            masterListeners.forEach(l -> l.accept(null));
        }
    }

    synchronized void update(Map<HostPort, NodeState> newNodes, HostPort newMaster) {
        updates.incrementAndGet();
        nodes = Map.copyOf(newNodes);
        HostPort old = master;
        // keep the same instance while the master stays the same node: the data plane compares by identity
        HostPort m = newMaster != null && newMaster.equals(old) ? old : newMaster;
        master = m;
        if (m != old) {
            if (m != null) {
                factsKnown = false; // a new master (maybe another Redis version): its facts are read at its next check
            }
            masterListeners.forEach(l -> l.accept(m));
        }
    }

    /** Cluster mode: the owner of every hash slot (null in the other modes, and before the first refresh). */
    public SlotMap slots() {
        return slots;
    }

    /**
     * Publishes a new slot map and, as the "master" the data plane uses for keyless commands and pub/sub, the owner
     * of slot 0. Master listeners are told when any slot changes owner, so held requests go at once.
     */
    synchronized void updateSlots(Map<HostPort, NodeState> newNodes, SlotMap map) {
        updates.incrementAndGet();
        SlotMap old = slots;
        boolean moved = !map.sameOwners(old);
        nodes = Map.copyOf(newNodes);
        slots = map;
        HostPort m = map.owner(0);
        if (m != null && m.equals(master)) {
            m = master;
        }
        master = m;
        if (moved) {
            HostPort announced = m;
            masterListeners.forEach(l -> l.accept(announced));
        }
    }

    void serverFacts(String version, int dbs, List<Object> commands) {
        redisVersion = version;
        databases = dbs;
        backendCommands = commands;
        factsKnown = true;
        factsListeners.forEach(Runnable::run);
    }

    /**
     * The commands the master knows, as its {@code COMMAND} reply: the data plane merges them into its own table so
     * that a newer server's commands are routed by their key specs. Read from every new master.
     */
    public List<Object> backendCommands() {
        return backendCommands;
    }

    void backendUser(BackendUser u) {
        backendUser = u;
    }

    /** The proxy's backend user on the master, as ACL GETUSER gave it; null when unknown or refused. */
    public BackendUser backendUser() {
        return backendUser;
    }

    /** Runs {@code l} (on the control plane's thread) each time the master's facts have been read. */
    public void onServerFacts(Runnable l) {
        factsListeners.add(l);
    }

    boolean factsKnown() {
        return factsKnown;
    }

    /** A fixed topology, for tests and tools that need no health checks. */
    public static Topology fixed(HostPort master, String version, int databases) {
        Topology t = new Topology();
        t.serverFacts(version, databases, List.of());
        t.update(Map.of(master, new NodeState(master, true, "master", System.currentTimeMillis(), 0, null)), master);
        return t;
    }
}
