package io.redissidecar.proxy.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.redissidecar.config.OutputBufferLimits;

/**
 * {@code --client-output-buffer-limit} for one client, as Redis applies {@code client-output-buffer-limit}: the
 * replies waiting to be written to the client (the proxy's buffer for its socket) may not pass the hard limit, nor
 * stay above the soft limit for longer than the soft seconds. Subscribers are of the {@code pubsub} class, the others
 * {@code normal}.
 */
final class OutputLimit {
    private long softSinceNanos;

    /** The limit {@code ch} broke (for the log), or null while it keeps within {@code limit}. */
    String broken(Channel ch, OutputBufferLimits.Limit limit) {
        return broken(pendingBytes(ch), limit);
    }

    /** Bytes waiting to be written to {@code ch}. */
    static long pendingBytes(Channel ch) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** The limit {@code pending} bytes waiting for a client broke, or null while they keep within {@code limit}. */
    String broken(long pending, OutputBufferLimits.Limit limit) {
        if (limit.hard() > 0 && pending > limit.hard()) {
            return pending + " bytes waiting, over the hard limit of " + limit.hard();
        }
        if (limit.soft() > 0 && pending > limit.soft()) {
            long now = System.nanoTime();
            if (softSinceNanos == 0) {
                softSinceNanos = now;
            } else if (now - softSinceNanos > limit.softSeconds() * 1_000_000_000L) {
                return pending + " bytes waiting, over the soft limit of " + limit.soft() + " for more than "
                        + limit.softSeconds() + " s";
            }
            return null;
        }
        softSinceNanos = 0;
        return null;
    }
}
