package io.redissidecar.proxy.routing;

import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.Handling;
import io.redissidecar.proxy.commands.Secrets;
import java.util.Set;

/**
 * The one place that decides where a request goes, from the command's handling and the client's connection state.
 * Stateless; the session applies the state changes that follow (MULTI, WATCH, pass-through).
 */
public final class Router {
    private static final byte[] BLOCK = "block".getBytes();
    private static final byte[] STREAMS = "streams".getBytes();

    private Router() {
    }

    /** Cluster mode: requests whose keys lie in several slots that the proxy splits per key and merges. */
    public static final Set<String> SPLITTABLE = Set.of("mget", "mset", "del", "unlink",
            "exists", "touch");
    /** Cluster mode: requests sent to every master (or, for SCAN, to each in turn). */
    public static final Set<String> FAN_OUT = Set.of("keys", "scan", "dbsize", "randomkey",
            "flushdb", "flushall", "script|load", "script|exists", "script|flush", "function|load",
            "function|delete", "function|flush", "ping");
    /** Cluster mode: answered by the proxy as a one-node cluster that owns every slot. */
    /**
     * Per-client state the proxy keeps that cannot be queued in Redis's transaction on the private connection: there
     * it would silence that connection (CLIENT REPLY) or turn tracking on for it.
     */
    private static final Set<String> PER_CLIENT_NOT_IN_MULTI = Set.of("client|reply", "client|tracking",
            "client|caching", "client|trackinginfo", "client|getredir", "client|list", "client|kill", "client|info",
            "client|unblock");

    /**
     * Answered by the proxy even while the client is subscribed (its private connection is its own then): the
     * proxy's authentication and protocol, and the proxy's clients (the proxy's ids are what REDIRECT takes).
     */
    private static final Set<String> PASSTHROUGH_LOCAL = Set.of("hello", "auth", "client|id", "client|list",
            "client|info", "client|kill", "client|unblock", "client|reply", "acl|whoami", "acl|dryrun", "acl|log");

    public static final Set<String> CLUSTER_LOCAL = Set.of("cluster|slots", "cluster|shards",
            "cluster|nodes", "cluster|info", "cluster|myid", "cluster|keyslot", "readonly", "readwrite",
            "asking");

    /**
     * Cluster mode: the hash slot of the request routed last, computed by {@link #route}. One per client session
     * (it holds the scratch array of key positions).
     */
    public static final class Slots {
        /** No key: any master will do (the proxy uses the owner of slot 0). */
        public static final int NO_KEYS = -1;
        /** Keys in more than one slot. */
        public static final int CROSS = -2;
        private int[] keys = new int[16];
        private int slot = NO_KEYS;

        public int slot() {
            return slot;
        }

        /** The slot of each key of the last request routed, by key number (for SPLIT). */
        public int keyCount() {
            return keyCount;
        }

        public int keyArg(int i) {
            return keys[i];
        }

        private int keyCount;

        void compute(CommandInfo cmd, RequestFramer req) {
            slot = NO_KEYS;
            keyCount = 0;
            if (cmd == null || cmd.keySpecs().isEmpty()) {
                return;
            }
            if (keys.length < req.argc()) {
                keys = new int[req.argc()];
            }
            int n = cmd.keys(req, keys);
            if (n <= 0) {
                return; // no key, or the request does not fit the spec: Redis answers it (any master)
            }
            keyCount = n;
            int s = -3;
            for (int i = 0; i < n; i++) {
                int k = keys[i];
                int ks = SlotHash.slot(req.frameBuffer(), req.argOffset(k), req.argLength(k));
                if (s == -3) {
                    s = ks;
                } else if (ks != s) {
                    slot = CROSS;
                    return;
                }
            }
            slot = s;
        }
    }

    /** The client's per-connection state that routing depends on. */
    public interface State {
        boolean inMulti();

        boolean watching();

        boolean passthrough();
    }

    /**
     * @param cmd the command (the subcommand for containers), or null when Redis itself should answer the request
     *            with an error (unknown command or subcommand, wrong number of arguments)
     */
    public static Route route(CommandInfo cmd, RequestFramer req, State s) {
        return route(cmd, req, s, null);
    }

