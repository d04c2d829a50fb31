package io.redissidecar.proxy.session;

import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.cluster.ClusterRequests;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.routing.BackendSelector;
import io.redissidecar.proxy.routing.Route;
import io.redissidecar.topology.SlotMap;
import java.nio.charset.StandardCharsets;

/**
 * Sends the requests the proxy carries out as several backend requests whose replies are merged (the routes SPLIT,
 * FAN_OUT and INFO): builds the parts ({@link ClusterRequests}), queues the client's one entry, and sends each part
 * on the shared connection of its slot's owner, or holds it until that slot has one.
 */
final class MergedDispatch {
    private static final byte[][] PROXY_SECTIONS = {"proxy".getBytes(), "all".getBytes(), "everything".getBytes(),
        "default".getBytes()};

    private final ClientSession s;
    private final ProxyContext px;
    private final RequestFramer framer;
    private final BackendSelector selector;

    MergedDispatch(ClientSession session, ProxyContext px, RequestFramer framer, BackendSelector selector) {
        this.s = session;
        this.px = px;
        this.framer = framer;
        this.selector = selector;
    }

    /** Cluster mode: a command split per key, or sent to every master (SCAN: to the master its cursor names). */
    boolean send(int consumed, CommandInfo cmd, Route route) {
        SlotMap map = px.topology().slots();
        if (route == Route.FAN_OUT && (map == null || map.masters().isEmpty())) {
            return s.held.hold(consumed, cmd, false);
        }
        int count = route == Route.SPLIT ? s.slots.keyCount() : cmd.name().equals("scan") ? 1 : map.masters().size();
        int max = px.config().maxFanoutParts();
        if (count > max) {
            return s.answers.refuse("ERR redis-sidecar: the command would become " + count + " requests to the cluster's "
                    + "nodes; at most " + max + " are allowed (max-fanout-parts)");
        }
        if (s.stopsAtBarrier(null, true)) {
            return false;
        }
        InFlight client = s.entries.client();
        client.parts = count;
        InFlight[] parts = route == Route.SPLIT
                ? ClusterRequests.split(s, s.alloc(), client, cmd, framer, s.slots, px.replayAmbiguousWrites())
                : cmd.name().equals("scan") ? ClusterRequests.scan(s, s.alloc(), client, framer, map)
                : ClusterRequests.fanOut(s, s.alloc(), client, cmd, framer, consumed, map, px.replayAmbiguousWrites());
        if (parts == null) {
            return s.answers.local(Replies.error(s.alloc(), "ERR invalid cursor"));
        }
        sendParts(client, parts);
        return true;
    }

    /**
     * INFO: the proxy's {@code # Proxy} section (when no section is named, or proxy, all, everything or default is),
     * followed by the master's INFO; {@code INFO proxy} alone is answered by the proxy.
     */
    boolean info(int consumed, CommandInfo cmd) {
        boolean withProxy = framer.argc() == 1;
        boolean onlyProxy = framer.argc() > 1;
        for (int i = 1; i < framer.argc(); i++) {
            boolean proxySection = framer.argEqualsIgnoreCase(i, PROXY_SECTIONS[0]);
            for (byte[] p : PROXY_SECTIONS) {
                withProxy |= framer.argEqualsIgnoreCase(i, p);
            }
            onlyProxy &= proxySection;
        }
        byte[] section = (withProxy ? px.infoSection() + "\r\n" : "").getBytes(StandardCharsets.UTF_8);
        if (onlyProxy) {
            return s.answers.local(Replies.text(s.alloc(), section, s.state.proto));
        }
        BackendConnection c = selector.shared(0);
        if (c == null) {
            return s.held.hold(consumed, cmd, false);
        }
        if (s.stopsAtBarrier(c, true)) {
            return false;
        }
        InFlight client = s.entries.client();
        sendParts(client, ClusterRequests.info(s, s.alloc(), client, framer, consumed, section));
        return true;
    }

    /** Queues the client's entry for a merged request and sends its parts (held parts wait for their slot's owner). */
    private void sendParts(InFlight client, InFlight[] parts) {
        s.flushRun();
        s.expectMerged(client);
        for (InFlight p : parts) {
            BackendConnection c = selector.shared(p.slot);
            if (c == null) {
                p.dropFrame();
                s.retry(p, null, "no master owns slot " + p.slot, false);
                continue;
            }
            s.sentTo(c, true);
            c.send(p);
            s.waitIfUnwritable(c);
        }
    }
}
