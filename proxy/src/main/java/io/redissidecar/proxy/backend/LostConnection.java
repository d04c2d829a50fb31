package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.redissidecar.proxy.metrics.ProxyMetrics;
import io.redissidecar.proxy.resp.Replies;
import java.util.ArrayDeque;

/**
 * The fate of the requests on a backend connection that closed: each is sent again when that cannot duplicate it, or
 * answered with an error that says whether it may have run (see the README's retry table).
 */
final class LostConnection {
    private LostConnection() {
    }

    /**
     * @param unexpected true when the node or the network ended the connection (its requests may be retried); false
     *                   when the proxy closed it itself
     * @param paused     the node is an old master whose writes were paused for a planned switchover: a request
     *                   without a reply did not run there, it was held
     */
    static void settle(ArrayDeque<InFlight> awaiting, ArrayDeque<InFlight> unsent, BackendConnection from,
                       String reason, boolean unexpected, boolean paused, ProxyMetrics metrics) {
        for (InFlight e; (e = awaiting.poll()) != null; ) {
            if (e.streamed) {
                cut(e); // part of its reply went to the client: it can be neither retried nor answered
            } else if (unexpected && e.owner != null && (e.idempotent || paused) && e.canResend()) {
                e.dropFrame();
                e.owner.retry(e, from, reason, !paused);
            } else {
                if (unexpected && e.owner != null) {
                    metrics.unsafeNotReplayed();
                }
                fail(e, reason + " before the reply; the command may or may not have run");
            }
        }
        for (InFlight e; (e = unsent.poll()) != null; ) {
            if (unexpected && e.owner != null && e.canResend()) {
                e.dropFrame();
                e.owner.retry(e, from, reason, false);
            } else {
                fail(e, reason + "; the command was not sent");
            }
        }
    }

    /** The reply ends where it was cut off, and the client is closed after it. */
    private static void cut(InFlight e) {
        e.closeAfter = true;
        e.complete(Unpooled.EMPTY_BUFFER);
    }

    /** Drops {@code e}'s bytes and answers a client's request with {@code reason}. */
    static void fail(InFlight e, String reason) {
        e.dropFrame();
        if (e.kind == InFlight.Kind.CLIENT) {
            e.complete(Replies.error(ByteBufAllocator.DEFAULT, "ERR redis-sidecar: " + reason));
        }
    }
}
