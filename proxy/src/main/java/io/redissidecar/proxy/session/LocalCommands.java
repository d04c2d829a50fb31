package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The route LOCAL: commands the proxy answers itself. QUIT and RESET change the session's own flow (QUIT closes the
 * client after its replies; RESET waits for the client's requests in flight, drops a transaction's private
 * connection and resets the connection state); the others are emulated on the client's {@link ConnectionState}
 * ({@link Emulator}).
 */
final class LocalCommands {
    private static final byte[] POST = "post".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ON = "on".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OFF = "off".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SKIP = "skip".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HOST = "host:".getBytes(StandardCharsets.US_ASCII);
    /** Redis cuts the name and the arguments it quotes in an unknown-command error at 128 bytes. */
    private static final int QUOTE_MAX = 128;

    private LocalCommands() {
    }

    /** Whether the request is an HTTP request line or header ({@code POST ...}, {@code Host: ...}). */
    static boolean crossProtocol(RequestFramer req) {
        return req.argEqualsIgnoreCase(0, POST) || req.argEqualsIgnoreCase(0, HOST);
    }

    /**
     * Redis 7's error for a command it does not know ({@code container}: a known command with an unknown
     * subcommand), to the byte: {@code ERR unknown command 'x', with args beginning with: 'a' 'b' } or
     * {@code ERR unknown subcommand 'x'. Try CLIENT HELP.}; CR and LF in the quoted text become spaces.
     */
    static String unknownCommand(RequestFramer req, boolean container) {
        StringBuilder sb = new StringBuilder("ERR ");
        if (container) {
            sb.append("unknown subcommand '").append(text(req, 1, QUOTE_MAX)).append("'. Try ")
                    .append(text(req, 0, Integer.MAX_VALUE).toUpperCase(Locale.ROOT)).append(" HELP.");
        } else {
            StringBuilder args = new StringBuilder();
            for (int i = 1; i < req.argc() && args.length() < QUOTE_MAX; i++) {
                String arg = text(req, i, QUOTE_MAX - args.length());
                args.append('\'').append(arg).append("' ");
            }
            sb.append("unknown command '").append(text(req, 0, QUOTE_MAX)).append("', with args beginning with: ")
                    .append(args);
        }
        return sb.toString();
    }

