package io.redissidecar.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.redissidecar.config.Options;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.testing.FramedRequest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Where {@link Router#route} sends a request, from the command (looked up in the real command table, with the default
 * deny list, as the session looks it up) and the client's state:
 * <ul>
 *   <li>{@code plain}: no transaction, not watching, not in pass-through;</li>
 *   <li>{@code multi}: inside MULTI; {@code watch}: WATCH given, no MULTI yet; {@code multi+watch}: both;</li>
 *   <li>{@code pass}: the client's private connection is in pub/sub pass-through.</li>
 * </ul>
 * Requests are written like redis-cli arguments. A command with the wrong number of arguments, an unknown command and
 * an unknown subcommand reach the router as null (Redis answers them).
 */
class RouterTest {
    private static final CommandTable TABLE = CommandTable.load(Arrays.asList(Options.DEFAULT_DENY.split(",")));
    /** As with {@code --deny-commands get,client|list,select,subscribe}. */
    private static final CommandTable DENY_TABLE = CommandTable.load(List.of("get", "client|list", "select",
            "subscribe"));

    /** The client state the router reads. */
    private record State(boolean inMulti, boolean watching, boolean passthrough) implements Router.State {
        static State of(String name) {
            return switch (name) {
                case "plain" -> new State(false, false, false);
                case "multi" -> new State(true, false, false);
                case "watch" -> new State(false, true, false);
                case "multi+watch" -> new State(true, true, false);
                case "pass" -> new State(false, false, true);
                default -> throw new IllegalArgumentException(name);
            };
        }
    }

