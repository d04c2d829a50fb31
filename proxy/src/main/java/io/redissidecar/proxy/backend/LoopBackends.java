package io.redissidecar.proxy.backend;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.EventLoop;
import io.redissidecar.config.HostPort;
import io.redissidecar.topology.SlotMap;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Everything one event loop uses to reach the backends: its pools (one per node) and its flush batch. Clients on
 * this loop only use these, so a client and its backend connections share a thread and nothing here is locked.
 */
public final class LoopBackends {
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final BackendSettings settings;
    private final FlushBatch flushBatch;
    private final Map<HostPort, BackendPool> pools = new HashMap<>();
    private final Consumer<HostPort> failureListener;
    private final Supplier<HostPort> writesPaused;
    private final ArrayList<Runnable> masterWaiters = new ArrayList<>();
    private final Set<Runnable> masterListeners = new LinkedHashSet<>();
    private final Function<HostPort, ? extends SocketAddress> addressOf;
    private InvalidationLinks invalidationLinks;

    /** {@code bootstrap} is configured (channel class, options) but has no group or handler yet. */
    public LoopBackends(EventLoop loop, Bootstrap bootstrap, BackendSettings settings,
                        Consumer<HostPort> failureListener,
                        Supplier<HostPort> writesPaused) {
        this(loop, bootstrap, settings, failureListener, writesPaused,
                node -> InetSocketAddress.createUnresolved(node.host(), node.port()));
    }

    /**
     * As above, with {@code addressOf} giving the address a backend connection to a node connects to (the default is
     * the node's host and port, resolved by the bootstrap; tests route nodes to in-process addresses).
     */
    public LoopBackends(EventLoop loop, Bootstrap bootstrap, BackendSettings settings,
                        Consumer<HostPort> failureListener,
                        Supplier<HostPort> writesPaused,
                        Function<HostPort, ? extends SocketAddress> addressOf) {
        this.addressOf = addressOf;
        this.writesPaused = writesPaused;
        this.loop = loop;
        this.failureListener = failureListener;
        this.bootstrap = bootstrap.clone().group(loop);
        this.settings = settings;
        this.flushBatch = new FlushBatch(loop);
        int timeoutMs = settings.backendTimeoutMs();
        if (timeoutMs > 0) {
            long period = Math.max(10, Math.min(500, timeoutMs / 4));
            long timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            loop.scheduleAtFixedRate(() -> {
                long now = System.nanoTime();
                for (BackendPool p : pools.values()) {
                    p.checkStalled(now, timeoutNanos);
                }
            }, period, period, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * When this loop last read replies from a backend (metrics only): replies delivered by that read take it as
     * their completion time, so that the request path reads the clock once per backend read, not once per reply.
     */
    public long replyReadNanos;

    /** Pools of this loop whose node was found busy running a script (see {@link BusyProbe}). */
    private int busyPools;

    void busyChanged(boolean busy) {
        busyPools = Math.max(0, busyPools + (busy ? 1 : -1));
    }

    /** Whether some node of this loop is busy: then requests check their node ({@link BackendPool#busy()}). */
    public boolean anyBusy() {
        return busyPools > 0;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    public FlushBatch flushBatch() {
        return flushBatch;
    }

    /** A client whose ready replies are written together once the backend read that completed them ends. */
    public interface Drainable {
        void drain();
    }

    private int reading;
    private final ArrayList<Drainable> toDrain = new ArrayList<>();

    /**
     * During a backend read, queues {@code d} to drain when the read ends and returns true: the replies one read
     * completes for a client (16 of them at pipeline 16) then leave as one slice, not one buffer each. Outside a
     * read, returns false: the caller drains at once. The caller keeps a flag so that it is queued once.
     */
    public boolean deferDrain(Drainable d) {
        if (reading == 0) {
            return false;
        }
        toDrain.add(d);
        return true;
    }

    void beginRead() {
        reading++;
    }

    void endRead() {
        if (--reading > 0) {
            return;
        }
        // removed before it runs: if a drain throws, the rest are still drained at the end of the next read
        while (!toDrain.isEmpty()) {
            toDrain.remove(toDrain.size() - 1).drain();
        }
    }

    private SlotMap poolsOf;
    private BackendPool[] poolOfMaster;

    /**
     * Cluster mode: the pool of {@code map.masters().get(i)}. An array indexed like the slot map's masters, rebuilt
     * when the slot map changes, so that routing a request costs no map lookup.
     */
    public BackendPool masterPool(SlotMap map, int i) {
        if (map != poolsOf) {
            poolsOf = map;
            poolOfMaster = new BackendPool[map.masters().size()];
        }
        BackendPool p = poolOfMaster[i];
        if (p == null) {
            p = pool(map.masters().get(i));
            poolOfMaster[i] = p;
        }
        return p;
    }

    public BackendPool pool(HostPort node) {
        BackendPool p = pools.get(node);
        if (p == null) {
            p = new BackendPool(node, this, settings.sharedConnections());
            pools.put(node, p);
        }
        return p;
    }

    /** Whether {@code node} is an old master whose writes the proxy paused for a planned switchover. */
    boolean writesPaused(HostPort node) {
        HostPort p = writesPaused.get();
        return p != null && p.equals(node);
    }

    /** A connection to {@code node} failed or it refused a command as a non-master: ask for a topology check. */
    void backendFailed(HostPort node) {
        failureListener.accept(node);
    }

    /** Asks the control plane for a topology check soon (requests coalesce), e.g. after a slot moved. */
    public void requestTopologyCheck(HostPort node) {
        failureListener.accept(node);
    }

    /** Runs {@code l} at every master change until removed (clients with a private connection). */
    public void addMasterListener(Runnable l) {
        masterListeners.add(l);
    }

    public void removeMasterListener(Runnable l) {
        masterListeners.remove(l);
    }

    /** Runs {@code r} (once) when the master changes: clients waiting to retry go at once, not at their next tick. */
    public void onNextMasterChange(Runnable r) {
        masterWaiters.add(r);
    }

    /** Called on this loop when the topology's master changed. */
    public void masterChanged() {
        for (Runnable l : masterListeners) {
            l.run();
        }
        if (masterWaiters.isEmpty()) {
            return;
        }
        Runnable[] w = masterWaiters.toArray(new Runnable[0]);
        masterWaiters.clear();
        for (Runnable r : w) {
            r.run();
        }
    }

    /** This loop's invalidation links if a client ever tracked keys here; null otherwise (any thread, for metrics). */
    public InvalidationLinks invalidationLinksIfAny() {
        return invalidationLinks;
    }

    /** This loop's invalidation links (client-side caching), created when a client first tracks keys. */
    public InvalidationLinks invalidationLinks() {
        if (invalidationLinks == null) {
            invalidationLinks = new InvalidationLinks(this);
        }
        return invalidationLinks;
    }

    Bootstrap bootstrap() {
        return bootstrap;
    }

    /** The address a connection to {@code node} connects to. */
    SocketAddress address(HostPort node) {
        return addressOf.apply(node);
    }

    BackendSettings settings() {
        return settings;
    }

    /** Closes every shared connection of this loop (shutdown); call on the loop. */
    public void closeAll() {
        pools.values().forEach(BackendPool::closeAll);
    }
}