    /**
     * @param slots in cluster mode, where the request's hash slot is left (null in the other modes); a route that
     *              sends the request somewhere is SHARED, PRIVATE or PASSTHROUGH with {@code slots.slot()} naming
     *              the slot (or NO_KEYS)
     */
    public static Route route(CommandInfo cmd, RequestFramer req, State s, Slots slots) {
        if (slots != null) {
            slots.compute(cmd, req);
            Route r = clusterRoute(cmd, s, slots);
            if (r != null) {
                return r;
            }
        }
        boolean pinned = s.inMulti() || s.watching();
        if (cmd == null) {
            return s.passthrough() ? Route.PASSTHROUGH : pinned ? Route.PRIVATE : Route.SHARED;
        }
        Handling h = cmd.handling();
        if (h == Handling.DENIED) {
            return Route.DENIED;
        }
        if (cmd.name().equals("config|get") && secretPattern(req)) {
            return Route.SECRET;
        }
        if (h == Handling.UNSUPPORTED) {
            return Route.UNSUPPORTED;
        }
        if (s.passthrough()) {
            // the private connection is the client's own connection now; only what would break the proxy stays local
            String n = cmd.name();
            if (n.equals("multi")) {
                return Route.NOT_AFTER_SUBSCRIBE;
            }
            return PASSTHROUGH_LOCAL.contains(n) ? Route.LOCAL : Route.PASSTHROUGH;
        }
        if (h == Handling.FORWARD && !pinned && cmd.name().equals("info")) {
            return Route.INFO;
        }
        switch (h) {
            case EMULATED -> {
                if (!s.inMulti()) {
                    return Route.LOCAL;
                }
                String n = cmd.name();
                if (n.equals("quit") || n.equals("reset")) {
                    return Route.LOCAL;
                }
                // CLIENT REPLY inside a transaction would silence the private connection the proxy reads replies on
                return n.startsWith("client|") && !PER_CLIENT_NOT_IN_MULTI.contains(n) ? Route.PRIVATE
                        : Route.NOT_IN_MULTI;
            }
            case SIDE -> {
                return pinned ? Route.PRIVATE : Route.SIDE;
            }
            case TRANSACTION -> {
                String n = cmd.name();
                if (n.equals("multi") || n.equals("watch")) {
                    return Route.PRIVATE;
                }
                return pinned ? Route.PRIVATE : Route.SHARED;
            }
            case PUBSUB -> {
                // inside MULTI a subscription would switch the private connection to pub/sub behind the proxy's back
                if (s.inMulti()) {
                    return Route.NOT_IN_MULTI;
                }
                // a bare unsubscribe of a client that is not subscribed is one reply, answered by the proxy (in RESP3 it
                // is a push, which a shared connection does not match to a request); with channels named, Redis
                // answers once per channel: that needs the pass-through connection
                return cmd.name().contains("unsub") && req.argc() == 1 ? Route.LOCAL : Route.PASSTHROUGH;
            }
            case BLOCKING -> {
                if (pinned) {
                    return Route.PRIVATE;
                }
                if ((cmd.name().equals("xread") || cmd.name().equals("xreadgroup")) && !hasBlockOption(req)) {
                    return Route.SHARED;
                }
                return Route.PRIVATE;
            }
            default -> {
                return pinned ? Route.PRIVATE : Route.SHARED;
            }
        }
    }

    /** What cluster mode decides before the common rules; null to apply them. */
    private static Route clusterRoute(CommandInfo cmd, State s, Slots slots) {
        if (cmd == null || s.passthrough()) {
            return null;
        }
        Handling h = cmd.handling();
        if (h == Handling.DENIED || h == Handling.UNSUPPORTED) {
            return null;
        }
        String n = cmd.name();
        if (n.equals("info") && !s.inMulti()) {
            return Route.INFO;
        }
        if (CLUSTER_LOCAL.contains(n)) {
            return s.inMulti() ? Route.NOT_IN_MULTI : Route.LOCAL;
        }
        boolean pinned = s.inMulti() || s.watching();
        if (!pinned && h == Handling.FORWARD && FAN_OUT.contains(n)) {
            return Route.FAN_OUT;
        }
        if (slots.slot() == Slots.CROSS) {
            return !pinned && h == Handling.FORWARD && SPLITTABLE.contains(n) ? Route.SPLIT : Route.CROSSSLOT;
        }
        return null;
    }

    /** XREAD/XREADGROUP block only with BLOCK. */
    private static boolean hasBlockOption(RequestFramer req) {
        // any argument BLOCK counts, after STREAMS too: a group or consumer may be named "streams" (XREADGROUP GROUP
        // streams c BLOCK 0 ...), and a key named "block" merely costs a private connection (fail closed)
        for (int i = 1; i < req.argc(); i++) {
            if (req.argEqualsIgnoreCase(i, BLOCK)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a CONFIG GET pattern would show a password of the backend (see {@link Secrets}). */
    private static boolean secretPattern(RequestFramer req) {
        for (int i = 2; i < req.argc(); i++) {
            if (Secrets.matchesSecret(req.argBytes(i))) {
                return true;
            }
        }
        return false;
    }
}