    @ParameterizedTest(name = "[{index}] {0}: {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # state     | request                                  | route        | rule
            #
            # SHARED: the client's shared connection
            plain       | GET k                                    | SHARED       | a plain command
            plain       | SET k v                                  | SHARED       | a plain write
            plain       | MGET a b                                 | SHARED       | several keys, one backend
            plain       | PING                                     | SHARED       | PING is forwarded
            plain       | PUBLISH ch m                             | SHARED       | PUBLISH needs no pub/sub state
            plain       | EXEC                                     | SHARED       | no MULTI: Redis answers the error
            plain       | DISCARD                                  | SHARED       | no MULTI: Redis answers the error
            plain       | UNWATCH                                  | SHARED       | UNWATCH while not watching
            plain       | XREAD COUNT 1 STREAMS s 0                | SHARED       | XREAD without BLOCK does not block
            plain       | XREAD STREAMS block 0                    | PRIVATE      | any BLOCK argument: fail closed
            plain       | XREADGROUP GROUP streams c BLOCK 0 STREAMS s > | PRIVATE | a group named streams
            plain       | XREADGROUP GROUP g c STREAMS s >         | SHARED       | XREADGROUP without BLOCK
            plain       | CLIENT LIST                              | LOCAL        | the proxy's own clients
            plain       | CLIENT NO-EVICT on                       | LOCAL        | emulated
            plain       | CLIENT HELP                              | SHARED       | a CLIENT subcommand not emulated
            plain       | CONFIG GET maxmemory                     | SHARED       | CONFIG GET is not denied
            plain       | FLUSHALL                                 | SHARED       | not on the default deny list
            plain       | SCRIPT DEBUG yes                         | UNSUPPORTED  | sets a connection's mode: refused
            plain       | FOO bar                                  | SHARED       | unknown command (null)
            plain       | GET                                      | SHARED       | wrong number of arguments (null)
            plain       | CLIENT                                   | SHARED       | no subcommand (null: arity)
            plain       | CLIENT FOO                               | SHARED       | unknown subcommand (null)
            plain       | MONITOR now                              | SHARED       | denied, but wrong arity (null)
            #
            # PRIVATE: the client's private connection (transactions, WATCH, blocking commands)
            plain       | MULTI                                    | PRIVATE      | MULTI pins the client
            plain       | WATCH k                                  | PRIVATE      | WATCH pins the client
            plain       | BLPOP k 0                                | PRIVATE      | blocking (Redis's flag)
            plain       | BRPOPLPUSH a b 0                         | PRIVATE      | blocking
            plain       | BLMOVE a b LEFT RIGHT 0                  | PRIVATE      | blocking
            plain       | BZPOPMIN z 0                             | PRIVATE      | blocking
            plain       | BLMPOP 0 1 k LEFT                        | PRIVATE      | blocking
            plain       | WAIT 1 0                                 | PRIVATE      | WAIT: blocking by the proxy's policy
            plain       | XREAD BLOCK 0 STREAMS s $                | PRIVATE      | XREAD with BLOCK before STREAMS
            plain       | xread count 1 block 0 streams s $        | PRIVATE      | ...in any case, after other options
            plain       | XREADGROUP GROUP g c BLOCK 0 STREAMS s > | PRIVATE      | XREADGROUP with BLOCK
            plain       | XREADGROUP GROUP block c STREAMS s >     | PRIVATE      | as it is: group named block = BLOCK
            multi       | GET k                                    | PRIVATE      | inside MULTI: queued there
            watch       | GET k                                    | PRIVATE      | while watching
            multi+watch | GET k                                    | PRIVATE      | both
            multi       | EXEC                                     | PRIVATE      | ends the transaction there
            multi       | DISCARD                                  | PRIVATE      | ends the transaction there
            watch       | EXEC                                     | PRIVATE      | EXEC while watching, no MULTI
            watch       | UNWATCH                                  | PRIVATE      | UNWATCH where the WATCH is
            multi       | WATCH k                                  | PRIVATE      | Redis refuses it itself
            multi       | MULTI                                    | PRIVATE      | Redis refuses nested MULTI itself
            multi       | XREAD COUNT 1 STREAMS s 0                | PRIVATE      | inside MULTI
            multi       | BLPOP k 0                                | PRIVATE      | does not block inside MULTI
            watch       | BLPOP k 0                                | PRIVATE      | blocking while watching
            multi       | SUBSCRIBE ch                             | NOT_IN_MULTI | would switch the connection's mode
            multi       | CLIENT SETNAME n                         | PRIVATE      | as it is: to Redis (not emulated)
            multi       | CLIENT ID                                | PRIVATE      | as it is: the backend's id
            multi       | INFO                                     | PRIVATE      | INFO inside MULTI: queued
            watch       | INFO                                     | PRIVATE      | INFO while watching
            multi       | FOO                                      | PRIVATE      | unknown command: Redis answers
            watch       | GET                                      | PRIVATE      | wrong arity: Redis answers
            watch       | FOO bar                                  | PRIVATE      | unknown command: Redis answers
            multi+watch | FOO                                      | PRIVATE      | unknown command: Redis answers
            #
            # PASSTHROUGH: pub/sub, and every command once the client is in pass-through
            plain       | SUBSCRIBE ch                             | PASSTHROUGH  | SUBSCRIBE starts pass-through
            plain       | PSUBSCRIBE p*                            | PASSTHROUGH  | PSUBSCRIBE
            plain       | SSUBSCRIBE ch                            | PASSTHROUGH  | SSUBSCRIBE
            plain       | UNSUBSCRIBE                              | LOCAL        | not subscribed: one reply (a push in RESP3)
            plain       | PUNSUBSCRIBE                             | LOCAL        | not subscribed: one reply (a push in RESP3)
            plain       | SUNSUBSCRIBE                             | LOCAL        | not subscribed: one reply (a push in RESP3)
            plain       | UNSUBSCRIBE a b                          | PASSTHROUGH  | one reply per channel
            watch       | SUBSCRIBE ch                             | PASSTHROUGH  | watching is no transaction
            pass        | GET k                                    | PASSTHROUGH  | any command while in pass-through
            pass        | PING                                     | PASSTHROUGH  | PING: Redis answers in pub/sub form
            pass        | UNSUBSCRIBE ch                           | PASSTHROUGH  | pub/sub
            pass        | RESET                                    | PASSTHROUGH  | Redis confirms; back to shared
            pass        | QUIT                                     | PASSTHROUGH  | emulated commands go to Redis too...
            pass        | SELECT 1                                 | PASSTHROUGH  | ...
            pass        | CLIENT SETNAME n                         | PASSTHROUGH  | ...
            pass        | INFO                                     | PASSTHROUGH  | INFO too
            pass        | MULTI                                    | NOT_AFTER_SUBSCRIBE | proxy-made replies could not be ordered
            pass        | BLPOP k 0                                | PASSTHROUGH  | blocking commands too
            pass        | FOO                                      | PASSTHROUGH  | unknown command
            pass        | GET                                      | PASSTHROUGH  | wrong arity
            #
            # LOCAL: answered by the proxy
            plain       | SELECT 1                                 | LOCAL        | emulated
            plain       | HELLO                                    | LOCAL        | emulated
            plain       | HELLO 3                                  | LOCAL        | emulated (NOPROTO)
            plain       | AUTH pw                                  | LOCAL        | emulated
            plain       | QUIT                                     | LOCAL        | emulated
            plain       | RESET                                    | LOCAL        | emulated
            plain       | CLIENT SETNAME n                         | LOCAL        | emulated
            plain       | CLIENT GETNAME                           | LOCAL        | emulated
            plain       | CLIENT ID                                | LOCAL        | emulated
            plain       | CLIENT INFO                              | LOCAL        | emulated
            plain       | CLIENT SETINFO lib-name x                | LOCAL        | emulated (a synthetic table row)
            plain       | CLIENT NO-EVICT on                       | LOCAL        | emulated
            plain       | CLIENT NO-TOUCH on                       | LOCAL        | emulated (a synthetic table row)
            watch       | SELECT 1                                 | LOCAL        | watching is no transaction
            multi       | QUIT                                     | LOCAL        | QUIT inside MULTI: still answered
            multi       | RESET                                    | LOCAL        | RESET inside MULTI: still answered
            pass        | HELLO 2                                  | LOCAL        | stays with the proxy
            pass        | AUTH pw                                  | LOCAL        | stays with the proxy
            #
            # NOT_IN_MULTI: refused inside MULTI (the transaction then fails at EXEC)
            multi       | SELECT 1                                 | NOT_IN_MULTI | SELECT is not queued
            multi       | HELLO 2                                  | NOT_IN_MULTI | HELLO is not queued
            multi       | AUTH pw                                  | NOT_IN_MULTI | AUTH is not queued
            #
            # INFO: the proxy's section, then the master's
            plain       | INFO                                     | INFO         | INFO
            plain       | INFO server                              | INFO         | INFO with a section
            plain       | info proxy                               | INFO         | the proxy's own section
            #
            # DENIED: on the deny list (here the default one); before anything else, in every state
            plain       | MONITOR                                  | DENIED       | denied
            plain       | SHUTDOWN                                 | DENIED       | denied
            plain       | DEBUG SLEEP 0                            | DENIED       | denied
            plain       | SWAPDB 0 1                               | DENIED       | denied
            plain       | CONFIG SET maxmemory 1                   | DENIED       | a denied subcommand
            plain       | CONFIG GET requirepass                   | SECRET       | the backend's password
            plain       | CONFIG GET maxmemory *                   | SECRET       | * matches requirepass
            plain       | CONFIG GET maxmemory port                | SHARED       | no password
            plain       | CLIENT PAUSE 10                          | DENIED       | a denied subcommand
            plain       | CLIENT KILL ID 1                         | DENIED       | denied by default (it acts on the proxy's clients)
            plain       | CLUSTER RESET                            | DENIED       | a denied subcommand
            multi       | MONITOR                                  | DENIED       | inside MULTI
            watch       | MONITOR                                  | DENIED       | while watching
            pass        | MONITOR                                  | DENIED       | in pass-through too
            #
            # UNSUPPORTED: would change how a shared connection replies
            plain       | CLIENT REPLY OFF                         | LOCAL        | emulated: the proxy drops the replies
            plain       | CLIENT TRACKING on                       | LOCAL        | emulated: tracking per client
            plain       | CLIENT CACHING yes                       | LOCAL        | emulated
            plain       | CLIENT GETREDIR                          | LOCAL        | emulated
            plain       | CLIENT TRACKINGINFO                      | LOCAL        | emulated
            multi       | CLIENT TRACKING on                       | NOT_IN_MULTI | would track the private connection

            multi       | CLIENT REPLY OFF                         | NOT_IN_MULTI | would silence the private connection
            pass        | CLIENT TRACKING on                       | PASSTHROUGH  | Redis's own, on the subscriber's connection
            """)
    void routesOutsideClusterMode(String state, String request, Route route, String rule) {
        try (FramedRequest r = FramedRequest.of(request)) {
            assertEquals(route, Router.route(r.lookup(TABLE), r.framer(), State.of(state)), rule);
        }
    }

    /** The deny list comes from --deny-commands, which replaces the default list: only what it names is refused. */
    @ParameterizedTest(name = "[{index}] {0}: {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # --deny-commands get,client|list,select,subscribe
            # state | request              | route  | rule
            plain | GET k                  | DENIED | a named command
            multi | GET k                  | DENIED | inside MULTI
            pass  | GET k                  | DENIED | in pass-through
            plain | CLIENT LIST            | DENIED | a named subcommand
            plain | CLIENT GETNAME         | LOCAL  | the container's other subcommands are not denied
            plain | SELECT 1               | DENIED | the deny list wins over emulation
            plain | SUBSCRIBE ch           | DENIED | ...and over pub/sub
            plain | MONITOR                | PASSTHROUGH | not denied: a connection of its own, Redis's feed passed through
            plain | SYNC                   | UNSUPPORTED | not denied, still refused: the replication stream is not RESP
            plain | CONFIG SET maxmemory 1 | SHARED | no longer denied: forwarded
            """)
    void denyListReplacesTheDefault(String state, String request, Route route, String rule) {
        try (FramedRequest r = FramedRequest.of(request)) {
            assertEquals(route, Router.route(r.lookup(DENY_TABLE), r.framer(), State.of(state)), rule);
        }
    }

    /**
     * Cluster mode (a {@link Router.Slots}): the slot is computed before routing. The slot column is the slot left in
     * {@code slots.slot()}: a number, {@code none} (NO_KEYS: any master, the owner of slot 0) or {@code cross} (keys
     * in several slots). Slots of the keys used: foo 12182, bar 5061, {t}a and {t}b 15891,
     * {user1000}.following 3443, "" 0.
     */
    @ParameterizedTest(name = "[{index}] {0}: {1} -> {2} slot {3}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            # state | request                              | route        | slot  | rule
            #
            # one slot: the common rules, on the connection to that slot's master
            plain | GET foo                              | SHARED       | 12182 | the key's slot
            plain | GET {user1000}.following             | SHARED       | 3443  | a hash tag: the tag's slot
            plain | MGET {t}a {t}b                       | SHARED       | 15891 | one tag, one slot: not split
            plain | MGET foo foo                         | SHARED       | 12182 | the same key twice
            plain | RENAME {t}a {t}b                     | SHARED       | 15891 | two keys, one slot
            plain | BLPOP foo 0                          | PRIVATE      | 12182 | blocking, one slot
            plain | XREAD COUNT 1 STREAMS foo 0          | SHARED       | 12182 | XREAD without BLOCK
            plain | XREAD BLOCK 0 STREAMS foo $          | PRIVATE      | 12182 | XREAD with BLOCK
            plain | WATCH foo                            | PRIVATE      | 12182 | WATCH, one slot
            multi | GET foo                              | PRIVATE      | 12182 | inside MULTI
            watch | MGET {t}a {t}b                       | PRIVATE      | 15891 | while watching, one slot
            plain | SSUBSCRIBE foo                       | PASSTHROUGH  | 12182 | a sharded channel has a slot
            plain | SPUBLISH foo m                       | SHARED       | 12182 | a sharded channel has a slot
            #
            # NO_KEYS: keyless commands, and requests that do not fit their key specs
            plain | MULTI                                | PRIVATE      | none  | no key
            plain | SUBSCRIBE foo bar                    | PASSTHROUGH  | none  | classic channels are no keys
            plain | PUBLISH foo m                        | SHARED       | none  | classic channels are no keys
            plain | EVAL s 0                             | SHARED       | none  | numkeys 0
            plain | EVAL s 5 foo                         | SHARED       | none  | not fitting its key spec
            plain | SCRIPT KILL                          | SIDE         | none  | a connection of its own
            plain | FUNCTION LIST                        | SHARED       | none  | not fanned out: one master
            plain | CLUSTER COUNTKEYSINSLOT 7000         | SHARED       | none  | as it is: asks the owner of slot 0
            plain | CLUSTER SETSLOT 1 STABLE             | DENIED       | none  | denied by default (issue 14)
            plain | FOO foo                              | SHARED       | none  | unknown command
            plain | GET                                  | SHARED       | none  | wrong arity
            multi | FOO                                  | PRIVATE      | none  | unknown command inside MULTI
            watch | FOO                                  | PRIVATE      | none  | unknown command while watching
            pass  | FOO                                  | PASSTHROUGH  | none  | unknown command in pass-through
            #
            # SPLIT: keys in several slots, a command the proxy splits per key
            plain | MGET foo bar                         | SPLIT        | cross | MGET
            plain | MSET foo 1 bar 2                     | SPLIT        | cross | MSET
            plain | DEL foo bar                          | SPLIT        | cross | DEL
            plain | UNLINK foo bar                       | SPLIT        | cross | UNLINK
            plain | EXISTS foo bar                       | SPLIT        | cross | EXISTS
            plain | TOUCH foo bar                        | SPLIT        | cross | TOUCH
            #
            # CROSSSLOT: keys in several slots where the command must stay atomic
            plain | RENAME foo bar                       | CROSSSLOT    | cross | RENAME
            plain | MSETNX foo 1 bar 2                   | CROSSSLOT    | cross | MSETNX is not split
            plain | SUNIONSTORE foo bar                  | CROSSSLOT    | cross | destination and source
            plain | EVAL s 2 foo bar                     | CROSSSLOT    | cross | a script's keys
            plain | BLPOP foo bar 0                      | CROSSSLOT    | cross | blocking
            plain | XREAD STREAMS foo bar 0 0            | CROSSSLOT    | cross | XREAD
            plain | WATCH foo bar                        | CROSSSLOT    | cross | WATCH
            plain | SSUBSCRIBE foo bar                   | CROSSSLOT    | cross | sharded channels
            multi | MGET foo bar                         | CROSSSLOT    | cross | a split command inside MULTI
            watch | DEL foo bar                          | CROSSSLOT    | cross | a split command while watching
            plain | MIGRATE h 1 "" 0 5000 KEYS {t}a {t}b | DENIED       | cross | denied by default (issue 14)
            #
            # FAN_OUT: every master (SCAN: one after the other)
            plain | KEYS *                               | FAN_OUT      | none  | KEYS
            plain | SCAN 0                               | FAN_OUT      | none  | SCAN
            plain | DBSIZE                               | FAN_OUT      | none  | DBSIZE
            plain | RANDOMKEY                            | FAN_OUT      | none  | RANDOMKEY
            plain | FLUSHDB                              | FAN_OUT      | none  | FLUSHDB
            plain | FLUSHALL                             | FAN_OUT      | none  | FLUSHALL
            plain | SCRIPT LOAD s                        | FAN_OUT      | none  | SCRIPT LOAD
            plain | SCRIPT EXISTS sha                    | FAN_OUT      | none  | SCRIPT EXISTS
            plain | SCRIPT FLUSH                         | FAN_OUT      | none  | SCRIPT FLUSH
            plain | FUNCTION LOAD code                   | FAN_OUT      | none  | FUNCTION LOAD
            plain | FUNCTION DELETE lib                  | FAN_OUT      | none  | FUNCTION DELETE
            plain | FUNCTION FLUSH                       | FAN_OUT      | none  | FUNCTION FLUSH
            plain | PING                                 | FAN_OUT      | none  | PING goes to every master
            multi | DBSIZE                               | PRIVATE      | none  | inside MULTI: not fanned out
            watch | KEYS *                               | PRIVATE      | none  | while watching: not fanned out
            multi | PING                                 | PRIVATE      | none  | inside MULTI: not fanned out
            #
            # LOCAL: the proxy answers as a one-node cluster; emulated commands as in the other modes
            plain | CLUSTER SLOTS                        | LOCAL        | none  | CLUSTER SLOTS
            plain | CLUSTER SHARDS                       | LOCAL        | none  | CLUSTER SHARDS
            plain | CLUSTER NODES                        | LOCAL        | none  | CLUSTER NODES
            plain | CLUSTER INFO                         | LOCAL        | none  | CLUSTER INFO
            plain | CLUSTER MYID                         | LOCAL        | none  | CLUSTER MYID
            plain | CLUSTER KEYSLOT foo                  | LOCAL        | none  | CLUSTER KEYSLOT: no key
            plain | READONLY                             | LOCAL        | none  | READONLY
            plain | READWRITE                            | LOCAL        | none  | READWRITE
            plain | ASKING                               | LOCAL        | none  | ASKING
            watch | CLUSTER SLOTS                        | LOCAL        | none  | while watching
            plain | SELECT 0                             | LOCAL        | none  | emulated
            plain | HELLO 2                              | LOCAL        | none  | emulated
            pass  | HELLO 2                              | LOCAL        | none  | HELLO in pass-through
            #
            # NOT_IN_MULTI: the proxy's cluster answers and emulated commands inside MULTI
            multi | CLUSTER INFO                         | NOT_IN_MULTI | none  | CLUSTER INFO inside MULTI
            multi | READONLY                             | NOT_IN_MULTI | none  | READONLY inside MULTI
            multi | SELECT 0                             | NOT_IN_MULTI | none  | SELECT inside MULTI
            #
            # INFO
            plain | INFO                                 | INFO         | none  | INFO
            watch | INFO                                 | INFO         | none  | as it is: PRIVATE in other modes
            multi | INFO                                 | PRIVATE      | none  | INFO inside MULTI: queued
            #
            # refused, and pass-through: before the cluster rules
            plain | MONITOR                              | DENIED       | none  | denied
            plain | CLUSTER RESET                        | DENIED       | none  | denied
            plain | CLIENT TRACKING on                   | LOCAL        | none  | emulated
            pass  | GET foo                              | PASSTHROUGH  | 12182 | pass-through; slot computed
            pass  | MGET foo bar                         | PASSTHROUGH  | cross | pass-through: no split
            pass  | KEYS *                               | PASSTHROUGH  | none  | pass-through: no fan-out
            pass  | CLUSTER SLOTS                        | PASSTHROUGH  | none  | pass-through: Redis answers
            """)
    void routesInClusterMode(String state, String request, Route route, String slot, String rule) {
        Router.Slots slots = new Router.Slots();
        try (FramedRequest r = FramedRequest.of(request)) {
            assertEquals(route, Router.route(r.lookup(TABLE), r.framer(), State.of(state), slots), rule);
            int expected = switch (slot) {
                case "none" -> Router.Slots.NO_KEYS;
                case "cross" -> Router.Slots.CROSS;
                default -> Integer.parseInt(slot);
            };
            assertEquals(expected, slots.slot(), rule + ": slot");
        }
    }

    /** SPLIT needs each key's argument index; the slots object is reused by the session from request to request. */
    @Test
    void slotsKeepTheKeysOfTheLastRequestOnly() {
        Router.Slots slots = new Router.Slots();
        State plain = State.of("plain");
        try (FramedRequest r = FramedRequest.of("MSET foo 1 bar 2 {t}a 3")) {
            assertEquals(Route.SPLIT, Router.route(r.lookup(TABLE), r.framer(), plain, slots));
            assertArrayEquals(new int[] {1, 3, 5}, keyArgs(slots));
        }
        try (FramedRequest r = FramedRequest.of("PING")) {
            Router.route(r.lookup(TABLE), r.framer(), plain, slots);
            assertEquals(Router.Slots.NO_KEYS, slots.slot());
            assertEquals(0, slots.keyCount());
        }
        try (FramedRequest r = FramedRequest.of("GET foo")) {
            assertEquals(Route.SHARED, Router.route(r.lookup(TABLE), r.framer(), plain, slots));
            assertEquals(12182, slots.slot());
            assertArrayEquals(new int[] {1}, keyArgs(slots));
        }
        try (FramedRequest r = FramedRequest.of("FOO foo")) {
            Router.route(r.lookup(TABLE), r.framer(), plain, slots);
            assertEquals(Router.Slots.NO_KEYS, slots.slot(), "an unknown command leaves no slot behind");
            assertEquals(0, slots.keyCount());
        }
    }

    /** More keys than the 16 the slots object starts with: it grows, and finds them all. */
    @Test
    void manyKeys() {
        StringBuilder mget = new StringBuilder("MGET");
        StringBuilder sameSlot = new StringBuilder("DEL");
        for (int i = 0; i < 40; i++) {
            mget.append(" key").append(i);
            sameSlot.append(" {t}").append(i);
        }
        Router.Slots slots = new Router.Slots();
        State plain = State.of("plain");
        try (FramedRequest r = FramedRequest.of(mget.toString())) {
            assertEquals(Route.SPLIT, Router.route(r.lookup(TABLE), r.framer(), plain, slots));
            assertEquals(40, slots.keyCount());
            assertEquals(40, slots.keyArg(39));
        }
        try (FramedRequest r = FramedRequest.of(sameSlot.toString())) {
            assertEquals(Route.SHARED, Router.route(r.lookup(TABLE), r.framer(), plain, slots));
            assertEquals(SlotHash.slot("t".getBytes()), slots.slot());
            assertEquals(40, slots.keyCount());
        }
    }

    private static int[] keyArgs(Router.Slots slots) {
        int[] out = new int[slots.keyCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = slots.keyArg(i);
        }
        return out;
    }
}