    /** Argument {@code i} as C's {@code %.*s} prints it: at most {@code max} bytes, up to the first NUL byte. */
    private static String text(RequestFramer req, int i, int max) {
        byte[] b = req.argBytes(i);
        int n = 0;
        while (n < b.length && n < max && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static final byte[] RESET_WORD = "reset".getBytes(StandardCharsets.US_ASCII);

    /** {@code ACL LOG [count|RESET]} of the proxy's own log (its denials and failed AUTH). */
    private static ByteBuf aclLog(ClientSession s, RequestFramer req, ProxyContext px) {
        long count = 10;
        if (req.argc() == 3 && req.argEqualsIgnoreCase(2, RESET_WORD)) {
            px.aclLog().reset();
            return Replies.of(Replies.OK);
        }
        if (req.argc() == 3) {
            count = req.argLong(2);
            if (count == Long.MIN_VALUE || count < 0) {
                return Replies.error(s.alloc(), "ERR value is not an integer or out of range");
            }
        } else if (req.argc() > 3) {
            return Replies.error(s.alloc(), "ERR syntax error");
        }
        byte[] r = px.aclLog().reply(count, s.state.proto).getBytes(StandardCharsets.UTF_8);
        return s.alloc().buffer(r.length).writeBytes(r);
    }

    /** The reply to AUTH or HELLO; a failed AUTH is counted and may be delayed ({@link ClientAuth#failed}). */
    private static boolean answerAuth(ClientSession s, ByteBuf reply) {
        String failed = s.state.authFailure;
        if (failed == null) {
            if (s.state.authed) {
                s.auth.loggedIn();
            }
            return s.answers.local(reply);
        }
        s.state.authFailure = null;
        return s.auth.failed(failed, reply);
    }

    /** Answers {@code cmd}; false when it must wait (RESET behind requests in flight). */
    static boolean reply(ClientSession s, CommandInfo cmd, RequestFramer req, ProxyContext px) {
        switch (cmd.name()) {
            case "quit" -> {
                // its +OK is a reply like another: CLIENT REPLY OFF or SKIP drops it, and the client is closed
                s.answers.closeAfterReplies(s.replies.silence() ? Unpooled.EMPTY_BUFFER : Replies.of(Replies.OK));
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
                return s.answers.local(Replies.of(Replies.RESET));
            }
            case "client|reply" -> {
                boolean on = req.argEqualsIgnoreCase(2, ON);
                boolean skip = req.argEqualsIgnoreCase(2, SKIP);
                if (!on && !skip && !req.argEqualsIgnoreCase(2, OFF)) {
                    return s.answers.local(Replies.error(s.alloc(), "ERR syntax error"));
                }
                if (!on && s.state.passthrough) { // Redis's frames and the proxy's markers share that connection
                    return s.answers.refuse("ERR redis-sidecar: CLIENT REPLY OFF and SKIP are not supported while "
                            + "subscribed");
                }
                s.replies.replyMode(on, skip); // OFF and SKIP themselves get no reply, as in Redis
                return on ? s.answers.local(Replies.of(Replies.OK)) : true;
            }
            case "client|info" -> {
                return s.answers.local(Replies.text(s.alloc(), ClientList.line(s, "client|info")
                        .getBytes(StandardCharsets.UTF_8), s.state.proto));
            }
            case "client|list" -> {
                return s.answers.local(ClientList.list(s, req, px));
            }
            case "client|kill" -> {
                boolean[] self = {false};
                ByteBuf r = ClientList.kill(s, req, px, self);
                if (self[0]) {
                    s.answers.closeAfterReplies(r);
                    return true;
                }
                return s.answers.local(r);
            }
            case "unsubscribe", "punsubscribe", "sunsubscribe" -> {
                // not subscribed (see Router): Redis's one reply, a push in RESP3
                String n = cmd.name();
                String r = (s.state.proto == 3 ? ">3" : "*3") + "\r\n$" + n.length() + "\r\n" + n + "\r\n"
                        + (s.state.proto == 3 ? "_" : "$-1") + "\r\n:0\r\n";
                return s.answers.local(s.alloc().buffer(r.length()).writeBytes(r.getBytes(StandardCharsets.US_ASCII)));
            }
            case "client|unblock" -> {
                return ClientUnblock.send(s, req, px);
            }
            case "client|tracking" -> {
                if (s.state.pinned()) { // WATCH: its private connection would have to change lanes, and lose it
                    return s.answers.refuse("ERR redis-sidecar: CLIENT TRACKING cannot change while the client "
                            + "watches keys (send UNWATCH first)");
                }
                if (s.replies.inflight() > 0) {
                    s.pause(ClientSession.PAUSE_BARRIER); // its requests move to other connections: after the ones due
                    return false;
                }
                return s.tracking.command(req);
            }
            case "client|caching" -> {
                return s.answers.local(s.tracking.state.caching(req, s.alloc()));
            }
            case "client|trackinginfo" -> {
                return s.answers.local(s.tracking.info());
            }
            case "client|getredir" -> {
                return s.answers.local(Replies.integer(s.alloc(), s.tracking.state.getRedir()));
            }
            case "hello" -> {
                long ver = req.argc() >= 2 ? req.argLong(1) : s.state.proto;
                if ((ver == 2 || ver == 3) && ver != s.state.proto && (s.state.passthrough || s.state.pinned())) {
                    // the private connection holds the subscriptions or the transaction, in the old protocol
                    return s.answers.refuse("ERR redis-sidecar: HELLO cannot switch the protocol while subscribed"
                            + " or in a transaction (MULTI, WATCH)");
                }
                if (ver != s.state.proto && s.replies.inflight() > 0) {
                    s.pause(ClientSession.PAUSE_BARRIER); // its requests move to other connections: after the ones due
                    return false;
                }
                boolean ok = answerAuth(s, Emulator.reply(s.state, s.ctx.channel(), cmd, req, s.alloc(), px));
                s.privateRoute.protocol(s.state.proto);
                return ok;
            }
            case "auth" -> {
                return answerAuth(s, Emulator.reply(s.state, s.ctx.channel(), cmd, req, s.alloc(), px));
            }
            case "acl|whoami" -> {
                return s.answers.local(Replies.bulk(s.alloc(), s.state.user.name().getBytes(StandardCharsets.UTF_8)));
            }
            case "acl|log" -> {
                return s.answers.local(aclLog(s, req, px));
            }
            case "acl|dryrun" -> {
                return s.answers.local(AclDryRun.reply(req, px, s.alloc()));
            }
            default -> {
                return s.answers.local(Emulator.reply(s.state, s.ctx.channel(), cmd, req, s.alloc(), px));
            }
        }
    }
}
