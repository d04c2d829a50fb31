package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.redissidecar.proxy.commands.BackendCommands;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.routing.Route;
import io.redissidecar.proxy.routing.Router;
import io.redissidecar.proxy.testing.FramedRequest;
import io.redissidecar.proxy.testing.RedisServer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fail closed, yet a newer server's commands work: the proxy merges the master's {@code COMMAND} reply into its own
 * table. Shown against a real redis-server by leaving commands out of the built-in table: merged back from the
 * backend, they have the same facts, and are routed by their key specs in cluster mode as before.
 */
class CommandMergeTest {
    private static final Set<String> OMITTED = Set.of("getdel", "zunionstore", "xread", "migrate", "lmpop",
            "object|encoding", "copy");
    private static RedisServer redis;
    private static List<Object> reply;

    @BeforeAll
    static void readCommands() throws Exception {
        redis = RedisServer.start();
        RedisClient client = RedisClient.create(RedisURI.create("redis://127.0.0.1:" + redis.port()));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            reply = c.sync().command();
        } finally {
            client.shutdown();
        }
    }

    @AfterAll
    static void stop() {
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    void theBackendsCommandsMatchTheBuiltInTable() {
        CommandTable builtIn = CommandTable.load(List.of());
        CommandTable fromBackend = CommandTable.load(List.of(), BackendCommands.rows(reply), builtIn.all().stream()
                .flatMap(c -> c.subcommands() == null ? java.util.stream.Stream.of(c.name())
                        : c.subcommands().all().stream().map(CommandInfo::name))
                .filter(n -> !n.startsWith("client|setinfo") && !n.startsWith("client|no-touch"))
                .collect(java.util.stream.Collectors.toSet()));
        for (CommandInfo c : builtIn.all()) {
            CommandInfo b = fromBackend.get(c.name());
            assertNotNull(b, c.name());
            assertEquals(describe(c), describe(b), c.name());
        }
    }

    @Test
    void commandsLeftOutOfTheTableAreMergedBackFromTheBackend() {
        CommandTable without = CommandTable.load(List.of(), List.of(), OMITTED);
        for (String n : OMITTED) {
            assertNull(without.get(n), n + " left out");
        }
        CommandTable merged = CommandTable.load(List.of(), BackendCommands.rows(reply), OMITTED);
        CommandTable builtIn = CommandTable.load(List.of());
        for (String n : OMITTED) {
            assertEquals(describe(builtIn.get(n)), describe(merged.get(n)), n);
        }
        // routed by the merged key specs, in cluster mode: the same slot, or the same CROSSSLOT verdict
        for (String request : List.of("GETDEL {t}a", "ZUNIONSTORE {t}d 2 {t}a {t}b", "ZUNIONSTORE d 2 a b",
                "XREAD COUNT 1 STREAMS {t}s1 {t}s2 0 0", "MIGRATE h 1 \"\" 0 5 KEYS {t}a {t}b", "LMPOP 2 {t}a {t}b LEFT",
                "OBJECT ENCODING foo", "COPY {t}a {t}b")) {
            assertEquals(route(builtIn, request), route(merged, request), request);
        }
    }

    /** What the proxy reads of a command: arity, flags, handling, replay class and key specs. */
    private static String describe(CommandInfo c) {
        StringBuilder sb = new StringBuilder(c.name()).append(" arity ").append(c.arity());
        for (int flag : new int[] {CommandInfo.WRITE, CommandInfo.READONLY, CommandInfo.BLOCKING, CommandInfo.PUBSUB,
            CommandInfo.ADMIN, CommandInfo.NOSCRIPT, CommandInfo.MOVABLE_KEYS, CommandInfo.FAST}) {
            sb.append(c.has(flag) ? '1' : '0');
        }
        sb.append(' ').append(c.handling()).append(' ').append(c.idempotent());
        for (var k : c.keySpecs()) {
            sb.append(" [").append(k.readOnly()).append(',').append(k.beginIndex()).append(',')
                    .append(k.keyword() == null ? "-" : new String(k.keyword())).append(',').append(k.keywordStart())
                    .append(',').append(k.keynum()).append(',').append(k.lastKeyOrKeynumIdx()).append(',')
                    .append(k.step()).append(',').append(k.limitOrFirstKey()).append(',').append(k.unknown())
                    .append(']');
        }
        return sb.toString();
    }

    private static String route(CommandTable t, String request) {
        try (FramedRequest r = FramedRequest.of(request)) {
            Router.Slots slots = new Router.Slots();
            Route route = Router.route(r.lookup(t), r.framer(), new Router.State() {
                public boolean inMulti() {
                    return false;
                }

                public boolean watching() {
                    return false;
                }

                public boolean passthrough() {
                    return false;
                }
            }, slots);
            return route + " slot " + slots.slot();
        }
    }
}
