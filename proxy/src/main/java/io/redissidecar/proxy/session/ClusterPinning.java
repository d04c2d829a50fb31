package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.cluster.ClusterSelector;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.routing.Route;
import java.nio.charset.StandardCharsets;

/**
 * Cluster mode, the private route (transactions, WATCH, blocking commands): pins a transaction to the node of its
 * first key (MULTI itself is answered by the proxy until then), refuses keys of other nodes inside it with CROSSSLOT,
 * and moves the private connection to the node a blocking command's key lives on.
 */
final class ClusterPinning {
    private static final ByteBuf MULTI = Unpooled.unreleasableBuffer(Replies.command(
            UnpooledByteBufAllocator.DEFAULT, "MULTI").asReadOnly());
    private static final ByteBuf EMPTY_ARRAY = Unpooled.unreleasableBuffer(Unpooled.copiedBuffer("*0\r\n",
            StandardCharsets.US_ASCII).asReadOnly());
    private static final String NOT_SERVED = "CLUSTERDOWN Hash slot not served";

    private final ClientSession s;
    private final ClusterSelector selector;

    ClusterPinning(ClientSession session, ClusterSelector selector) {
        this.s = session;
        this.selector = selector;
    }

    /** Returns null to go on with the common private route, or the dispatch result. */
    Boolean dispatch(int consumed, CommandInfo cmd) {
        ConnectionState st = s.state;
        String n = cmd == null ? "" : cmd.name();
        if (st.multiPending) {
            switch (n) {
                case "exec", "discard" -> {
                    boolean abort = st.txDirty && n.equals("exec");
                    String why = st.execAbort; // an ACL refused the EXEC itself: its text, as Redis gives it
                    st.multiPending = false;
                    st.endTransaction();
                    st.txNode = null;
                    return s.answers.local(abort ? (why == null ? Replies.of(Replies.EXECABORT)
                            : Replies.errorLatin1(s.alloc(), ConnectionState.EXECABORT_BECAUSE + why))
                            : n.equals("exec") ? Replies.of(EMPTY_ARRAY) : Replies.of(Replies.OK));
                }
                case "multi" -> {
                    return s.answers.local(Replies.error(s.alloc(), "ERR MULTI calls can not be nested"));
                }
                case "watch" -> {
                    st.txDirty = true;
                    return s.answers.local(Replies.error(s.alloc(), "ERR WATCH inside MULTI is not allowed"));
                }
                default -> {
                }
            }
        } else if (n.equals("multi") && !st.watching && !st.inMulti) {
            st.inMulti = true;
            st.multiPending = true;
            return s.answers.local(Replies.of(Replies.OK));
        }
        HostPort owner = selector.owner(s.curSlot);
        if (st.txNode != null) {
            if (s.slots.slot() >= 0 && owner != null && !owner.equals(st.txNode)) {
                return s.answers.refuse(Route.CROSSSLOT.refusal(n));
            }
            return null; // the pinned connection
        }
        if (owner == null) {
            if (st.inMulti) {
                return s.answers.refuse(NOT_SERVED);
            }
            s.privateRoute.slot = s.curSlot;
            return null; // held like any request without an owner, then sent to the slot's owner
        }
        BackendConnection p = s.priv.current();
        if (p != null && p.isUsable() && !p.node().equals(owner) && !st.passthrough) {
            if (s.replies.inflight() > 0) {
                s.pause(ClientSession.PAUSE_BARRIER);
                return false;
            }
            s.priv.close(); // nothing in flight on it: move the private connection to the key's node
        }
        s.privateRoute.slot = s.curSlot;
        if (!st.multiPending) {
            return null;
        }
        BackendConnection c = s.privateRoute.connection();
        if (c == null) {
            return s.answers.refuse(NOT_SERVED);
        }
        if (s.stopsAtBarrier(c, false)) {
            return false;
        }
        s.flushRun();
        c.sendInternal(Replies.of(MULTI)); // the client had its +OK when it sent MULTI
        st.multiPending = false;
        st.txNode = c.node();
        return s.forward(c, consumed, cmd);
    }
}
