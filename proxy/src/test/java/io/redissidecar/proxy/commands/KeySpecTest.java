package io.redissidecar.proxy.commands;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.redissidecar.config.Options;
import io.redissidecar.proxy.testing.FramedRequest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The argument indexes of a request's keys, as {@link CommandInfo#keys} finds them from the generated table's Redis 7
 * key specs. Rows marked "Redis:" differ from what {@code COMMAND GETKEYS} answers on Redis 7.0.15 (which also uses
 * per-command code besides the key specs); the rows state what the proxy does now.
 */
class KeySpecTest {
    private static final CommandTable TABLE = CommandTable.load(Arrays.asList(Options.DEFAULT_DENY.split(",")));

    @ParameterizedTest(name = "[{index}] {0} -> [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # request                                 | key indexes | rule
            #
            # range: from an index, up to a last key (counted from the start, or from the end when negative)
            GET k                                     | 1       | one key
            SET k v GET                               | 1       | options after the key are no keys
            BITFIELD k GET u8 0                       | 1       | one key, then subcommand words
            MSET a 1 b 2 c 3                          | 1 3 5   | step 2: key, value pairs
            MSET a 1 b                                | 1 3     | odd count: the last word still counts as a key
            DEL a b c                                 | 1 2 3   | every argument a key (last = -1)
            EXISTS a b                                | 1 2     | every argument a key
            PFCOUNT a b                               | 1 2     | every argument a key
            WATCH a b                                 | 1 2     | WATCH's keys
            BLPOP a b 0                               | 1 2     | last = -2: the timeout is no key
            LCS a b                                   | 1 2     | a range of two (last = 1)
            RENAME a b                                | 1 2     | two specs of one key each
            COPY a b DB 1                             | 1 2     | two specs; options after them
            SMOVE a b m                               | 1 2     | two specs; the member is no key
            SINTERSTORE d a b                         | 1 2 3   | destination spec, then a range to the end
            #
            # keynum: a count argument says how many keys follow
            EVAL s 2 k1 k2 a1                         | 3 4     | numkeys 2, then the arguments
            EVAL s 0 a1                               |         | numkeys 0: no key
            EVAL_RO s 1 k                             | 3       | numkeys 1
            FCALL f 1 k a                             | 3       | numkeys 1
            EVAL s 5 k1                               | -1      | numkeys past the end: does not fit
            EVAL s -1                                 | -1      | negative numkeys: does not fit
            EVAL s x k                                | -1      | numkeys not a number: does not fit
            ZUNIONSTORE d 2 s1 s2 WEIGHTS 1 2         | 1 3 4   | destination, then numkeys sources
            ZINTERSTORE d 2 a b                       | 1 3 4   | destination, then numkeys sources
            ZDIFFSTORE d 2 a b                        | 1 3 4   | destination, then numkeys sources
            ZUNIONSTORE d 3 s1 s2                     | -1      | numkeys larger than what follows
            SINTERCARD 2 a b LIMIT 1                  | 2 3     | numkeys first
            LMPOP 2 a b LEFT                          | 2 3     | numkeys first
            ZMPOP 2 a b MIN                           | 2 3     | numkeys first
            BLMPOP 0 2 a b LEFT                       | 3 4     | timeout, then numkeys
            BZMPOP 0 2 a b MIN                        | 3 4     | timeout, then numkeys
            #
            # keyword: the keys follow a word, searched from a start index (forwards) or from the end (backwards)
            XREAD COUNT 2 STREAMS s1 s2 0 0           | 4 5     | after STREAMS, the first half are keys
            xread count 2 streams s1 s2 0 0           | 4 5     | the keyword in any case
            XREAD BLOCK 0 STREAMS a b 0 0             | 4 5     | after STREAMS, the first half are keys
            XREAD STREAMS streams 0                   | 2       | a stream named streams: the first STREAMS counts
            XREAD COUNT 2 s 0                         |         | no STREAMS: no key (Redis answers the error)
            XREADGROUP GROUP g c BLOCK 0 STREAMS s1 > | 7       | the search starts at argument 4
            XREADGROUP GROUP g c STREAMS a b > >      | 5 6     | after STREAMS, the first half are keys
            GEORADIUS src 0 0 1 km                    | 1       | no STORE: the source only
            GEORADIUS src 0 0 1 km STORE dst          | 1 7     | the word after STORE
            GEORADIUS src 0 0 1 km STOREDIST dst      | 1 7     | the word after STOREDIST
            GEORADIUSBYMEMBER src m 1 km STORE dst    | 1 6     | the word after STORE
            MIGRATE h 1 k 0 5000                      | 3       | the key argument
            MIGRATE h 1 "" 0 5000 KEYS a b            | 3 7 8   | Redis: a b only (the empty key 3 is no key)
            #
            # unknown: the spec cannot say; nothing is added
            SORT src                                  | 1       | the source
            SORT src LIMIT 0 1 STORE dst              | 1       | Redis: src dst (STORE's key is an unknown spec)
            SORT_RO src BY w_*                        | 1       | the source; BY patterns are unknown specs
            #
            # subcommands: indexes count the container's name too
            OBJECT ENCODING k                         | 2       | the subcommand's key
            MEMORY USAGE k                            | 2       | the subcommand's key
            XINFO STREAM s                            | 2       | the subcommand's key
            #
            # channels flagged not_key: found all the same (cluster mode routes sharded pub/sub by them)
            SPUBLISH ch m                             | 1       | Redis: no key arguments (the channel is not_key)
            SSUBSCRIBE a b                            | 1 2     | every channel
            #
            # no key specs
            PING                                      |         | no key
            PUBLISH ch m                              |         | a channel is no key
            KEYS *                                    |         | a pattern is no key
            SCAN 0                                    |         | no key
            """)
    void keyIndexes(String request, String expected, String rule) {
        try (FramedRequest r = FramedRequest.of(request)) {
            CommandInfo cmd = r.lookup(TABLE);
            assertNotNull(cmd, request);
            int[] out = new int[16];
            int n = cmd.keys(r.framer(), out);
            String got = n < 0 ? "-1" : Arrays.toString(Arrays.copyOf(out, n));
            String want = expected == null ? "[]"
                    : expected.equals("-1") ? "-1" : Arrays.toString(parse(expected));
            assertEquals(want, got, request + ": " + rule);
        }
    }

    @Test
    void moreKeysThanTheOutputHoldsDoesNotFit() {
        try (FramedRequest r = FramedRequest.of("DEL a b c")) {
            CommandInfo del = r.lookup(TABLE);
            assertEquals(-1, del.keys(r.framer(), new int[2]));
            int[] exact = new int[3];
            assertEquals(3, del.keys(r.framer(), exact));
            assertArrayEquals(new int[] {1, 2, 3}, exact);
        }
    }

    private static int[] parse(String indexes) {
        return Arrays.stream(indexes.trim().split(" +")).mapToInt(Integer::parseInt).toArray();
    }
}
