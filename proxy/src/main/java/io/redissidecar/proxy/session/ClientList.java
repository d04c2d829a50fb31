package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.resp.Replies;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code CLIENT INFO}, {@code CLIENT LIST} and {@code CLIENT KILL} on the proxy's own clients, which is what an
 * application expects of them: Redis sees only the proxy's connections. Lines have Redis 7's fields; the ones the
 * proxy does not keep (fd, buffers, memory, idle time) are 0 or -1.
 */
final class ClientList {
    private ClientList() {
    }

    /** One client's line, as CLIENT LIST and CLIENT INFO give it ({@code cmd}: its command now, or the last). */
    static String line(ClientSession c, String cmd) {
        ConnectionState s = c.state;
        long age = (System.currentTimeMillis() - s.createdAtMillis) / 1000;
        int sub = c.subs.count(0);
        int psub = c.subs.count(1);
        int ssub = c.subs.count(2);
        // Redis's letters, in Redis's order: O monitor, P pub/sub, x MULTI, b blocked, t tracking, B BCAST
        String flags = (s.monitoring ? "O" : s.passthrough ? "P" : "") + (s.inMulti ? "x" : "")
                + (c.priv.blockedRedisClientId() >= 0 ? "b" : "") + (c.tracking.state.on() ? "t" : "")
                + (c.tracking.state.bcast() ? "B" : "");
        return "id=" + s.id + " addr=" + addr(c.ctx.channel().remoteAddress()) + " laddr="
                + addr(c.ctx.channel().localAddress()) + " fd=-1 name="
                + (s.name == null ? "" : new String(s.name, StandardCharsets.UTF_8)) + " age=" + age + " idle=0 flags="
                + (flags.isEmpty() ? "N" : flags) + " db=" + s.db + " sub=" + sub + " psub=" + psub + " ssub=" + ssub
                + " multi=" + (s.inMulti ? "0" : "-1")
                + " qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r"
                + " cmd=" + cmd + " user=" + s.userName() + " redir=" + c.tracking.state.getRedir() + " resp="
                + s.proto + "\n";
    }

    private static String addr(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getAddress().getHostAddress() + ":" + i.getPort()
                : String.valueOf(a);
    }

    /** {@code CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...]}. */
    static ByteBuf list(ClientSession caller, RequestFramer req, ProxyContext px) {
        ByteBufAllocator alloc = caller.alloc();
        String type = null;
        Set<Long> ids = null;
        if (req.argc() >= 4 && arg(req, 2).equals("type") && req.argc() == 4) {
            type = arg(req, 3);
            if (!Set.of("normal", "master", "replica", "slave", "pubsub").contains(type)) {
                return Replies.errorLatin1(alloc, "ERR Unknown client type '" + raw(req, 3) + "'");
            }
        } else if (req.argc() >= 4 && arg(req, 2).equals("id")) {
            ids = new LinkedHashSet<>();
            for (int i = 3; i < req.argc(); i++) {
                long id = req.argLong(i);
                if (id == Long.MIN_VALUE) {
                    return Replies.error(alloc, "ERR Invalid client ID");
                }
                ids.add(id); // an id no client has (0, negative) lists nothing, as in Redis
            }
        } else if (req.argc() != 2) {
            return Replies.error(alloc, "ERR syntax error");
        }
        StringBuilder out = new StringBuilder();
        List<ClientSession> listed = new ArrayList<>();
        if (ids != null) { // in the order given, as Redis lists them
            for (long id : ids) {
                ClientSession c = px.session(id);
                if (c != null && c.ctx != null && c.isActive()) {
                    listed.add(c);
                }
            }
        } else {
            listed = sorted(px);
        }
        for (ClientSession c : listed) {
            if (type == null || type.equals(typeOf(c))) {
                out.append(line(c, c == caller ? "client|list" : "NULL"));
            }
        }
        return Replies.text(alloc, out.toString().getBytes(StandardCharsets.UTF_8), caller.state.proto);
    }

