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
            "client|no-touch", "client|reply", "client|tracking", "client|caching", "client|trackinginfo",
            "client|getredir", "client|list", "client|kill", "client|unblock", "acl|whoami", "acl|dryrun", "acl|log");

    static final Set<String> TRANSACTION = Set.of("multi", "exec", "discard", "watch", "unwatch");

    /** Commands that make the client's private connection its own, everything Redis sends passed through. */
    static final Set<String> PUBSUB = Set.of("subscribe", "psubscribe", "ssubscribe", "unsubscribe",
            "punsubscribe", "sunsubscribe", "monitor");

    /** Scripts: an error they return is their result, never a signal of Redis's (see {@code InFlight.script}). */
    static final Set<String> SCRIPTS = Set.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro");

    /** Commands that may write without Redis's write flag: replicated durability confirms them too. */
    static final Set<String> MAY_WRITE = Set.of("exec", "eval", "evalsha", "fcall");

    /** Commands that must reach a node at once, even while a script keeps it busy: a connection of their own. */
    static final Set<String> SIDE = Set.of("script|kill", "function|kill", "shutdown");

    /** Blocking without Redis's "blocking" flag. XREAD/XREADGROUP block only with BLOCK: see the router. */
    static final Set<String> EXTRA_BLOCKING = Set.of("wait", "waitaof");

    /**
     * Refused whatever the deny list says: on a shared connection they would shift every later reply to the wrong
     * client (no reply: REPLCONF; a stream of replies: MONITOR, SYNC, PSYNC; a mode switch: SCRIPT DEBUG,
     * CLIENT TRACKING and its kin), or act on the backend connection rather than the client's (CLIENT UNBLOCK).
     * CLIENT REPLY is emulated: the proxy drops the replies the client asked not to get.
     */
    static final Set<String> UNSUPPORTED = Set.of("replconf", "sync", "psync",
            "script|debug");

    /**
     * Writes whose repetition leaves the same data, whatever their arguments (read-only commands are idempotent by
     * their flag): they may be sent again when a connection is lost before their reply. Replies may differ on the
     * second sending (DEL counts 0, FUNCTION LOAD says the library exists); a relative expiry
     * (EXPIRE, SETEX) starts again from the second sending. Not here, because a second run changes the data again:
     * LTRIM and ZREMRANGEBYRANK (positions shift), FLUSHDB and FLUSHALL (they would also remove what other clients
     * wrote in between), SETNX, MSETNX and HSETNX (their reply says whether they set: a replay answers 0 to the
     * client whose first run set it), and every command that adds, counts or moves.
     */
    static final Set<String> IDEMPOTENT_WRITES = Set.of("setex", "psetex", "mset",
            "setrange", "setbit", "del", "unlink", "hset", "hmset", "hdel", "sadd", "srem", "zrem",
            "zremrangebyscore", "zremrangebylex", "expire", "pexpire", "expireat", "pexpireat", "persist", "lset",
            "pfadd", "geoadd", "script|load", "function|load", "touch");

    /**
     * Writes that are idempotent unless an argument says otherwise: SET with GET, NX or XX (the reply says what was
     * there, or whether it was set: a lock taker would read a replay's nil as "not mine"), ZADD with INCR, and the *STORE
     * commands and BITOP when the destination is also a source (see {@code ReplaySafety}).
     */
    static final Set<String> IDEMPOTENT_UNLESS_ARGS = Set.of("set", "zadd", "bitop", "sinterstore", "sunionstore",
            "sdiffstore", "zunionstore", "zinterstore", "zdiffstore", "zrangestore");

    /** Commands newer than the table's Redis version that clients send anyway (Jedis, Lettuce send SETINFO). */
    static final String[] SYNTHETIC = {
        "client|setinfo\t4\tnoscript,loading,stale\tslow,connection\t-",
        "client|no-touch\t3\tnoscript,loading,stale\tslow,connection\t-",
    };

    static Handling handling(String name, int flags, Set<String> denied) {
        int bar = name.indexOf('|');
        if (denied.contains(name) || bar > 0 && denied.contains(name.substring(0, bar))) {
            return Handling.DENIED; // a denied container denies every one of its subcommands
        }
        if (UNSUPPORTED.contains(name)) {
            return Handling.UNSUPPORTED;
        }
        if (EMULATED.contains(name)) {
            return Handling.EMULATED;
        }
        if (SIDE.contains(name)) {
            return Handling.SIDE;
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
