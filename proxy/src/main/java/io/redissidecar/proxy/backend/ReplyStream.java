package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.redissidecar.proxy.codec.ReplyFramer;

/**
 * Hands a large reply on to its client as it arrives, instead of once it is complete: its first bytes reach the client
 * without waiting for the last, and the proxy does not keep the whole of it. Only a reply its owner can write at once
 * (next in that client's order, a whole request's reply) is streamed; the others are framed whole as before. Once
 * part of a reply has gone, the rest follows as the reply's "completion", and if the connection is lost before the
 * end the client is closed (see {@link LostConnection}): it cannot be sent an error in the middle of a reply.
 */
final class ReplyStream {
    /** A reply is streamed once this much of it waits: smaller ones are not worth an extra write. */
    static final int STREAM_AFTER_BYTES = 64 * 1024;

    private ReplyStream() {
    }

    /**
     * After {@code framer} found the reply at {@code in.readerIndex()} incomplete: hands what may go of it to
     * {@code e}'s owner, and removes those bytes from {@code in}.
     */
    static void handOn(InFlight e, ByteBuf in, ReplyFramer framer) {
        if (e == null || !e.canStream()) {
            return;
        }
        int n = framer.streamable(in);
        if (e.streamed && !e.owner.isActive() && n > 0) {
            in.skipBytes(n); // its client is gone: the rest of its reply is dropped as it comes, not kept
            framer.consumed(n);
            return;
        }
        if (n == 0 || !e.streamed && (n < STREAM_AFTER_BYTES || in.getByte(in.readerIndex()) == '-')) {
            return; // an error reply is never streamed: it may be one the proxy acts on (see ReplyVerdict)
        }
        ByteBuf piece = in.retainedSlice(in.readerIndex(), n);
        boolean was = e.streamed;
        e.streamed = true; // before the owner writes it: whatever it sets off meanwhile sees a streamed reply
        if (!e.owner.replyPiece(e, piece)) {
            e.streamed = was;
            piece.release();
            return;
        }
        in.skipBytes(n);
        framer.consumed(n);
    }
}
