package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.PrivateLink;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.Handling;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Pub/sub pass-through: a subscribed client's private connection is its own connection to Redis, and everything
 * Redis sends on it goes to the client as it comes. The proxy remembers what the client is subscribed to, so that
 * when that connection is lost (a failover, a restart, a shard channel's slot moving) it subscribes again on the new
 * master and hides the confirmations the client already had.
 */
final class Subscriptions {
    private static final byte[] SUNSUBSCRIBE_PUSH = "*3\r\n$12\r\nsunsubscribe\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ClientSession session;
    private final ProxyContext px;
    private final Set<String> channels = new LinkedHashSet<>();
    private final Set<String> patterns = new LinkedHashSet<>();
    private final Set<String> shardChannels = new LinkedHashSet<>();
    private boolean resubscribeNeeded;
    private long resubscribeDeadline;
    /** Confirmations of a re-subscription still to come, which the client must not see. */
    private int swallow;
    /** Sharded pub/sub: the node that dropped the client's shard channels because their slot moved away. */
    private HostPort shardMovedFrom;
    /** SUNSUBSCRIBE confirmations the client asked for and has not had yet: those are no server pushes. */
    private int sunsubscribesDue;
    /** Replies the proxy made while subscribed, each waiting for its marker's echo (see {@link #answerInOrder}). */
    private final ArrayDeque<Marker> markers = new ArrayDeque<>();
    private long markerSeq;
    /** A random part of every marker token, so that no client can forge a marker's echo. */
    private static final String NONCE = Long.toHexString(new SecureRandom().nextLong());

    /** A proxy-made reply and the two forms Redis may echo its marker {@code PING} in. */
    private record Marker(InFlight reply, byte[] plain, byte[] subscribed) {
    }

    Subscriptions(ClientSession session, ProxyContext px) {
        this.session = session;
        this.px = px;
    }

    /**
     * Sends a request of a subscribed client (or the SUBSCRIBE that makes it one) on its private connection, which
     * becomes the client's own; false when it must wait for the client's other requests (barrier).
     */
    boolean request(int consumed, CommandInfo cmd, RequestFramer req) {
        BackendConnection c = session.privateRoute.connection();
        if (c == null) {
            return session.answers.noMaster();
        }
        if (session.replies.inflight() > 0 && c != session.lastTarget) {
            session.pause(ClientSession.PAUSE_BARRIER);
            return false;
        }
        ConnectionState st = session.state;
        boolean entering = !st.passthrough;
        if (entering) {
            st.passthrough = true;
            c.setPassthrough(true);
        }
        session.flushRun();
        session.lastTarget = c;
        if (cmd != null && cmd.name().equals("monitor")) {
            session.state.monitoring = true; // Redis's feed of every command: not moved to a new master when lost
        } else if (cmd != null && cmd.handling() == Handling.PUBSUB) {
            track(cmd.name(), req);
        }
        px.metrics().request(session.counters, cmd, ProxyMetrics.OK); // Redis's replies are not matched to requests
        // the first request (before any subscription) carries the client's database; later, the client's own SELECTs
        // reach Redis on this connection
        c.sendPassthrough(req.retainedFrame(consumed), entering ? st.db : -1);
        if (cmd != null && cmd.name().equals("reset")) {
            st.awaitingReset = true; // nothing more is sent until Redis confirms, so replies stay in order
            session.pause(ClientSession.PAUSE_BARRIER);
        } else if (cmd != null && cmd.name().equals("quit")) {
            session.closing = true; // Redis answers +OK and closes; the client is closed with it
        }
        session.waitIfUnwritable(c);
        return true;
    }

    /**
     * A reply the proxy makes itself (a denied command, HELLO, AUTH) for a subscribed client: Redis's replies on the
     * pass-through connection are not matched to requests, so the proxy's reply would overtake the ones Redis still
     * owes. Instead a {@code PING <token>} goes to Redis in the request's place, and the proxy's reply takes the place
     * of its echo ({@code $n token}, or {@code *2 pong token} while subscribed).
     */
    void answerInOrder(InFlight reply) {
        BackendConnection c = session.privateRoute.connection();
        if (c == null) {
            session.answers.enqueue(reply);
            return;
        }
        if (markers.size() >= px.maxPending()) {
            reply.discard(); // a client that never lets Redis answer: no unbounded queue of markers
            session.answers.closeAfterReplies(Replies.error(session.alloc(), "ERR redis-sidecar: too many replies "
                    + "waiting for their turn on a subscribed connection"));
            return;
        }
        // a token the client cannot know: its echo is never shown to it
        String token = "redis-sidecar:" + NONCE + ":" + session.state.id + ":" + (++markerSeq);
        String bulk = "$" + token.length() + "\r\n" + token + "\r\n";
        markers.add(new Marker(reply, bulk.getBytes(StandardCharsets.US_ASCII),
                ("*2\r\n$4\r\npong\r\n" + bulk).getBytes(StandardCharsets.US_ASCII)));
        session.flushRun();
        c.sendPassthrough(Replies.command(session.alloc(), "PING", token), -1);
    }

    /** Whether {@code f} is the echo of the oldest marker; then the proxy's reply goes out in its place. */
    private boolean markerEcho(ByteBuf f) {
        Marker m = markers.peek();
        if (m == null || !(equals(f, m.plain()) || equals(f, m.subscribed()))) {
            return false;
        }
        markers.poll();
        f.release();
        session.answers.enqueue(m.reply());
        return true;
    }

    private static boolean equals(ByteBuf f, byte[] b) {
        return f.readableBytes() == b.length && ByteBufUtil.equals(f, f.readerIndex(), Unpooled.wrappedBuffer(b), 0,
                b.length);
    }

    /** The pass-through connection is gone: the replies waiting for their markers go out now. */
    private void flushMarkers() {
        for (Marker m; (m = markers.poll()) != null; ) {
            session.answers.enqueue(m.reply());
        }
    }

    /** The client is gone: the replies waiting for their markers are released. */
    void clientGone() {
        for (Marker m; (m = markers.poll()) != null; ) {
            m.reply().discard();
        }
    }

    /** Remembers what a (P|S)(UN)SUBSCRIBE request, being sent, changes. */
    private void track(String command, RequestFramer req) {
        Set<String> set = switch (command) {
            case "subscribe", "unsubscribe" -> channels;
            case "psubscribe", "punsubscribe" -> patterns;
            default -> shardChannels;
        };
        boolean add = !command.contains("unsub");
        if (command.equals("sunsubscribe")) {
            sunsubscribesDue += req.argc() == 1 ? Math.max(1, shardChannels.size()) : req.argc() - 1;
        }
        if (!add && req.argc() == 1) {
            set.clear();
            return;
        }
        for (int i = 1; i < req.argc(); i++) {
            String name = new String(req.argBytes(i), StandardCharsets.ISO_8859_1);
            if (add) {
                set.add(name);
            } else {
                set.remove(name);
            }
        }
    }

    /** Channels (0), patterns (1) or shard channels (2) the client is subscribed to (CLIENT LIST). */
    int count(int kind) {
        return (kind == 0 ? channels : kind == 1 ? patterns : shardChannels).size();
    }

    void clear() {
        channels.clear();
        patterns.clear();
        shardChannels.clear();
    }

    boolean resubscribeNeeded() {
        return resubscribeNeeded;
    }

    /**
     * A frame Redis sent on the pass-through connection: to the client, unless it confirms a re-subscription, or is a
     * shard channel's {@code sunsubscribe} that Redis sent because the slot moved (the proxy then subscribes again on
     * the slot's new owner), or confirms the client's RESET (which ends pass-through mode).
     */
    void frame(ByteBuf frame, boolean cluster, boolean active, PrivateLink priv) {
        if (sunsubscribesDue > 0 && startsWithSunsubscribe(frame)) {
            sunsubscribesDue--; // the client's own: it goes to the client
        } else if (cluster && active && isServerSunsubscribe(frame)) {
            frame.release();
            BackendConnection p = priv.current();
            if (p != null && shardMovedFrom == null) {
                shardMovedFrom = p.node();
                session.backends.requestTopologyCheck(p.node());
                p.retire();
            }
            return;
        }
        if (active && markerEcho(frame)) {
            return;
        }
        if (!active || swallow > 0) {
            if (swallow > 0 && --swallow == 0) {
                px.resubscribed();
            }
            frame.release();
            return;
        }
        ConnectionState st = session.state;
        if (st.awaitingReset && isReset(frame)) {
            // Redis confirmed the client's RESET: pass-through mode ends
            st.awaitingReset = false;
            st.passthrough = false;
            BackendConnection p = priv.current();
            if (p != null) {
                p.setPassthrough(false);
            }
            session.resetState();
            session.answers.enqueue(InFlight.local(frame));
            session.resume(ClientSession.PAUSE_BARRIER);
            return;
        }
        session.answers.enqueue(InFlight.local(frame));
    }

    /** The subscriber's connection is gone: subscribe again on the master within the hold. */
    void connectionLost() {
        flushMarkers();
        if (!resubscribeNeeded) {
            resubscribeDeadline = System.nanoTime() + px.holdNanos();
        }
        resubscribeNeeded = true;
        swallow = 0;
    }

    /**
     * Subscribes a new private connection to everything the client had, when that is needed; false when it must wait
     * more (or the hold ran out and the client is being closed).
     */
    boolean resubscribeIfNeeded(long now) {
        if (!resubscribeNeeded) {
            return true;
        }
        if (now - resubscribeDeadline > 0) {
            resubscribeNeeded = false;
            session.answers.closeAfterReplies(Unpooled.EMPTY_BUFFER); // no master to subscribe on within the hold
            return false;
        }
        if (shardMovedFrom != null && shardMovedFrom.equals(session.privateRoute.node())) {
            session.held.schedule(); // the slot map does not show the move yet (a refresh is on its way)
            return false;
        }
        BackendConnection c = session.privateRoute.connection();
        if (c == null) {
            session.held.schedule();
            return false;
        }
        shardMovedFrom = null;
        resubscribeNeeded = false;
        c.setPassthrough(true);
        session.lastTarget = c;
        if (!channels.isEmpty()) {
            c.sendPassthrough(Replies.commandLatin1(session.alloc(), "SUBSCRIBE", channels), -1);
        }
        if (!patterns.isEmpty()) {
            c.sendPassthrough(Replies.commandLatin1(session.alloc(), "PSUBSCRIBE", patterns), -1);
        }
        if (!shardChannels.isEmpty()) {
            c.sendPassthrough(Replies.commandLatin1(session.alloc(), "SSUBSCRIBE", shardChannels), -1);
        }
        swallow += channels.size() + patterns.size() + shardChannels.size();
        return true;
    }

    private static boolean startsWithSunsubscribe(ByteBuf f) {
        int r = f.readerIndex();
        if (f.readableBytes() <= SUNSUBSCRIBE_PUSH.length) {
            return false;
        }
        byte type = f.getByte(r);
        if (type != '*' && type != '>') { // RESP2's array, RESP3's push
            return false;
        }
        for (int i = 1; i < SUNSUBSCRIBE_PUSH.length; i++) {
            if (f.getByte(r + i) != SUNSUBSCRIBE_PUSH[i]) {
                return false;
            }
        }
        return true;
    }

    /** A {@code sunsubscribe} push for a shard channel the client did not unsubscribe from (it still has it). */
    private boolean isServerSunsubscribe(ByteBuf f) {
        int r = f.readerIndex();
        int n = SUNSUBSCRIBE_PUSH.length;
        if (shardChannels.isEmpty() || !startsWithSunsubscribe(f)) {
            return false;
        }
        if (f.getByte(r + n) != '$') {
            return false;
        }
        int lenEnd = f.indexOf(r + n, f.writerIndex(), (byte) '\r');
        int len = Integer.parseInt(f.toString(r + n + 1, lenEnd - r - n - 1, StandardCharsets.US_ASCII));
        String channel = f.toString(lenEnd + 2, len, StandardCharsets.ISO_8859_1);
        return shardChannels.contains(channel);
    }

    /** Whether {@code f} is Redis's {@code +RESET}. */
    private static boolean isReset(ByteBuf f) {
        return f.readableBytes() == 8 && f.getByte(f.readerIndex()) == '+' && f.getByte(f.readerIndex() + 1) == 'R';
    }
}
