package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.resp.Replies;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client-side caching over shared connections. Redis tracks the keys read on a connection, so the proxy's tracking
 * clients read through connections of their own lanes, which turn tracking on with {@code REDIRECT} to this loop's
 * invalidation link for the node: one RESP3 connection per node that receives every invalidation push. The link hands
 * the invalidated keys to the loop's {@link Sink} (the tracking table, which knows which client read what). When a
 * link is lost the sink is told that everything is invalid, and the node's tracking connections are closed (their
 * invalidations would have gone nowhere); new ones come with a new link.
 */
public final class InvalidationLinks {
    private static final Logger log = LoggerFactory.getLogger(InvalidationLinks.class);

    /** Where invalidations go. Runs on the loop. */
    public interface Sink {
        /** {@code node} invalidated {@code keys}; null: every key (FLUSHALL, a lost link, the proxy cannot be sure). */
        void invalidated(HostPort node, List<byte[]> keys);
    }

    private final LoopBackends loop;
    private final Map<HostPort, Link> links = new HashMap<>();
    private Sink sink = (node, keys) -> { };
    /** Some client of this loop tracks in BCAST mode: every link also gets the node's every key change. */
    private boolean bcast;

    InvalidationLinks(LoopBackends loop) {
        this.loop = loop;
    }

    public Sink sink() {
        return sink;
    }

    public void sink(Sink s) {
        sink = s;
    }

    /**
     * Runs {@code ready} with the link's Redis client id once the link to {@code node} has one (at once when it has);
     * with -1 when the link cannot be opened.
     */
    void whenReady(HostPort node, LongConsumer ready) {
        Link l = link(node);
        if (l.id >= 0) {
            ready.accept(l.id);
        } else {
            l.waiting.add(ready);
        }
    }

    /**
     * A client of this loop tracks in BCAST mode: from now on every link asks its node for all key changes
     * ({@code CLIENT TRACKING ON BCAST} on the link itself), which the sink filters by each client's prefixes.
     * {@code done} runs once the links to {@code nodes} (opened as needed) all confirmed it, with null, or with what
     * went wrong: the client's {@code +OK} waits for it, so that no write after it goes unseen.
     */
    public void bcast(Collection<HostPort> nodes, Consumer<String> done) {
        bcast = true;
        int[] left = {nodes.size()};
        String[] failure = {null};
        if (nodes.isEmpty()) {
            done.accept("no master is known");
            return;
        }
        for (HostPort node : nodes) {
            link(node).enableBcast(err -> {
                if (err != null) {
                    failure[0] = err;
                }
                if (--left[0] == 0) {
                    done.accept(failure[0]);
                }
            });
        }
    }

    /**
     * A connection of a tracking lane closed: the keys read through it are no longer tracked by Redis, so their
     * readers flush: every tracking client of the loop for a shared connection (many clients read through it), the
     * owner alone for a private one.
     */
    void trackingConnectionClosed(BackendConnection c, ReplyOwner privateOwner, boolean wasConnected) {
        if (privateOwner != null) {
            loop.pool(c.node()).forgetPrivateTracking(c);
            if (wasConnected) {
                privateOwner.trackingLost();
            }
        } else if (wasConnected) {
            sink.invalidated(c.node(), null);
        }
    }

    /**
     * The link to {@code node}, opened if there is none. Opening asks no breaker, so it always gives a connection; if
     * that connection fails, the link's loss tells whoever waits on it.
     */
    private Link link(HostPort node) {
        Link l = links.get(node);
        if (l == null) {
            l = new Link(node);
            links.put(node, l);
            l.open();
        }
        return l;
    }

    /** Drops every link (the master moved: they belong to the old topology); the sink was told by its owner. */
    public void closeAll() {
        for (Link l : new ArrayList<>(links.values())) {
            l.conn.close();
        }
    }

    /** One node's invalidation connection (RESP3, in pass-through mode: everything it receives is a push). */
    private final class Link implements ReplyOwner {
        final HostPort node;
        BackendConnection conn;
        long id = -1;
        boolean bcastSent;
        boolean bcastConfirmed;
        final List<LongConsumer> waiting = new ArrayList<>();
        final List<Consumer<String>> bcastWaiters = new ArrayList<>();
        /** What waits for the replies to the link's own commands, in order (pushes are no replies). */
        final ArrayDeque<Consumer<String>> replyWaiters = new ArrayDeque<>();

        Link(HostPort node) {
            this.node = node;
        }

        void open() {
            conn = loop.pool(node).openLink(this);
            conn.setPassthrough(true);
        }

        void enableBcast(Consumer<String> done) {
            if (bcastConfirmed) {
                done.accept(null);
                return;
            }
            bcastWaiters.add(done);
            sendBcast();
        }

        private void sendBcast() {
            if (bcastSent || id < 0) {
                return; // sent once the link has its id
            }
            bcastSent = true;
            replyWaiters.add(err -> {
                bcastConfirmed = err == null;
                bcastSent = err == null; // refused (an ACL, say): the next BCAST client asks again
                List<Consumer<String>> w = new ArrayList<>(bcastWaiters);
                bcastWaiters.clear();
                w.forEach(c -> c.accept(err));
            });
            conn.sendPassthrough(Replies.command(ByteBufAllocator.DEFAULT, "CLIENT", "TRACKING", "ON", "BCAST"), -1);
        }

        @Override
        public void connectionId(BackendConnection c, long redisId) {
            id = redisId;
            if (bcast) {
                sendBcast();
            }
            for (LongConsumer w : waiting) {
                w.accept(redisId);
            }
            waiting.clear();
        }

        @Override
        public void passthrough(ByteBuf f) {
            try {
                if (f.getByte(f.readerIndex()) == '>') {
                    List<byte[]> keys = Invalidation.keys(f);
                    if (keys != Invalidation.NOT_INVALIDATION) {
                        sink.invalidated(node, keys);
                    }
                } else {
                    String err = f.getByte(f.readerIndex()) == '-' ? f.toString(StandardCharsets.UTF_8).trim() : null;
                    if (err != null) {
                        log.warn("invalidation link to {}: {}", node, err);
                    }
                    Consumer<String> w = replyWaiters.poll();
                    if (w != null) {
                        w.accept(err == null ? null : node + " answered " + err);
                    }
                }
            } finally {
                f.release();
            }
        }

        @Override
        public void privateConnectionLost(BackendConnection c) {
            if (links.get(node) == this) {
                links.remove(node);
            }
            for (LongConsumer w : waiting) {
                w.accept(-1);
            }
            waiting.clear();
            String lost = "the invalidation connection to " + node + " was lost";
            for (Consumer<String> w : replyWaiters) {
                w.accept(lost);
            }
            replyWaiters.clear();
            for (Consumer<String> w : bcastWaiters) {
                w.accept(lost);
            }
            bcastWaiters.clear();
            sink.invalidated(node, null); // what it would have said is lost: every tracking client flushes
            loop.pool(node).closeTracking("the invalidation connection to " + node + " was lost");
        }

        @Override
        public void replyReady(InFlight e) {
            e.discard();
        }

        @Override
        public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
            e.discard();
        }

        @Override
        public void redirect(InFlight e, HostPort target, boolean ask) {
            e.discard();
        }

        @Override
        public boolean isActive() {
            return true;
        }
    }
}
