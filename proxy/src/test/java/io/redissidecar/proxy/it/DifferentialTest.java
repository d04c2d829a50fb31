package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same command sequences sent straight to a real redis-server and through the proxy must get byte-identical
 * replies, one command at a time and pipelined.
 */
class DifferentialTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis();

    /** A scenario line: a command, and how many replies it produces (pub/sub commands give several). */
    record Cmd(int replies, String[] args) {
        @Override
        public String toString() {
            return String.join(" ", args);
        }
    }

    static Cmd c(String... args) {
        return new Cmd(1, args);
    }

    static Cmd n(int replies, String... args) {
        return new Cmd(replies, args);
    }

    static Stream<Arguments> scenarios() {
        return Stream.of(
                Arguments.of("strings", List.of(c("SET", "s", "1"), c("GET", "s"), c("INCR", "s"), c("INCRBY", "s", "10"),
                        c("APPEND", "s", "x"), c("GETRANGE", "s", "0", "1"), c("SETRANGE", "s", "1", "yy"),
                        c("STRLEN", "s"), c("MSET", "a", "1", "b", "2"), c("MGET", "a", "b", "nope"),
                        c("SETNX", "a", "9"), c("GETSET", "a", "3"), c("GETDEL", "a"), c("EXISTS", "a", "b", "s"),
                        c("DEL", "b", "s"), c("SET", "big", "v".repeat(100_000)), c("GET", "big"),
                        c("SET", "k", "v", "NX", "GET"), c("SET", "k", "w", "XX", "GET"), c("INCRBYFLOAT", "f", "1.5"))),
                Arguments.of("lists", List.of(c("RPUSH", "l", "a", "b", "c"), c("LPUSH", "l", "z"),
                        c("LRANGE", "l", "0", "-1"), c("LPOP", "l"), c("RPOP", "l", "2"), c("LLEN", "l"),
                        c("LINDEX", "l", "0"), c("LSET", "l", "0", "q"), c("LINSERT", "l", "BEFORE", "q", "p"),
                        c("LREM", "l", "0", "p"), c("RPUSH", "l", "1", "2", "3"), c("LTRIM", "l", "1", "-1"),
                        c("LMOVE", "l", "l2", "LEFT", "RIGHT"), c("LRANGE", "l2", "0", "-1"), c("LPOS", "l", "3"))),
                Arguments.of("hashes", List.of(c("HSET", "h", "f1", "v1", "f2", "v2"), c("HGET", "h", "f1"),
                        c("HGETALL", "h"), c("HMGET", "h", "f1", "x"), c("HINCRBY", "h", "n", "5"),
                        c("HDEL", "h", "f2"), c("HKEYS", "h"), c("HVALS", "h"), c("HLEN", "h"), c("HEXISTS", "h", "f1"),
                        c("HSETNX", "h", "f1", "z"), c("HSTRLEN", "h", "f1"))),
                Arguments.of("sets", List.of(c("SADD", "st", "3", "1", "2"), c("SMEMBERS", "st"),
                        c("SISMEMBER", "st", "1"), c("SMISMEMBER", "st", "1", "9"), c("SCARD", "st"),
                        c("SREM", "st", "3"), c("SADD", "st2", "2", "5"), c("SINTER", "st", "st2"),
                        c("SUNIONSTORE", "st3", "st", "st2"), c("SMEMBERS", "st3"), c("SDIFF", "st3", "st"))),
                Arguments.of("zsets", List.of(c("ZADD", "z", "1", "a", "2", "b", "3", "c"),
                        c("ZRANGE", "z", "0", "-1", "WITHSCORES"), c("ZSCORE", "z", "b"), c("ZINCRBY", "z", "5", "a"),
                        c("ZRANK", "z", "a"), c("ZREM", "z", "b"), c("ZRANGEBYSCORE", "z", "-inf", "+inf"),
                        c("ZADD", "z2", "1", "c"), c("ZUNIONSTORE", "z3", "2", "z", "z2", "WEIGHTS", "1", "2"),
                        c("ZRANGE", "z3", "0", "-1", "WITHSCORES"), c("ZCARD", "z3"), c("ZPOPMIN", "z3"))),
                Arguments.of("streams", List.of(c("XADD", "x", "1-1", "f", "v"), c("XADD", "x", "2-1", "f", "w"),
                        c("XLEN", "x"), c("XRANGE", "x", "-", "+"), c("XREAD", "COUNT", "1", "STREAMS", "x", "0"),
                        c("XGROUP", "CREATE", "x", "g", "0"), c("XREADGROUP", "GROUP", "g", "c1", "STREAMS", "x", ">"),
                        c("XACK", "x", "g", "1-1"), c("XPENDING", "x", "g"), c("XADD", "x", "1-0", "f", "old"),
                        c("XDEL", "x", "2-1"), c("XTRIM", "x", "MAXLEN", "0"))),
                Arguments.of("expiry", List.of(c("SET", "e", "1"), c("EXPIREAT", "e", "4102444800"),
                        c("EXPIRETIME", "e"), c("PERSIST", "e"), c("TTL", "e"), c("PEXPIREAT", "e", "4102444800000"),
                        c("PEXPIRETIME", "e"), c("SET", "e2", "v", "EXAT", "4102444800"), c("EXPIRETIME", "e2"),
                        c("TTL", "missing"), c("TYPE", "e"), c("OBJECT", "ENCODING", "e"))),
                Arguments.of("scripting", List.of(
                        c("EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "sk", "sv"), c("GET", "sk"),
                        c("EVAL", "return {KEYS[1], ARGV[1], 3}", "1", "a", "b"),
                        c("SCRIPT", "LOAD", "return ARGV[1]"),
                        c("EVALSHA", "098e0f0d1448c0a81dafe820f66d460eb09263da", "0", "hi"),
                        c("EVAL", "return redis.call('nosuch')", "0"), c("EVAL", "return 1", "x"),
                        c("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "sk"),
                        c("SCRIPT", "EXISTS", "098e0f0d1448c0a81dafe820f66d460eb09263da", "00"))),
                Arguments.of("transactions", List.of(c("MULTI"), c("SET", "t", "1"), c("INCR", "t"), c("GET", "t"),
                        c("EXEC"), c("MULTI"), c("SET", "t", "2"), c("NOSUCHCOMMAND"), c("EXEC"), c("GET", "t"),
                        c("MULTI"), c("INCR"), c("EXEC"), c("MULTI"), c("MULTI"), c("DISCARD"), c("EXEC"),
                        c("DISCARD"), c("WATCH", "t"), c("SET", "t", "changed"), c("MULTI"), c("GET", "t"), c("EXEC"),
                        c("WATCH", "t"), c("MULTI"), c("INCR", "t"), c("EXEC"), c("WATCH", "t"), c("UNWATCH"),
                        c("MULTI"), c("LPUSH", "t", "x"), c("SET", "t2", "ok"), c("EXEC"), c("GET", "t2"),
                        c("MULTI"), c("PING"), c("ECHO", "in-tx"), c("EXEC"))),
                Arguments.of("errors", List.of(c("GET"), c("NOSUCH", "a", "b"), c("SET", "w", "1"),
                        c("LPUSH", "w", "x"), c("SET", "a", "b", "BADOPT"), c("CLIENT", "NOSUCH"),
                        c("OBJECT", "NOSUCH", "a"), c("INCR", "w2"), c("SET", "w2", "x"), c("INCR", "w2"),
                        c("EXPIRE", "w", "abc"), c("ZADD", "z", "x", "y"), c("HSET", "h"), c("EXEC"),
                        c("DISCARD"), c("UNWATCH"), c("select"), c("SELECT", "x"), c("SELECT", "99"),
                        c("SELECT", "-1"), c("HELLO", "x"), c("HELLO", "4"), c("AUTH", "pw"), c("AUTH", "u", "pw"),
                        c("CLIENT", "SETNAME", "has space"), c("PING", "a", "b"))),
                Arguments.of("connection", List.of(c("PING"), c("PING", "hello"), c("ECHO", "x"),
                        c("SELECT", "3"), c("SET", "db3", "here"), c("SELECT", "0"), c("GET", "db3"),
                        c("SELECT", "3"), c("GET", "db3"), c("DBSIZE"), c("SELECT", "0"), c("DBSIZE"),
                        c("CLIENT", "SETNAME", "app-1"), c("CLIENT", "GETNAME"), c("CLIENT", "SETNAME", ""),
                        c("CLIENT", "GETNAME"), c("CLIENT", "NO-EVICT", "on"), c("TYPE", "db3"))),
                Arguments.of("bare unsubscribes", List.of(c("UNSUBSCRIBE"), c("PUNSUBSCRIBE"), c("SUNSUBSCRIBE"),
                        c("PING"))),
                Arguments.of("client reply", List.of(n(0, "CLIENT", "REPLY", "OFF"), n(0, "SET", "cr", "1"),
                        n(0, "GET", "cr"), n(0, "NOSUCH"), n(0, "INCR"), c("CLIENT", "REPLY", "ON"), c("GET", "cr"),
                        n(0, "CLIENT", "REPLY", "SKIP"), n(0, "INCR", "cr"), c("GET", "cr"), c("CLIENT", "REPLY", "x"),
                        n(0, "CLIENT", "REPLY", "SKIP"), c("CLIENT", "REPLY", "ON"), n(0, "CLIENT", "REPLY", "SKIP"),
                        n(0, "BLPOP", "crq", "0.01"), c("PING"), n(0, "CLIENT", "REPLY", "OFF"), c("RESET"),
                        c("PING"))),
                Arguments.of("blocking", List.of(c("RPUSH", "q", "a", "b"), c("BLPOP", "q", "0"),
                        c("BRPOP", "q", "none", "1"), c("BLPOP", "q", "0.05"), c("RPUSH", "q", "c"),
                        c("BRPOPLPUSH", "q", "q2", "0"), c("BLMOVE", "q2", "q", "LEFT", "RIGHT", "0"),
                        c("ZADD", "bz", "1", "m"), c("BZPOPMIN", "bz", "0"), c("BZPOPMAX", "bz", "0.05"),
                        c("XADD", "bs", "5-1", "f", "v"), c("XREAD", "BLOCK", "50", "STREAMS", "bs", "0"),
                        c("XREAD", "BLOCK", "50", "STREAMS", "bs", "$"), c("BLMPOP", "0.05", "1", "q", "LEFT"),
                        c("GET", "after-blocking"), c("WAIT", "0", "0"))),
                Arguments.of("pubsub", List.of(n(2, "SUBSCRIBE", "c1", "c2"), c("PSUBSCRIBE", "p*"),
                        c("PING"), c("PING", "x"), c("GET", "k"), n(2, "UNSUBSCRIBE"), c("PUNSUBSCRIBE", "p*"),
                        c("PING"), c("SET", "k", "v"), c("GET", "k"), c("PUBLISH", "c1", "m"), c("RESET"),
                        c("GET", "k"), n(2, "UNSUBSCRIBE", "x", "y"))));
    }

    @ParameterizedTest(name = "{0} one by one")
    @MethodSource("scenarios")
    void oneByOne(String name, List<Cmd> cmds) throws Exception {
        String direct = run(env.redis().port(), cmds, false);
        String proxied = run(env.proxy().port(), cmds, false);
        assertEquals(direct, proxied, name);
    }

    @ParameterizedTest(name = "{0} pipelined")
    @MethodSource("scenarios")
    void pipelined(String name, List<Cmd> cmds) throws Exception {
        String direct = run(env.redis().port(), cmds, true);
        String proxied = run(env.proxy().port(), cmds, true);
        assertEquals(direct, proxied, name);
    }

    /** Issue 13: the same sequences in RESP3 (HELLO 3 first): maps, sets, doubles, nulls, pushes, byte for byte. */
    @ParameterizedTest(name = "{0} in RESP3 one by one")
    @MethodSource("scenarios3")
    void resp3OneByOne(String name, List<Cmd> cmds) throws Exception {
        assertEquals(run(env.redis().port(), cmds, false), run(env.proxy().port(), cmds, false), name);
    }

    @ParameterizedTest(name = "{0} in RESP3 pipelined")
    @MethodSource("scenarios3")
    void resp3Pipelined(String name, List<Cmd> cmds) throws Exception {
        assertEquals(run(env.redis().port(), cmds, true), run(env.proxy().port(), cmds, true), name);
    }

    /**
     * Every scenario after {@code HELLO 3} (its reply differs only in the client id, which is left out), plus what
     * RESP3 adds: any command while subscribed, and the types RESP2 does not have.
     */
    static Stream<Arguments> scenarios3() {
        Stream<Arguments> resp3 = Stream.of(Arguments.of("resp3 types", List.of(c("HSET", "h", "a", "1"),
                c("HGETALL", "h"), c("HGETALL", "none"), c("ZADD", "z", "1.5", "m"), c("ZSCORE", "z", "m"),
                c("ZSCORE", "z", "x"), c("ZRANGE", "z", "0", "-1", "WITHSCORES"), c("SADD", "s", "x"),
                c("SMEMBERS", "s"), c("GET", "nope"), c("CONFIG", "GET", "maxmemory"), c("CLIENT", "GETNAME"),
                c("CLIENT", "TRACKINGINFO"), c("XINFO", "STREAM", "nope"), c("EVAL", "return {double=3.5}", "0"),
                c("EVAL", "return {map={a=1}}", "0"), c("EVAL", "return redis.setresp(3)", "0"),
                c("OBJECT", "FREQ", "h"), c("HRANDFIELD", "h", "1", "WITHVALUES"), c("LPOS", "l", "x"))),
                Arguments.of("resp3 bare unsubscribes", List.of(c("UNSUBSCRIBE"), c("PUNSUBSCRIBE"), c("SUNSUBSCRIBE"),
                        c("SET", "after", "1"), c("GET", "after"))),
                Arguments.of("resp3 pubsub", List.of(n(2, "SUBSCRIBE", "c1", "c2"), c("GET", "k"),
                        c("SET", "k", "v"), c("HGETALL", "h"), c("PING"), n(2, "UNSUBSCRIBE"), c("GET", "k"),
                        c("RESET"), c("GET", "k"))));
        return Stream.concat(scenarios(), resp3).map(a -> {
            Object[] args = a.get();
            @SuppressWarnings("unchecked")
            List<Cmd> cmds = new ArrayList<>((List<Cmd>) args[1]);
            cmds.add(0, new Cmd(1, new String[] {"HELLO", "3"}));
            return Arguments.of(args[0], cmds);
        });
    }

    @Test
    void inlineCommands() throws Exception {
        byte[] raw = "SET inl \"a b\"\r\nGET inl\r\n\r\nPING\nEXISTS inl\r\n".getBytes(StandardCharsets.US_ASCII);
        assertEquals(runRaw(env.redis().port(), raw, 4), runRaw(env.proxy().port(), raw, 4));
    }

    private String run(int port, List<Cmd> cmds, boolean pipelined) throws IOException {
        flushAll();
        StringBuilder out = new StringBuilder();
        try (RespConn conn = new RespConn(port)) {
            if (pipelined) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                cmds.forEach(cmd -> all.writeBytes(RespConn.encode(cmd.args())));
                conn.sendRaw(all.toByteArray());
            }
            for (Cmd cmd : cmds) {
                if (!pipelined) {
                    conn.send(cmd.args());
                }
                out.append("> ").append(cmd).append('\n');
                for (int i = 0; i < cmd.replies(); i++) {
                    String reply = conn.readReply();
                    if (cmd.args()[0].equals("HELLO")) {
                        reply = reply.replaceAll("\\$2\r\nid\r\n:\\d+\r\n", ""); // client ids differ
                    }
                    out.append(reply).append('\n');
                }
            }
        }
        return out.toString();
    }

    private String runRaw(int port, byte[] raw, int replies) throws IOException {
        flushAll();
        List<String> out = new ArrayList<>();
        try (RespConn conn = new RespConn(port)) {
            conn.sendRaw(raw);
            for (int i = 0; i < replies; i++) {
                out.add(conn.readReply());
            }
        }
        return out.toString();
    }

    private static void flushAll() throws IOException {
        try (RespConn conn = new RespConn(env.redis().port())) {
            assertEquals("+OK\r\n", conn.call("FLUSHALL"));
            assertEquals("+OK\r\n", conn.call("SCRIPT", "FLUSH"));
        }
    }

    static List<String> list(String... s) {
        return Arrays.asList(s);
    }
}