    private static String typeOf(ClientSession c) {
        return c.state.passthrough ? "pubsub" : "normal";
    }

    private static List<ClientSession> sorted(ProxyContext px) {
        List<ClientSession> all = new ArrayList<>();
        for (ClientSession c : px.sessions()) {
            if (c.ctx != null && c.isActive()) {
                all.add(c);
            }
        }
        all.sort((a, b) -> Long.compare(a.state.id, b.state.id));
        return all;
    }

    /**
     * {@code CLIENT KILL addr:port}, or {@code CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a]
     * [SKIPME yes|no]}. Returns the reply; a killed caller is closed after it ({@code killedSelf[0]}).
     */
    static ByteBuf kill(ClientSession caller, RequestFramer req, ProxyContext px, boolean[] killedSelf) {
        ByteBufAllocator alloc = caller.alloc();
        if (req.argc() == 3) {
            String addr = raw(req, 2);
            for (ClientSession c : sorted(px)) {
                if (addr(c.ctx.channel().remoteAddress()).equals(addr)) {
                    close(c, caller, killedSelf);
                    return Replies.of(Replies.OK);
                }
            }
            return Replies.error(alloc, "ERR No such client");
        }
        long id = 0;
        String type = null;
        String user = null;
        String addr = null;
        String laddr = null;
        boolean skipMe = true;
        if (req.argc() % 2 != 0) {
            return Replies.error(alloc, "ERR syntax error");
        }
        for (int i = 2; i < req.argc(); i += 2) {
            String opt = arg(req, i);
            switch (opt) {
                case "id" -> {
                    id = req.argLong(i + 1);
                    if (id == Long.MIN_VALUE || id <= 0) {
                        return Replies.error(alloc, "ERR client-id should be greater than 0");
                    }
                }
                case "type" -> {
                    type = arg(req, i + 1);
                    if (!Set.of("normal", "master", "replica", "slave", "pubsub").contains(type)) {
                        return Replies.errorLatin1(alloc, "ERR Unknown client type '" + raw(req, i + 1) + "'");
                    }
                }
                case "user" -> {
                    user = raw(req, i + 1);
                    if (px.users().get(user) == null) {
                        return Replies.errorLatin1(alloc, "ERR No such user '" + user + "'");
                    }
                }
                case "addr" -> addr = raw(req, i + 1);
                case "laddr" -> laddr = raw(req, i + 1);
                case "skipme" -> {
                    String v = arg(req, i + 1);
                    if (!v.equals("yes") && !v.equals("no")) {
                        return Replies.error(alloc, "ERR syntax error");
                    }
                    skipMe = v.equals("yes");
                }
                default -> {
                    return Replies.error(alloc, "ERR syntax error");
                }
            }
        }
        int killed = 0;
        for (ClientSession c : sorted(px)) {
            if (id != 0 && c.state.id != id || type != null && !type.equals(typeOf(c))
                    || addr != null && !addr.equals(addr(c.ctx.channel().remoteAddress()))
                    || laddr != null && !laddr.equals(addr(c.ctx.channel().localAddress()))
                    || user != null && !user.equals(c.state.userName()) || skipMe && c == caller) {
                continue;
            }
            close(c, caller, killedSelf);
            killed++;
        }
        return Replies.integer(alloc, killed);
    }

    private static void close(ClientSession c, ClientSession caller, boolean[] killedSelf) {
        if (c == caller) {
            killedSelf[0] = true; // after its reply, as Redis closes a client that killed itself
        } else {
            c.ctx.channel().close();
        }
    }

    private static String arg(RequestFramer req, int i) {
        return raw(req, i).toLowerCase(Locale.ROOT);
    }

    private static String raw(RequestFramer req, int i) {
        return new String(req.argBytes(i), StandardCharsets.ISO_8859_1);
    }
}
