package io.redissidecar.proxy.tracking;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.InvalidationLinks;
import io.redissidecar.proxy.backend.LoopBackends;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One event loop's view of client-side caching: which of its clients read which key (default mode), which track in
 * BCAST mode, and who gets what when Redis invalidates keys. Redis tracks the proxy's tracking connections as a whole;
 * this table narrows each invalidation down to the clients that read the key, as Redis does per connection.
 *
 * <p>Bounded like Redis's {@code tracking-table-max-keys}: past {@code maxKeys} keys, the oldest key is invalidated
 * for its readers and forgotten, so the table never grows without bound (those clients just read the key again).
 */
public final class TrackingTable implements InvalidationLinks.Sink {

    /** A client that tracks keys (the session side). Runs on the loop. */
    public interface Tracker {
        /** Redis invalidated {@code keys} that this client read or matches; null: every key. */
        void invalidate(List<byte[]> keys);

        /** Whether requests of this client are in flight (a read of a key may run after that key's invalidation). */
        boolean readsInFlight();
    }

    private final LoopBackends loop;
    private final int maxKeys;
    /** The nodes whose key changes BCAST clients need (the master, or every master in cluster mode). */
    private final Supplier<Collection<HostPort>> nodes;
    /** key (ISO-8859-1) -> the trackers that read it since its last invalidation, oldest key first. */
    private final LinkedHashMap<String, Set<Tracker>> readers = new LinkedHashMap<>();
    private final Set<Tracker> trackers = new LinkedHashSet<>();
    private final Map<Tracker, List<byte[]>> bcast = new HashMap<>();
    private long evictions;
    private int departed;
    private boolean flushQueued;

    private TrackingTable(LoopBackends loop, int maxKeys, Supplier<Collection<HostPort>> nodes) {
        this.nodes = nodes;
        this.loop = loop;
        this.maxKeys = maxKeys;
        loop.addMasterListener(this::masterChanged);
    }

    /** The table of {@code loop}, created with its first tracking client. */
    public static TrackingTable of(LoopBackends loop, int maxKeys, Supplier<Collection<HostPort>> nodes) {
        InvalidationLinks links = loop.invalidationLinks();
        if (links.sink() instanceof TrackingTable t) {
            return t;
        }
        TrackingTable t = new TrackingTable(loop, maxKeys, nodes);
        links.sink(t);
        return t;
    }

    /** {@code t} turned tracking on ({@code prefixes} non-null: BCAST mode with those prefixes, see {@link #bcast}). */
    public void track(Tracker t, List<byte[]> prefixes) {
        trackers.add(t);
        if (prefixes != null) {
            bcast.put(t, prefixes);
        } else {
            bcast.remove(t);
        }
    }

    /** BCAST needs the links to {@code nodes} to get every key change: {@code done} as in InvalidationLinks#bcast. */
    public void bcast(Collection<HostPort> nodes, Consumer<String> done) {
        loop.invalidationLinks().bcast(nodes, done);
    }

    /**
     * {@code t} turned tracking off or left: it gets nothing more. Its entries go with the keys' next invalidation,
     * or with a sweep of the table once as many clients left as are tracking (so that clients that come and go
     * cannot make it hold what is left of them without bound).
     */
    public void untrack(Tracker t) {
        trackers.remove(t);
        bcast.remove(t);
        if (++departed > Math.max(1000, trackers.size())) {
            departed = 0;
            readers.values().removeIf(set -> {
                set.retainAll(trackers);
                return set.isEmpty();
            });
        }
    }

    /** {@code t} read {@code key} on a tracking connection. */
    public void read(Tracker t, byte[] key) {
        String k = new String(key, StandardCharsets.ISO_8859_1);
        Set<Tracker> set = readers.get(k);
        if (set == null) {
            set = new LinkedHashSet<>(2);
            readers.put(k, set);
            if (readers.size() > maxKeys) {
                evictOldest();
            }
        }
        set.add(t);
    }

    private void evictOldest() {
        Iterator<Map.Entry<String, Set<Tracker>>> it = readers.entrySet().iterator();
        Map.Entry<String, Set<Tracker>> oldest = it.next();
        it.remove();
        evictions++;
        List<byte[]> keys = List.of(oldest.getKey().getBytes(StandardCharsets.ISO_8859_1));
        for (Tracker r : oldest.getValue()) {
            if (trackers.contains(r)) {
                r.invalidate(keys);
            }
        }
    }

    @Override
    public void invalidated(HostPort node, List<byte[]> keys) {
        if (keys == null) {
            // Redis sends one null per tracking connection: the ones of one burst make one flush per client
            if (!flushQueued) {
                flushQueued = true;
                loop.eventLoop().execute(() -> {
                    flushQueued = false;
                    flushAll();
                });
            }
            return;
        }
        Map<Tracker, List<byte[]>> out = new LinkedHashMap<>();
        for (byte[] key : keys) {
            String k = new String(key, StandardCharsets.ISO_8859_1);
            Set<Tracker> set = readers.remove(k);
            if (set != null) {
                Set<Tracker> still = null;
                for (Tracker r : set) {
                    if (trackers.contains(r)) {
                        out.computeIfAbsent(r, x -> new ArrayList<>()).add(key);
                        if (r.readsInFlight()) {
                            // its read of the key may run after this write, and Redis then tracks the key again for
                            // the connection: the reader stays, so that the next invalidation reaches it too
                            if (still == null) {
                                still = new LinkedHashSet<>(2);
                            }
                            still.add(r);
                        }
                    }
                }
                if (still != null) {
                    readers.put(k, still);
                }
            }
            for (Map.Entry<Tracker, List<byte[]>> b : bcast.entrySet()) {
                if (matches(key, b.getValue()) && !(set != null && set.contains(b.getKey()))) {
                    out.computeIfAbsent(b.getKey(), x -> new ArrayList<>()).add(key);
                }
            }
        }
        out.forEach(Tracker::invalidate);
    }

    /** Every tracking client of this loop forgets everything (Redis flushed, or the proxy cannot be sure any more). */
    public void flushAll() {
        // a reader with requests in flight keeps its keys: a read may run after the flush and be tracked again
        readers.values().removeIf(set -> {
            set.removeIf(r -> !r.readsInFlight());
            return set.isEmpty();
        });
        for (Tracker t : new ArrayList<>(trackers)) {
            t.invalidate(null);
        }
    }

    private void masterChanged() {
        flushAll(); // a failover: what the old master's links knew is gone
        loop.invalidationLinks().closeAll();
        if (!bcast.isEmpty()) {
            // the new master's links get every key change again (until they do, a write may go unseen: see README)
            loop.invalidationLinks().bcast(nodes.get(), err -> { });
        }
    }

    private static boolean matches(byte[] key, List<byte[]> prefixes) {
        for (byte[] p : prefixes) {
            if (TrackingState.startsWith(key, p)) {
                return true;
            }
        }
        return false;
    }

    /** Keys remembered now (for metrics and tests). */
    public int keys() {
        return readers.size();
    }

    /** Keys forgotten because the table was full. */
    public long evictions() {
        return evictions;
    }
}
