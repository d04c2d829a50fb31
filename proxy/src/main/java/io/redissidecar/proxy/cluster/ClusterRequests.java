package io.redissidecar.proxy.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.routing.Router;
import io.redissidecar.proxy.routing.SlotHash;
import io.redissidecar.topology.SlotMap;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Builds the parts of a request the proxy carries out as several backend requests ({@link MergedRequest}): a
 * multi-key command split per key, a command sent to every master, SCAN on the master its cursor names, and INFO
 * with the proxy's own section. Each method returns the parts, in the order of the merged reply, for the session to
 * send; {@code session} is the client's session, {@code client} its entry for the merged reply.
 */
public final class ClusterRequests {
    private static final byte[] SCAN = "SCAN".getBytes(StandardCharsets.US_ASCII);

    private ClusterRequests() {
    }

    /**
     * A multi-key command whose keys lie in several slots ({@code slots}, routed last), as one request per key;
     * {@code replayWrites}: a written part whose connection is lost may be sent again (--replay-ambiguous-writes).
     */
    public static InFlight[] split(ReplyOwner session, ByteBufAllocator alloc, InFlight client, CommandInfo cmd,
                                   RequestFramer req, Router.Slots slots, boolean replayWrites) {
        String n = cmd.name();
        boolean pairs = n.equals("mset");
        MergedRequest.Merge merge = switch (n) {
            case "mget" -> MergedRequest.Merge.ELEMENTS;
            case "mset" -> MergedRequest.Merge.ALL_OK;
            default -> MergedRequest.Merge.SUM;
        };
        int keys = slots.keyCount();
        MergedRequest m = new MergedRequest(session, alloc, client, merge, keys);
        ByteBuf buf = req.frameBuffer();
        byte[] name = cmd.nameBytes();
        InFlight[] parts = new InFlight[keys];
        for (int i = 0; i < keys; i++) {
            int k = slots.keyArg(i);
            ByteBuf f = alloc.buffer(32 + req.argLength(k) + (pairs ? req.argLength(k + 1) : 0));
            Replies.writeArrayHeader(f, pairs ? 3 : 2);
            Replies.writeBulk(f, name);
            Replies.writeBulk(f, buf, req.argOffset(k), req.argLength(k));
            if (pairs) {
                Replies.writeBulk(f, buf, req.argOffset(k + 1), req.argLength(k + 1));
            }
            int slot = SlotHash.slot(buf, req.argOffset(k), req.argLength(k));
            boolean write = !n.equals("mget") && !n.equals("exists");
            // MGET, EXISTS read; MSET, DEL, UNLINK, TOUCH leave the same data twice
            parts[i] = m.part(f, slot, !write || replayWrites);
            parts[i].write = write;
        }
        return parts;
    }

    /** A command for every master of {@code map}, merged (not SCAN: see {@link #scan}). */
    public static InFlight[] fanOut(ReplyOwner session, ByteBufAllocator alloc, InFlight client, CommandInfo cmd,
                                    RequestFramer req, int consumed, SlotMap map, boolean replayWrites) {
        List<HostPort> masters = map.masters();
        MergedRequest.Merge merge = switch (cmd.name()) {
            case "keys" -> MergedRequest.Merge.CONCAT;
            case "dbsize" -> MergedRequest.Merge.SUM;
            case "randomkey" -> MergedRequest.Merge.FIRST_NOT_NIL;
            case "script|exists" -> MergedRequest.Merge.AND;
            default -> MergedRequest.Merge.SAME;
        };
        MergedRequest m = new MergedRequest(session, alloc, client, merge, masters.size());
        InFlight[] parts = new InFlight[masters.size()];
        boolean idempotent = cmd.idempotent() && (!cmd.has(CommandInfo.WRITE) || replayWrites);
        for (int i = 0; i < parts.length; i++) {
            parts[i] = m.part(req.retainedFrame(consumed), map.firstSlot(masters.get(i)), idempotent);
            parts[i].write = cmd.has(CommandInfo.WRITE);
        }
        return parts;
    }

    /** SCAN on the master its cursor names, with the backend's cursor; null when the cursor is not one of the proxy's. */
    public static InFlight[] scan(ReplyOwner session, ByteBufAllocator alloc, InFlight client, RequestFramer req,
                                  SlotMap map) {
        long cursor;
        try {
            cursor = Long.parseUnsignedLong(new String(req.argBytes(1), StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return null;
        }
        List<HostPort> masters = map.masters();
        int master = ScanCursor.master(cursor);
        if (master >= masters.size()) {
            return null;
        }
        ByteBuf f = alloc.buffer(64 + req.frameLength(0));
        Replies.writeArrayHeader(f, req.argc());
        Replies.writeBulk(f, SCAN);
        Replies.writeBulk(f, Long.toUnsignedString(ScanCursor.backend(cursor)).getBytes(StandardCharsets.US_ASCII));
        for (int i = 2; i < req.argc(); i++) {
            Replies.writeBulk(f, req.frameBuffer(), req.argOffset(i), req.argLength(i));
        }
        MergedRequest m = new MergedRequest(session, alloc, client, MergedRequest.Merge.SCAN, 1);
        m.scanMaster = master;
        m.scanMasters = masters.size();
        return new InFlight[] {m.part(f, map.firstSlot(masters.get(master)), true)};
    }

    /** INFO sent to the master (of slot 0), its reply preceded by the proxy's own section {@code prefix}. */
    public static InFlight[] info(ReplyOwner session, ByteBufAllocator alloc, InFlight client, RequestFramer req,
                                  int consumed, byte[] prefix) {
        MergedRequest m = new MergedRequest(session, alloc, client, MergedRequest.Merge.INFO, 1);
        m.infoPrefix = prefix;
        return new InFlight[] {m.part(req.retainedFrame(consumed), 0, true)};
    }
}
