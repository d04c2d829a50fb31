package io.redissidecar.proxy.commands;

import java.util.Set;

/**
 * The proxy's own decisions per command, reviewed by hand (Redis's facts come from the generated table).
 * A reader looking for "what does the proxy do with command X" starts here, then {@code routing.Router}.
 */
final class CommandPolicy {
    private CommandPolicy() {
    }

    /** Per-connection state the proxy keeps itself, per client, instead of on a shared backend connection. */
    static final Set<String> EMULATED = Set.of("hello", "select", "auth", "quit", "reset",
            "client|setname", "client|getname", "client|id", "client|setinfo", "client|info", "client|no-evict",
            "client|no-touch");

    static final Set<String> TRANSACTION = Set.of("multi", "exec", "discard", "watch", "unwatch");

    static final Set<String> PUBSUB = Set.of("subscribe", "psubscribe", "ssubscribe", "unsubscribe",
            "punsubscribe", "sunsubscribe");

    /** Blocking without Redis's "blocking" flag. XREAD/XREADGROUP block only with BLOCK: see the router. */
    static final Set<String> EXTRA_BLOCKING = Set.of("wait");

    /** Would change how a shared connection replies (or name a backend connection): refused. */
    static final Set<String> UNSUPPORTED = Set.of("client|reply", "client|tracking", "client|caching",
            "client|getredir", "client|unblock", "client|trackinginfo");

    /**
     * Writes whose repetition leaves the same data (read-only commands are idempotent by their flag). Replies may
     * differ on the second sending (DEL counts 0). Commands whose options change that (SET ... GET, ZADD ... INCR)
     * are judged by the replay logic with their arguments.
     */
    static final Set<String> IDEMPOTENT_WRITES = Set.of("set", "setex", "psetex", "setnx", "mset", "msetnx",
            "setrange", "setbit", "del", "unlink", "hset", "hmset", "hsetnx", "hdel", "sadd", "srem", "zadd",
            "zrem", "zremrangebyscore", "zremrangebyrank", "zremrangebylex", "expire", "pexpire", "expireat",
            "pexpireat", "persist", "lset", "ltrim", "pfadd", "geoadd", "sinterstore", "sunionstore",
            "sdiffstore", "zunionstore", "zinterstore", "zdiffstore", "zrangestore", "bitop", "flushdb",
            "flushall", "script|load", "function|load", "touch");

    /** Commands newer than the table's Redis version that clients send anyway (Jedis, Lettuce send SETINFO). */
    static final String[] SYNTHETIC = {
        "client|setinfo\t4\tnoscript,loading,stale\tslow,connection\t-",
        "client|no-touch\t3\tnoscript,loading,stale\tslow,connection\t-",
    };

    static Handling handling(String name, int flags, Set<String> denied) {
        if (denied.contains(name)) {
            return Handling.DENIED;
        }
        if (UNSUPPORTED.contains(name)) {
            return Handling.UNSUPPORTED;
        }
        if (EMULATED.contains(name)) {
            return Handling.EMULATED;
        }
        if (TRANSACTION.contains(name)) {
            return Handling.TRANSACTION;
        }
        if (PUBSUB.contains(name)) {
            return Handling.PUBSUB;
        }
        if ((flags & CommandInfo.BLOCKING) != 0 || EXTRA_BLOCKING.contains(name)) {
            return Handling.BLOCKING;
        }
        return Handling.FORWARD;
    }
}
