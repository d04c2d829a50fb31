package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.redissidecar.proxy.acl.AclCheck;
import io.redissidecar.proxy.acl.AclUser;
import io.redissidecar.proxy.acl.AclUsers;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One client's authentication and permissions, apart from its requests' flow: the ACL check of a request (asked of
 * {@link AclCheck} only for users without every permission), the ACL LOG entries of denials and failed AUTH, the
 * AUTH timeout, the delayed WRONGPASS of a failed AUTH, and what a change of the proxy's users means for the client.
 * Runs on the client's event loop.
 */
final class ClientAuth {
    private final ClientSession s;
    private final ProxyContext px;
    private final ConnectionState state;
    private final AclCheck acl = new AclCheck();
    /** Closes the client if it has not authenticated in time; cancelled at its first successful AUTH. */
    private Future<?> timer;

    ClientAuth(ClientSession session, ProxyContext px, ConnectionState state) {
        this.s = session;
        this.px = px;
        this.state = state;
    }

    /** A new connection: the AUTH timeout starts when authentication is needed (Redis has no such timeout). */
    void connected(ChannelHandlerContext ctx) {
        long ms = px.config().authTimeoutMs();
        if (!state.authed && ms > 0) {
            timer = ctx.executor().schedule(this::timedOut, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** The client logged in (AUTH or HELLO AUTH): the AUTH timeout no longer applies, even after a RESET. */
    void loggedIn() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void timedOut() {
        timer = null;
        if (s.isActive() && !state.authed && !s.closing) {
            px.authTimedOut(s.ctx.channel().remoteAddress());
            s.closing = true;
            s.ctx.close();
        }
    }

    /**
     * Checks the request ({@code cmd}, from {@code framer}) against the client's user, who has some restriction.
     * Returns true when it was refused and answered (Redis's NOPERM text); false when it goes on, which a refused
     * EXEC inside MULTI does: it becomes a DISCARD with Redis's EXECABORT and the refusal's text.
     */
    boolean refused(CommandInfo cmd, RequestFramer framer) {
        AclUser user = state.user;
        int denied = acl.check(user, cmd, framer);
        if (denied == AclCheck.OK) {
            return false;
        }
        String error = AclCheck.error(denied, cmd);
        if (denied == AclCheck.DENIED_SORT_BY || denied == AclCheck.DENIED_SORT_GET) {
            return s.answers.refuse(Replies.errorLatin1(s.alloc(), error)); // the command's own error, not ACL LOG's
        }
        log(denied, cmd, framer, user);
        if (!cmd.name().equals("exec")) {
            return s.answers.refuse(Replies.errorLatin1(s.alloc(), error));
        }
        if (!state.inMulti) { // Redis aborts with the refusal's text, as after any EXEC it rejects
            return s.answers.refuse(Replies.errorLatin1(s.alloc(), ConnectionState.EXECABORT_BECAUSE + error));
        }
        state.txDirty = true;
        state.execAbort = error;
        return false;
    }

    /** ACL LOG entry of a denial: the command, or the key or channel refused, as Redis logs them. */
    private void log(int denied, CommandInfo cmd, RequestFramer framer, AclUser user) {
        String object = denied == AclCheck.DENIED_COMMAND ? cmd.name()
                : new String(framer.argBytes(acl.deniedArg()), StandardCharsets.UTF_8);
        String reason = switch (denied) {
            case AclCheck.DENIED_COMMAND -> "command";
            case AclCheck.DENIED_KEY -> "key";
            default -> "channel";
        };
        px.aclLog().add(reason, state.inMulti ? "multi" : "toplevel", object, user.name(),
                ClientList.line(s, cmd.name()).trim());
    }

    /**
     * A failed AUTH: counted, logged and in ACL LOG; its WRONGPASS reply goes out at once, or, when its address
     * failed too often lately, after a delay during which nothing more of the client is read (the event loop is
     * never blocked: the reply is scheduled). {@code user} is the failure's label (a user's name or (unknown)).
     */
    boolean failed(String user, ByteBuf reply) {
        px.aclLog().add("auth", state.inMulti ? "multi" : "toplevel", "AUTH", state.authFailureName,
                ClientList.line(s, "auth").trim());
        SocketAddress addr = s.ctx.channel().remoteAddress();
        long delay = px.authFailures().failed(user, addr instanceof InetSocketAddress i ? i.getAddress() : null,
                String.valueOf(addr), px.config().authFailureDelayMs());
        if (delay <= 0) {
            return s.answers.local(reply);
        }
        s.pause(ClientSession.PAUSE_AUTH_DELAY);
        s.ctx.executor().schedule(() -> {
            if (!s.isActive()) {
                reply.release();
                return;
            }
            s.answers.local(reply);
            s.resume(ClientSession.PAUSE_AUTH_DELAY);
        }, delay, TimeUnit.MILLISECONDS);
        return true;
    }

    /**
     * The proxy's users changed (a reload, a new command table): a logged-in client keeps its connection if its user
     * still exists, is on and takes the password it logged in with (or still needs none), and gets the user's new
     * rules; otherwise it is closed. A client that has not logged in acts as the new default user.
     */
    void usersChanged(AclUsers users) {
        if (!s.isActive()) {
            return;
        }
        if (!state.authed) {
            state.user = users.defaultUser();
            return;
        }
        AclUser now = users.get(state.user.name());
        if (now == null || !now.stillAccepts(state.passwordHash)) {
            s.closing = true;
            s.ctx.close(); // its user, or the password it logged in with, is gone: it would not log in again
            return;
        }
        if ((state.passthrough || state.inMulti || state.watching) && !now.samePermissions(state.user)) {
            // what was granted before (its subscriptions, its queued transaction) cannot be checked again: closed,
            // as Redis's ACL LOAD closes the clients of every user it changes
            s.closing = true;
            s.ctx.close();
            return;
        }
        state.user = now;
    }
}
