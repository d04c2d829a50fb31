package io.redissidecar.proxy.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.FramedRequest;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which writes the proxy may send a second time after their connection was lost before the reply (they may have
 * run): every write command of the table, with its class and the reason. A command added to the table fails
 * {@link #everyWriteCommandOfTheTableIsClassified} until it is classified here.
 */
class ReplaySafetyTest {
    private static final CommandTable TABLE = CommandTable.load(List.of());

    /** SAFE: a second run leaves the same data; ARGS: unless an argument says otherwise; NEVER: not replayed. */
    private static final String CLASSES = """
            append             | NEVER | appends again
            bitfield           | NEVER | INCRBY and OVERFLOW subcommands count again
            bitop              | ARGS  | safe unless the destination is also a source
            blmove             | NEVER | moves another element
            blmpop             | NEVER | pops another element
            blpop              | NEVER | pops another element
            brpop              | NEVER | pops another element
            brpoplpush         | NEVER | moves another element
            bzmpop             | NEVER | pops another member
            bzpopmax           | NEVER | pops another member
            bzpopmin           | NEVER | pops another member
            copy               | NEVER | without REPLACE the second run fails; with it the source may have changed
            decr               | NEVER | counts again
            decrby             | NEVER | counts again
            del                | SAFE  | the keys are gone either way (the reply may count 0)
            expire             | SAFE  | the TTL starts again from the second run
            expireat           | SAFE  | an absolute time
            flushall           | NEVER | would also remove what other clients wrote in between
            flushdb            | NEVER | would also remove what other clients wrote in between
            function|delete    | NEVER | the second run fails: the library is gone
            function|flush     | NEVER | would also remove functions loaded in between
            function|load      | SAFE  | the same library (the second run may say it exists)
            function|restore   | NEVER | APPEND and REPLACE policies act on what is there
            geoadd             | SAFE  | the same positions
            georadius          | NEVER | STORE reads what may have changed
            georadiusbymember  | NEVER | STORE reads what may have changed
            geosearchstore     | NEVER | reads what may have changed, possibly its own destination
            getdel             | NEVER | the second run answers nil
            getex              | NEVER | answers and changes the TTL relative to now
            getset             | NEVER | answers with the first run's value
            hdel               | SAFE  | the fields are gone either way
            hincrby            | NEVER | counts again
            hincrbyfloat       | NEVER | counts again
            hmset              | SAFE  | the same fields and values
            hset               | SAFE  | the same fields and values
            hsetnx             | NEVER | the reply says whether it set: a replay answers 0
            incr               | NEVER | counts again
            incrby             | NEVER | counts again
            incrbyfloat        | NEVER | counts again
            linsert            | NEVER | inserts again
            lmove              | NEVER | moves another element
            lmpop              | NEVER | pops another element
            lpop               | NEVER | pops another element
            lpush              | NEVER | pushes again
            lpushx             | NEVER | pushes again
            lrem               | NEVER | removes further occurrences
            lset               | SAFE  | the same value at the same index
            ltrim              | NEVER | positions shift: a second trim removes more
            migrate            | NEVER | the key is gone from here after the first run
            move               | NEVER | the key is gone from here after the first run
            mset               | SAFE  | the same values
            msetnx             | NEVER | the reply says whether it set: a replay answers 0
            persist            | SAFE  | no TTL either way
            pexpire            | SAFE  | the TTL starts again from the second run
            pexpireat          | SAFE  | an absolute time
            pfadd              | SAFE  | a set of elements
            pfdebug            | NEVER | a debugging command
            pfmerge            | NEVER | the destination may also be a source
            psetex             | SAFE  | the same value (the TTL starts again)
            rename             | NEVER | the second run fails: the source is gone
            renamenx           | NEVER | the second run fails: the source is gone
            restore            | NEVER | without REPLACE the second run fails
            restore-asking     | NEVER | cluster-internal
            rpop               | NEVER | pops another element
            rpoplpush          | NEVER | moves another element
            rpush              | NEVER | pushes again
            rpushx             | NEVER | pushes again
            sadd               | SAFE  | a set of members
            sdiffstore         | ARGS  | safe unless the destination is also a source
            set                | ARGS  | safe unless GET, NX or XX (the reply is what was there, or whether it set)
            setbit             | SAFE  | the same bit
            setex              | SAFE  | the same value (the TTL starts again)
            setnx              | NEVER | the reply says whether it set: a replay answers 0 (a lost lock)
            setrange           | SAFE  | the same bytes at the same offset
            sinterstore        | ARGS  | safe unless the destination is also a source
            smove              | NEVER | the member is gone from the source after the first run
            sort               | NEVER | STORE may read its own destination
            spop               | NEVER | pops other members
            srem               | SAFE  | the members are gone either way
            sunionstore        | ARGS  | safe unless the destination is also a source
            swapdb             | NEVER | swaps back
            unlink             | SAFE  | the keys are gone either way
            xack               | NEVER | the second run acknowledges nothing, but XACK is rarely replayed blind
            xadd               | NEVER | adds another entry (with *: another ID)
            xautoclaim         | NEVER | claims again, increments delivery counts
            xclaim             | NEVER | increments delivery counts
            xdel               | NEVER | stream entries: handled as never, with the other stream commands
            xgroup|create      | NEVER | the second run fails: the group exists
            xgroup|createconsumer | NEVER | stream groups: not replayed
            xgroup|delconsumer | NEVER | drops the consumer's pending entries
            xgroup|destroy     | NEVER | the second run answers 0
            xgroup|setid       | NEVER | stream groups: not replayed
            xreadgroup         | NEVER | delivers other entries
            xsetid             | NEVER | stream state: not replayed
            xtrim              | NEVER | trims relative to what is there
            zadd               | ARGS  | safe unless INCR (adds to the score)
            zdiffstore         | ARGS  | safe unless the destination is also a source
            zincrby            | NEVER | counts again
            zinterstore        | ARGS  | safe unless the destination is also a source
            zmpop              | NEVER | pops other members
            zpopmax            | NEVER | pops other members
            zpopmin            | NEVER | pops other members
            zrangestore        | ARGS  | safe unless the destination is also the source
            zrem               | SAFE  | the members are gone either way
            zremrangebylex     | SAFE  | the same range of values
            zremrangebyrank    | NEVER | positions shift: a second run removes more
            zremrangebyscore   | SAFE  | the same range of scores
            zunionstore        | ARGS  | safe unless the destination is also a source
            """;

    @Test
    void everyWriteCommandOfTheTableIsClassified() {
        Map<String, String> expected = new TreeMap<>();
        for (String line : CLASSES.strip().split("\n")) {
            String[] f = line.split("\\s+\\|\\s+");
            expected.put(f[0].trim(), f[1].trim());
        }
        TreeSet<String> writes = new TreeSet<>();
        for (CommandInfo c : TABLE.all()) {
            if (c.subcommands() != null) {
                c.subcommands().all().stream().filter(s -> s.has(CommandInfo.WRITE)).forEach(s -> writes.add(s.name()));
            } else if (c.has(CommandInfo.WRITE)) {
                writes.add(c.name());
            }
        }
        assertEquals(writes, expected.keySet(), "every write command of the table has a row, and only those");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            CommandInfo c = TABLE.get(e.getKey());
            String actual = !c.idempotent() ? "NEVER"
                    : CommandPolicy.IDEMPOTENT_UNLESS_ARGS.contains(c.name()) ? "ARGS" : "SAFE";
            assertEquals(e.getValue(), actual, e.getKey());
        }
    }

    @Test
    void readOnlyCommandsAreAlwaysReplayable() {
        for (CommandInfo c : TABLE.all()) {
            if (c.has(CommandInfo.READONLY)) {
                assertTrue(c.idempotent(), c.name());
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "SET k v                          | true",
        "SET k v EX 10                    | true",
        "SET k v NX EX 10                 | false",   // a lock: a replay's nil would read as not taken
        "SET k v XX                       | false",
        "SET k v GET                      | false",
        "SET k v XX get                   | false",
        "ZADD k 1 m                       | true",
        "ZADD k NX CH 1 m 2 n             | true",
        "ZADD k INCR 1 m                  | false",   // found at the wrong index before: replayed twice
        "ZADD k XX INCR 1 m               | false",
        "ZADD k 1 incr                    | true",    // a member named incr is no option
        "BITOP AND d a b                  | true",
        "BITOP NOT d d                    | false",
        "BITOP OR d a d                   | false",
        "SINTERSTORE d a b                | true",
        "SUNIONSTORE d a d                | false",
        "SDIFFSTORE d d a                 | false",
        "ZUNIONSTORE d 2 a b              | true",
        "ZUNIONSTORE d 2 a d WEIGHTS 1 2  | false",
        "ZINTERSTORE d 2 d b              | false",
        "ZDIFFSTORE d 1 d                 | false",
        "ZUNIONSTORE d x a                | false",   // not a key count: Redis refuses it; never replayed
        "ZRANGESTORE d s 0 -1             | true",
        "ZRANGESTORE d d 0 -1             | false",
        "LTRIM k 1 -1                     | false",
        "ZREMRANGEBYRANK k 0 0            | false",
        "FLUSHALL                         | false",
        "INCR k                           | false",
        "DEL a b                          | true",
        "GET k                            | true",
    })
    void argumentsDecideForSomeCommands(String request, boolean idempotent) {
        try (FramedRequest r = FramedRequest.of(request)) {
            CommandInfo c = r.lookup(TABLE);
            assertEquals(idempotent, ReplaySafety.idempotent(c, r.framer()), request);
        }
    }
}
