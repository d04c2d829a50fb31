package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.proxy.acl.AclCheck;
import io.redissidecar.proxy.acl.AclUser;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;

/** {@code ACL DRYRUN user command [args...]} for the proxy's users, with Redis 7.0's replies and errors. */
final class AclDryRun {
    /** The checked command starts at argument 3: ACL DRYRUN user command ... */
    private static final int SHIFT = 3;

    private AclDryRun() {
    }

    static ByteBuf reply(RequestFramer req, ProxyContext px, ByteBufAllocator alloc) {
        AclUser user = px.users().get(new String(req.argBytes(2), StandardCharsets.UTF_8));
        if (user == null) {
            return Replies.errorLatin1(alloc, "ERR User '" + latin1(req, 2) + "' not found");
        }
        ByteBuf buf = req.frameBuffer();
        CommandInfo cmd = px.commands().lookup(buf, req.argOffset(SHIFT), req.argLength(SHIFT));
        if (cmd != null && cmd.subcommands() != null && req.argc() > SHIFT + 1) {
            cmd = cmd.subcommands().lookup(buf, req.argOffset(SHIFT + 1), req.argLength(SHIFT + 1));
        }
        if (cmd == null) {
            return Replies.errorLatin1(alloc, "ERR Command '" + latin1(req, SHIFT) + "' not found");
        }
        if (!cmd.arityOk(req.argc() - SHIFT)) {
            return Replies.errorLatin1(alloc, "ERR wrong number of arguments for '" + cmd.name() + "' command");
        }
        AclCheck check = new AclCheck();
        int result = check.check(user, cmd, req, SHIFT);
        if (result == AclCheck.OK) {
            return Replies.of(Replies.OK);
        }
        return Replies.bulk(alloc, AclCheck.dryRunText(result, cmd, req, SHIFT, check.deniedArg())
                .getBytes(StandardCharsets.UTF_8));
    }

    private static String latin1(RequestFramer req, int i) {
        return new String(req.argBytes(i), StandardCharsets.ISO_8859_1);
    }
}
