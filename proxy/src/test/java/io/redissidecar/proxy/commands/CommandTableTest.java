package io.redissidecar.proxy.commands;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.Options;
import io.redissidecar.proxy.codec.RequestFramer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CommandTableTest {
    private final CommandTable table = CommandTable.load(Arrays.asList(Options.DEFAULT_DENY.split(",")));

    @Test
    void coversRedis70AndRecordsTheVersion() {
        assertEquals("7.0.15", table.redisVersion());
        assertTrue(table.all().size() > 200, "top-level commands: " + table.all().size());
        for (String c : List.of("get", "set", "blpop", "xread", "eval", "zunionstore", "subscribe", "client|setname",
                "config|get", "object|encoding", "client|setinfo")) {
            assertNotNull(table.get(c), c);
        }
    }

    @Test
    void lookupFromBytesIgnoresCase() {
        ByteBuf b = Unpooled.copiedBuffer("xxgEtxx", StandardCharsets.US_ASCII);
        assertEquals("get", table.lookup(b, 2, 3).name());
        assertNull(table.lookup(b, 0, 4));
        b.release();
    }

    @Test
    void handlingFollowsPolicy() {
        assertEquals(Handling.FORWARD, table.get("get").handling());
        assertEquals(Handling.EMULATED, table.get("select").handling());
        assertEquals(Handling.EMULATED, table.get("client|setname").handling());
        assertEquals(Handling.TRANSACTION, table.get("watch").handling());
        assertEquals(Handling.BLOCKING, table.get("blpop").handling());
        assertEquals(Handling.BLOCKING, table.get("wait").handling());
        assertEquals(Handling.BLOCKING, table.get("xread").handling());
        assertEquals(Handling.PUBSUB, table.get("unsubscribe").handling());
        assertEquals(Handling.FORWARD, table.get("publish").handling());
        assertEquals(Handling.DENIED, table.get("monitor").handling());
        assertEquals(Handling.DENIED, table.get("config|set").handling());
        assertEquals(Handling.FORWARD, table.get("config|get").handling());
        assertEquals(Handling.EMULATED, table.get("client|reply").handling());
        CommandTable moduleDenied = CommandTable.load(java.util.List.of("module"));
        assertEquals(Handling.DENIED, moduleDenied.get("module").handling());
        assertEquals(Handling.DENIED, moduleDenied.get("module|load").handling(), "a denied container's subcommands");
        assertEquals(Handling.EMULATED, table.get("client|tracking").handling());
        assertEquals(Handling.EMULATED, table.get("client|unblock").handling());
        assertEquals(Handling.UNSUPPORTED, table.get("replconf").handling());
        assertTrue(table.get("get").idempotent());
        assertTrue(table.get("set").idempotent());
        assertFalse(table.get("incr").idempotent());
        assertFalse(table.get("rpush").idempotent());
    }

    @Test
    void keyPositionsForEveryKeySpecForm() throws Exception {
        assertKeys("GET k", 1);
        assertKeys("MSET a 1 b 2 c 3", 1, 3, 5);
        assertKeys("BLPOP a b c 0", 1, 2, 3);
        assertKeys("EVAL script 2 k1 k2 a1", 3, 4);
        assertKeys("EVAL script 0 a1");
        assertKeys("ZUNIONSTORE dst 2 s1 s2 WEIGHTS 1 2", 1, 3, 4);
        assertKeys("XREAD COUNT 2 STREAMS s1 s2 0 0", 4, 5);
        assertKeys("XREADGROUP GROUP g c BLOCK 0 STREAMS s1 >", 7);
        assertKeys("MIGRATE h 1 \"\" 0 5000 KEYS a b", 3, 7, 8); // key specs: the empty key slot counts too
        assertKeys("GEORADIUS src 0 0 1 km STORE dst", 1, 7);
        assertKeys("OBJECT ENCODING k", 2);
        assertEquals(-1, keys("EVAL script 5 k1"));
    }

    private int keys(String request) throws Exception {
        String[] parts = request.split(" ");
        StringBuilder sb = new StringBuilder("*" + parts.length + "\r\n");
        for (String p : parts) {
            sb.append('$').append(p.length()).append("\r\n").append(p).append("\r\n");
        }
        ByteBuf in = Unpooled.copiedBuffer(sb, StandardCharsets.US_ASCII);
        try {
            RequestFramer f = new RequestFramer(1 << 20, 1 << 20, 1 << 16);
            f.frame(in, ByteBufAllocator.DEFAULT);
            CommandInfo c = table.lookup(f.frameBuffer(), f.argOffset(0), f.argLength(0));
            if (c.subcommands() != null) {
                c = c.subcommands().lookup(f.frameBuffer(), f.argOffset(1), f.argLength(1));
            }
            int[] out = new int[16];
            KeySpec.Args args = new KeySpec.Args() {
                public int argc() {
                    return f.argc();
                }

                public boolean argEqualsIgnoreCase(int i, byte[] lower) {
                    return f.argEqualsIgnoreCase(i, lower);
                }

                public long argLong(int i) {
                    return f.argLong(i);
                }

                public boolean argsEqual(int i, int j) {
                    return f.argsEqual(i, j);
                }
            };
            int n = c.keys(args, out);
            lastKeys = n < 0 ? null : Arrays.copyOf(out, n);
            return n;
        } finally {
            in.release();
        }
    }

    private int[] lastKeys;

    private void assertKeys(String request, int... expected) throws Exception {
        keys(request);
        assertArrayEquals(expected, lastKeys, request);
    }

    /**
     * Names of up to 8 bytes are read as one long and lower-cased in the register: the same answers as the byte-by-byte
     * lookup for every command and subcommand name in any mix of case, with and without 8 readable bytes after the
     * name, and for random names with the bytes around the letters ('@', '[', '`', '{'), NUL and non-ASCII bytes.
     */
    @Test
    void shortNamesAreFoundAsTheByteByByteLookupFindsThem() {
        Random r = new Random(20261201);
        List<CommandTable> tables = new ArrayList<>(List.of(table));
        List<String> names = new ArrayList<>();
        for (CommandInfo c : table.all()) {
            names.add(c.name());
            if (c.subcommands() != null) {
                tables.add(c.subcommands());
                c.subcommands().all().forEach(s -> names.add(s.name().substring(s.name().indexOf('|') + 1)));
            }
        }
        byte[] odd = {'@', '[', '`', '{', 0, (byte) 0xC1, (byte) 0xE7, (byte) 0x80, (byte) 0xFF, '\r', '\n'};
        for (int round = 0; round < 20_000; round++) {
            byte[] name;
            if (round % 2 == 0) {
                name = names.get(r.nextInt(names.size())).getBytes(StandardCharsets.US_ASCII);
                for (int i = 0; i < name.length; i++) {
                    if (r.nextBoolean() && name[i] >= 'a' && name[i] <= 'z') {
                        name[i] -= 32;
                    }
                }
            } else {
                name = new byte[1 + r.nextInt(10)];
                for (int i = 0; i < name.length; i++) {
                    name[i] = r.nextInt(3) == 0 ? odd[r.nextInt(odd.length)] : (byte) ('A' + r.nextInt(58));
                }
            }
            if (round % 7 == 0 && name.length > 1) {
                name[r.nextInt(name.length)] = odd[r.nextInt(odd.length)];
            }
            int before = r.nextInt(3);
            int after = r.nextInt(12);
            ByteBuf buf = Unpooled.buffer(before + name.length + after);
            buf.writeZero(before).writeBytes(name);
            for (int i = 0; i < after; i++) {
                buf.writeByte(r.nextInt(256));
            }
            for (CommandTable t : tables) {
                assertSame(t.lookupBytewise(buf, before, name.length), t.lookup(buf, before, name.length),
                        new String(name, StandardCharsets.ISO_8859_1));
            }
            buf.release();
        }
    }

    @Test
    void aNameWithATrailingNulIsNotTheNameWithoutIt() {
        for (CommandInfo c : table.all()) {
            if (c.name().length() < 8) {
                byte[] request = (c.name() + "\0\r\n$3\r\nkey\r\n").getBytes(StandardCharsets.US_ASCII);
                ByteBuf buf = Unpooled.buffer().writeBytes(request);
                assertNull(table.lookup(buf, 0, c.name().length() + 1), c.name());
                assertSame(c, table.lookup(buf, 0, c.name().length()), c.name());
                buf.release();
            }
        }
    }

    @Test
    void lowerAsciiChangesOnlyCapitalLetters() {
        for (int b = 0; b < 256; b++) {
            long w = 0x0101010101010101L * b;
            long expect = b >= 'A' && b <= 'Z' ? 0x0101010101010101L * (b + 32) : w;
            assertEquals(expect, CommandTable.lowerAscii(w), "byte " + b);
        }
    }
}
