package io.redissidecar.proxy.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.config.SidecarConfig;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.routing.SlotHash;
import io.redissidecar.topology.SlotMap;
import io.redissidecar.topology.Topology;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Cluster mode: what a cluster-aware client learns about the cluster through the proxy. The proxy presents itself
 * as a cluster of one master that owns all 16,384 slots, at the address the client connected to, so that such a
 * client sends everything to the proxy (which routes each request to the real owner). {@code READONLY},
 * {@code READWRITE} and {@code ASKING} are accepted and have no effect: redirections never reach the client.
 */
public final class ClusterView {
    private ClusterView() {
    }

    /** The reply to a cluster command ({@code Router.CLUSTER_LOCAL}) of a client connected to {@code local}. */
    public static ByteBuf reply(InetSocketAddress local, CommandInfo cmd, RequestFramer req, ByteBufAllocator alloc,
                                SidecarConfig config, Topology topology, int proto) {
        String ip = local.getAddress().getHostAddress();
        int port = local.getPort();
        String id = nodeId(config);
        return switch (cmd.name()) {
            case "readonly", "readwrite", "asking" -> Replies.of(Replies.OK);
            case "cluster|myid" -> Replies.bulk(alloc, id.getBytes(StandardCharsets.US_ASCII));
            case "cluster|keyslot" -> Replies.integer(alloc, SlotHash.slot(req.frameBuffer(), req.argOffset(2),
                    req.argLength(2)));
            case "cluster|info" -> Replies.text(alloc, info(topology).getBytes(StandardCharsets.US_ASCII), proto);
            case "cluster|nodes" -> Replies.text(alloc, (id + " " + ip + ":" + port + "@" + (port + 10000)
                    + " myself,master - 0 0 1 connected 0-16383\n").getBytes(StandardCharsets.US_ASCII), proto);
            case "cluster|slots" -> {
                ByteBuf b = alloc.buffer();
                Replies.writeArrayHeader(b, 1);
                Replies.writeArrayHeader(b, 3);
                Replies.writeInteger(b, 0);
                Replies.writeInteger(b, 16383);
                Replies.writeArrayHeader(b, 3);
                Replies.writeBulk(b, ip.getBytes(StandardCharsets.US_ASCII));
                Replies.writeInteger(b, port);
                Replies.writeBulk(b, id.getBytes(StandardCharsets.US_ASCII));
                yield b;
            }
            case "cluster|shards" -> {
                ByteBuf b = alloc.buffer();
                Replies.writeArrayHeader(b, 1);
                map(b, 2, proto); // maps in RESP3, as Redis sends them
                bulk(b, "slots");
                Replies.writeArrayHeader(b, 2);
                Replies.writeInteger(b, 0);
                Replies.writeInteger(b, 16383);
                bulk(b, "nodes");
                Replies.writeArrayHeader(b, 1);
                map(b, 7, proto);
                bulk(b, "id");
                bulk(b, id);
                bulk(b, "port");
                Replies.writeInteger(b, port);
                bulk(b, "ip");
                bulk(b, ip);
                bulk(b, "endpoint");
                bulk(b, ip);
                bulk(b, "role");
                bulk(b, "master");
                bulk(b, "replication-offset");
                Replies.writeInteger(b, 0);
                bulk(b, "health");
                bulk(b, "online");
                yield b;
            }
            default -> Replies.error(alloc, "ERR redis-sidecar: no emulation for '" + cmd.name() + "'");
        };
    }

    /** A map of {@code n} entries: {@code %n} in RESP3, an array of 2n elements in RESP2. */
    private static void map(ByteBuf b, int n, int proto) {
        if (proto == 3) {
            b.writeByte('%').writeCharSequence(n + "\r\n", StandardCharsets.US_ASCII);
        } else {
            Replies.writeArrayHeader(b, 2 * n);
        }
    }

    private static void bulk(ByteBuf b, String s) {
        Replies.writeBulk(b, s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String info(Topology topology) {
        SlotMap slots = topology.slots();
        boolean ok = slots != null && slots.fullyCovered();
        return "cluster_state:" + (ok ? "ok" : "fail") + "\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:"
                + (slots == null ? 0 : slots.covered()) + "\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\n"
                + "cluster_known_nodes:1\r\ncluster_size:1\r\ncluster_current_epoch:1\r\ncluster_my_epoch:1\r\n";
    }

    /** A stable 40-hex-digit node id for this proxy (derived from its listen address). */
    private static String nodeId(SidecarConfig config) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(("redis-sidecar " + config.listen())
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
