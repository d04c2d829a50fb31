package io.redissidecar.proxy.session;

import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;

/**
 * {@code CLIENT UNBLOCK <client id> [TIMEOUT|ERROR]} for the proxy's client ids: a blocking command of that client
 * waits on its private connection, whose Redis id the proxy knows; the proxy sends {@code CLIENT UNBLOCK} with that
 * id to the node, and Redis's {@code :1} or {@code :0} is the reply. The unblocked client sees what Redis sends it
 * (a nil, or {@code -UNBLOCKED client unblocked via CLIENT UNBLOCK}), which the proxy does not retry.
 */
final class ClientUnblock {
    private static final byte[] TIMEOUT = "timeout".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ERROR = "error".getBytes(StandardCharsets.US_ASCII);

    private ClientUnblock() {
    }

    static boolean send(ClientSession s, RequestFramer req, ProxyContext px) {
        if (req.argc() > 4) { // Redis's text for a CLIENT subcommand with the wrong number of arguments
            return s.answers.local(Replies.errorLatin1(s.alloc(), "ERR unknown subcommand or wrong number of arguments "
                    + "for '" + new String(req.argBytes(1), StandardCharsets.ISO_8859_1) + "'. Try CLIENT HELP."));
        }
        String mode = "TIMEOUT";
        if (req.argc() == 4) { // the reason is checked first, as Redis does
            if (req.argEqualsIgnoreCase(3, ERROR)) {
                mode = "ERROR";
            } else if (!req.argEqualsIgnoreCase(3, TIMEOUT)) {
                return s.answers.local(Replies.error(s.alloc(), "ERR CLIENT UNBLOCK reason should be TIMEOUT or "
                        + "ERROR"));
            }
        }
        long id = req.argLong(2);
        if (id == Long.MIN_VALUE) {
            return s.answers.local(Replies.error(s.alloc(), "ERR value is not an integer or out of range"));
        }
        ClientSession target = px.session(id);
        BackendConnection p = target == null ? null : target.priv.current();
        long redisId = target == null ? -1 : target.priv.blockedRedisClientId();
        BackendConnection via = redisId < 0 || p == null ? null : s.backends.pool(p.node()).shared(0);
        if (via == null) {
            return s.answers.local(Replies.integer(s.alloc(), 0)); // not blocked: Redis's answer too
        }
        InFlight e = s.entries.client();
        e.setFrame(Replies.command(s.alloc(), "CLIENT", "UNBLOCK", Long.toString(redisId), mode));
        s.flushRun(); // bytes of this client's requests still due on a connection go first
        s.replies.sent(e);
        via.send(e);
        return true;
    }
}
