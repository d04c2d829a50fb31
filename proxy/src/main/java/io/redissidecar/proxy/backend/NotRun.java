package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.redissidecar.config.HostPort;

/**
 * What the proxy does with a request whose reply proves it did not run (see {@link ReplyVerdict#provesNotRun}): it is
 * redirected (cluster MOVED/ASK), or retried later, maybe elsewhere.
 */
final class NotRun {
    private NotRun() {
    }

    /**
     * Acts on verdict {@code v} for {@code e}, whose reply is {@code length} bytes of {@code buf} at {@code offset},
     * received on {@code from}. Returns true when the node is no master any more: {@code from} is retired (it closes once idle).
     */
    static boolean act(ReplyVerdict v, InFlight e, ByteBuf buf, int offset, int length, BackendConnection from,
                       LoopBackends loop) {
        HostPort node = from.node();
        switch (v) {
            case MOVED, ASK -> {
                HostPort target = ReplyVerdict.redirectTarget(buf, offset, length, node);
                if (target == null) {
                    e.completeRange(buf, offset, length); // not a redirection the proxy understands: the client sees it
                    return false;
                }
                if (v == ReplyVerdict.MOVED) {
                    loop.backendFailed(node); // the slot map is out of date: refresh it (requests coalesce)
                }
                e.owner.redirect(e, target, v == ReplyVerdict.ASK);
                return false;
            }
            case RETRY -> {
                // the cluster is resharding or electing: the node did not run it; later, maybe elsewhere (slot map)
                loop.backendFailed(node);
                e.owner.retry(e, from, "backend " + node + " answered " + ReplyVerdict.shortText(buf, offset, length),
                        false);
                return false;
            }
            default -> {
                // READONLY, LOADING, MASTERDOWN, UNBLOCKED (a blocked pop released by a role change): Redis did not run
                // it, so sending it again cannot duplicate it; UNBLOCKED may be the proxy's own CLIENT UNBLOCK: no fault
                if (v == ReplyVerdict.NOT_MASTER) {
                    loop.settings().breakers().failed(node, "refused a command as a non-master");
                }
                loop.backendFailed(node);
                from.markRetired(); // before the retry: it must not pick this connection again
                e.owner.retry(e, from, "backend " + node + " answered " + ReplyVerdict.shortText(buf, offset, length),
                        false);
                return true;
            }
        }
    }
}
