package io.redissidecar.proxy.session;

import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;

/**
 * The route LOCAL: commands the proxy answers itself. QUIT and RESET change the session's own flow (QUIT closes the
 * client after its replies; RESET waits for the client's requests in flight, drops a transaction's private
 * connection and resets the connection state); the others are emulated on the client's {@link ConnectionState}
 * ({@link Emulator}).
 */
final class LocalCommands {
    private LocalCommands() {
    }

    /** Answers {@code cmd}; false when it must wait (RESET behind requests in flight). */
    static boolean reply(ClientSession s, CommandInfo cmd, RequestFramer req, ProxyContext px) {
        switch (cmd.name()) {
            case "quit" -> {
                s.closeAfterReplies(Replies.of(Replies.OK));
                return true;
            }
            case "reset" -> {
                if (s.replies.inflight() > 0) {
                    s.pause(ClientSession.PAUSE_BARRIER);
                    return false;
                }
                if (s.state.pinned()) {
                    s.priv.close();
                }
                s.resetState();
                return s.local(Replies.of(Replies.RESET));
            }
            default -> {
                return s.local(Emulator.reply(s.state, s.ctx.channel(), cmd, req, s.alloc(), px));
            }
        }
    }
}
