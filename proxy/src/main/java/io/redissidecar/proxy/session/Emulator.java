package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.redissidecar.config.Mode;
import io.redissidecar.proxy.acl.AclUser;
import io.redissidecar.proxy.acl.AclUsers;
import io.redissidecar.proxy.acl.AuthFailures;
import io.redissidecar.proxy.cluster.ClusterView;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.resp.Replies;
import io.redissidecar.proxy.routing.Router;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The commands whose state the proxy keeps per client instead of on a shared backend connection: HELLO (RESP2
 * only), SELECT, AUTH (the proxy's users, {@code acl.AclUsers}), CLIENT
 * SETNAME|GETNAME|ID|SETINFO|INFO|NO-EVICT|NO-TOUCH. Replies and error texts are Redis 7's; it reads and changes the
 * client's {@link ConnectionState}. QUIT and RESET change the session's flow and live in {@link ClientSession}.
 */
final class Emulator {
    private static final byte[] AUTH = "auth".getBytes();
    private static final byte[] SETNAME = "setname".getBytes();
    private static final byte[] ON = "on".getBytes();
    private static final byte[] OFF = "off".getBytes();
    private static final byte[] LIB_NAME = "lib-name".getBytes();
    private static final byte[] LIB_VER = "lib-ver".getBytes();
    private static final byte[] DEFAULT_USER = "default".getBytes();

    private Emulator() {
    }

    static boolean allowedBeforeAuth(CommandInfo cmd) {
        String n = cmd.name();
        return n.equals("auth") || n.equals("hello") || n.equals("quit");
    }

    static ByteBuf reply(ConnectionState s, Channel ch, CommandInfo cmd, RequestFramer req, ByteBufAllocator alloc,
                         ProxyContext px) {
        return switch (cmd.name()) {
            case "select" -> select(s, req, alloc, px);
            case "auth" -> auth(s, req, alloc, px);
            case "hello" -> hello(s, req, alloc, px);
            case "client|setname" -> setName(s, req.argBytes(2), alloc);
            case "client|getname" -> s.name == null && s.proto == 3 ? Replies.of(Replies.NULL3)
                    : Replies.bulk(alloc, s.name);
            case "client|id" -> Replies.integer(alloc, s.id);
            case "client|setinfo" -> req.argEqualsIgnoreCase(2, LIB_NAME) || req.argEqualsIgnoreCase(2, LIB_VER)
                    ? Replies.of(Replies.OK)
                    : Replies.error(alloc, "ERR Unrecognized option '" + str(req.argBytes(2)) + "'");
            case "client|no-evict", "client|no-touch" -> req.argEqualsIgnoreCase(2, ON)
                    || req.argEqualsIgnoreCase(2, OFF) ? Replies.of(Replies.OK)
                    : Replies.error(alloc, "ERR syntax error");
            default -> Router.CLUSTER_LOCAL.contains(cmd.name())
                    ? ClusterView.reply((InetSocketAddress) ch.localAddress(), cmd, req, alloc, px.config(),
                            px.topology(), s.proto)
                    : Replies.error(alloc, "ERR redis-sidecar: no emulation for '" + cmd.name() + "'");
        };
    }

    private static ByteBuf select(ConnectionState s, RequestFramer req, ByteBufAllocator alloc, ProxyContext px) {
        long n = req.argLong(1);
        if (n == Long.MIN_VALUE || n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
            return Replies.error(alloc, "ERR value is not an integer or out of range");
        }
        if (n != 0 && px.config().mode() == Mode.CLUSTER) {
            return Replies.error(alloc, "ERR SELECT is not allowed in cluster mode");
        }
        if (n < 0 || n >= px.topology().databases()) {
            return Replies.error(alloc, "ERR DB index is out of range");
        }
        s.db = (int) n;
        return Replies.of(Replies.OK);
    }

    private static ByteBuf auth(ConnectionState s, RequestFramer req, ByteBufAllocator alloc, ProxyContext px) {
        AclUsers users = px.users();
        if (req.argc() == 2) {
            if (users.defaultUser().nopass()) {
                return Replies.error(alloc, "ERR AUTH <password> called without any password configured for the "
                        + "default user. Are you sure your configuration is correct?");
            }
            return checkPassword(s, DEFAULT_USER, req.argBytes(1), alloc, users);
        }
        if (req.argc() == 3) {
            return checkPassword(s, req.argBytes(1), req.argBytes(2), alloc, users);
        }
        return Replies.error(alloc, "ERR syntax error");
    }

    /**
     * Logs the client in as {@code user} when the password fits (Redis's ACLCheckUserCredentials); on failure the
     * client stays as it was and {@link ConnectionState#authFailure} names the user for the failure count.
     */
    private static ByteBuf checkPassword(ConnectionState s, byte[] user, byte[] password, ByteBufAllocator alloc,
                                         AclUsers users) {
        AclUser u = users.get(new String(user, StandardCharsets.UTF_8));
        if (u != null && u.accepts(password)) {
            s.authed = true;
            s.user = u;
            s.passwordHash = u.nopass() ? null : AclUser.sha256Hex(password);
            return Replies.of(Replies.OK);
        }
        s.authFailure = u == null ? AuthFailures.UNKNOWN_USER : u.name();
        s.authFailureName = new String(user, StandardCharsets.UTF_8);
        return Replies.error(alloc, "WRONGPASS invalid username-password pair or user is disabled.");
    }

    private static ByteBuf hello(ConnectionState s, RequestFramer req, ByteBufAllocator alloc, ProxyContext px) {
        if (req.argc() >= 2) {
            long ver = req.argLong(1);
            if (ver == Long.MIN_VALUE) {
                return Replies.error(alloc, "ERR Protocol version is not an integer or out of range");
            }
            if (ver != 2 && ver != 3) {
                return Replies.error(alloc, "NOPROTO unsupported protocol version");
            }
            byte[] newName = null;
            for (int j = 2; j < req.argc(); j++) {
                int more = req.argc() - j - 1;
                if (req.argEqualsIgnoreCase(j, AUTH) && more >= 2) {
                    ByteBuf r = checkPassword(s, req.argBytes(j + 1), req.argBytes(j + 2), alloc, px.users());
                    if (r.getByte(r.readerIndex()) == '-') {
                        return r;
                    }
                    r.release();
                    j += 2;
                } else if (req.argEqualsIgnoreCase(j, SETNAME) && more >= 1) {
                    newName = req.argBytes(j + 1);
                    if (!validName(newName)) {
                        return nameError(alloc);
                    }
                    j += 1;
                } else {
                    return Replies.error(alloc, "ERR Syntax error in HELLO option '" + str(req.argBytes(j)) + "'");
                }
            }
            if (!s.authed) {
                return Replies.error(alloc, "NOAUTH HELLO must be called with the client already authenticated, "
                        + "otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate "
                        + "the client and select the RESP protocol version at the same time");
            }
            if (newName != null) {
                s.name = newName.length == 0 ? null : newName;
            }
            s.proto = (int) ver; // the reply is in the new protocol already, as Redis's
        } else if (!s.authed) {
            return Replies.error(alloc, "NOAUTH Authentication required.");
        }
        ByteBuf b = alloc.buffer(128);
        if (s.proto == 3) {
            b.writeByte('%').writeBytes(bytes("7\r\n"));
        } else {
            Replies.writeArrayHeader(b, 14);
        }
        Replies.writeBulk(b, bytes("server"));
        Replies.writeBulk(b, bytes("redis"));
        Replies.writeBulk(b, bytes("version"));
        Replies.writeBulk(b, bytes(px.topology().redisVersion()));
        Replies.writeBulk(b, bytes("proto"));
        Replies.writeInteger(b, s.proto);
        Replies.writeBulk(b, bytes("id"));
        Replies.writeInteger(b, s.id);
        Replies.writeBulk(b, bytes("mode"));
        Replies.writeBulk(b, bytes("standalone"));
        Replies.writeBulk(b, bytes("role"));
        Replies.writeBulk(b, bytes("master"));
        Replies.writeBulk(b, bytes("modules"));
        Replies.writeArrayHeader(b, 0);
        return b;
    }

    private static ByteBuf setName(ConnectionState s, byte[] name, ByteBufAllocator alloc) {
        if (!validName(name)) {
            return nameError(alloc);
        }
        s.name = name.length == 0 ? null : name;
        return Replies.of(Replies.OK);
    }

    private static boolean validName(byte[] name) {
        for (byte b : name) {
            if (b < '!' || b > '~') {
                return false;
            }
        }
        return true;
    }

    private static ByteBuf nameError(ByteBufAllocator alloc) {
        return Replies.error(alloc, "ERR Client names cannot contain spaces, newlines or special characters.");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
