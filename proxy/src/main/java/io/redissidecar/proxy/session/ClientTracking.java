package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.tracking.TrackingState;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.tracking.TrackingTable;
import io.redissidecar.topology.SlotMap;
import java.util.Collection;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One client's client-side caching ({@code CLIENT TRACKING}): its settings, the keys it reads (told to the loop's
 * {@link TrackingTable}), and the invalidations it gets, in the form Redis sends: a RESP3 push
 * ({@code >2 invalidate [keys]}) in band, or, redirected to a RESP2 client that is subscribed, a
 * {@code __redis__:invalidate} message. An invalidation joins the client's reply order after the replies already
 * due, so that it never overtakes the reply of a read that ran before it.
 */
final class ClientTracking implements TrackingTable.Tracker {
    private static final byte[] PUSH = ">2\r\n$10\r\ninvalidate\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE = "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n"
            .getBytes(StandardCharsets.US_ASCII);

    private final ClientSession s;
    private final ProxyContext px;
    final TrackingState state = new TrackingState();
    private TrackingTable table;
    private boolean brokenRedirect;
    private int[] keyIndexes = new int[8];

    ClientTracking(ClientSession session, ProxyContext px) {
        this.s = session;
        this.px = px;
    }

    /**
     * Whether the client's requests go to tracking connections: tracking in default or OPTIN/OPTOUT mode with
     * somewhere for invalidations to go (RESP3 in band, or a redirection). BCAST needs none: the links get every key.
     */
    boolean needsTrackedConnections() {
        return state.on() && !state.bcast() && (s.state.proto == 3 || state.redirect() != 0);
    }

    private TrackingTable table() {
        if (table == null) {
            table = TrackingTable.of(s.backends, px.config().trackingTableMaxKeys(), this::masters);
        }
        return table;
    }

    /** The masters whose keys the client may read: the master, or every master in cluster mode. */
    private Collection<HostPort> masters() {
        SlotMap slots = px.topology().slots();
        if (slots != null) {
            return slots.masters();
        }
        HostPort m = px.topology().master();
        return m == null ? List.of() : List.of(m);
    }

    /**
     * {@code CLIENT TRACKING ...}: answered with Redis's reply; the client's requests move to the lane it now needs.
     * In BCAST mode the {@code +OK} waits until the links to the masters get every key change.
     */
    boolean command(RequestFramer req) {
        boolean was = state.on();
        ByteBuf reply = state.command(req, s.alloc(), id -> px.session(id) != null);
        if (state.on()) {
            brokenRedirect = false;
            table().track(this, state.bcast() ? state.prefixes() : null);
        } else if (was) {
            table.untrack(this);
        }
        s.privateRoute.laneChanged();
        if (!state.bcast() || reply.getByte(reply.readerIndex()) == '-') {
            return s.answers.local(reply);
        }
        reply.release();
        InFlight e = s.entries.client();
        s.replies.sent(e);
        table().bcast(masters(), err -> e.completeLocally(err == null ? Replies.of(Replies.OK)
                : Replies.error(s.alloc(), "ERR redis-sidecar: BCAST tracking could not start: " + err)));
        return true;
    }

    /** The client is gone, or RESET: tracking ends. */
    void off() {
        if (state.on()) {
            state.off();
            table.untrack(this);
            s.privateRoute.laneChanged();
        }
    }

    /** A request is being dispatched: the keys a tracked read reads are remembered; CACHING's flag is spent. */
    void dispatching(CommandInfo cmd, RequestFramer req) {
        if (cmd == null || !state.on()) {
            return;
        }
        if ((cmd.has(CommandInfo.READONLY) || cmd.has(CommandInfo.SCRIPT)) && needsTrackedConnections()
                && state.tracksReads()) { // a script: the keys it declares
            int n = cmd.keys(req, keys(req.argc()));
            for (int i = 0; i < n; i++) {
                table().read(this, req.argBytes(keyIndexes[i]));
            }
        }
        // as Redis: the CACHING flag lasts through CLIENT subcommands, MULTI and the commands queued after it
        String n = cmd.name();
        state.commandSent(n.startsWith("client|") || n.equals("multi")
                || s.state.inMulti && !n.equals("exec") && !n.equals("discard"));
    }

    private int[] keys(int argc) {
        if (keyIndexes.length < argc) {
            keyIndexes = new int[argc];
        }
        return keyIndexes;
    }

    @Override
    public boolean readsInFlight() {
        return s.replies.inflight() > 0 || s.state.passthrough; // pass-through requests are not counted in flight
    }

    @Override
    public void invalidate(List<byte[]> keys) {
        long to = state.redirect();
        if (to == 0) {
            deliver(keys);
            return;
        }
        ClientSession target = px.session(to);
        if (target == null) {
            if (!brokenRedirect && s.state.proto == 3) {
                byte[] p = (">2\r\n$20\r\ntracking-redir-broken\r\n:" + to + "\r\n").getBytes(StandardCharsets.US_ASCII);
                s.answers.push(s.alloc().buffer(p.length).writeBytes(p));
            }
            brokenRedirect = true;
            return;
        }
        target.ctx.executor().execute(() -> target.tracking.deliver(keys));
    }

    /** Invalidations for this client (its own, or redirected to it), in its protocol; RESP2 only while subscribed. */
    void deliver(List<byte[]> keys) {
        if (!s.isActive()) {
            return;
        }
        boolean push = s.state.proto == 3;
        if (!push && s.subs.count(0) + s.subs.count(1) + s.subs.count(2) == 0) {
            return; // as Redis: a RESP2 client gets invalidation messages only while subscribed
        }
        ByteBuf b = s.alloc().buffer(64);
        b.writeBytes(push ? PUSH : MESSAGE);
        if (keys == null) {
            b.writeBytes((push ? "_\r\n" : "*-1\r\n").getBytes(StandardCharsets.US_ASCII));
        } else {
            b.writeByte('*').writeCharSequence(keys.size() + "\r\n", StandardCharsets.US_ASCII);
            for (byte[] k : keys) {
                b.writeByte('$').writeCharSequence(k.length + "\r\n", StandardCharsets.US_ASCII);
                b.writeBytes(k).writeByte('\r').writeByte('\n');
            }
        }
        if (s.state.passthrough) {
            s.subs.answerInOrder(InFlight.local(b)); // after the replies Redis still owes on the connection
        } else {
            s.answers.push(b);
        }
    }

    /** {@code CLIENT TRACKINGINFO}. */
    ByteBuf info() {
        return state.info(s.alloc(), s.state.proto, brokenRedirect);
    }
}
