package io.redissidecar.proxy.commands;

import io.netty.buffer.ByteBuf;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Case-insensitive command lookup straight from request bytes: an open-addressing table keyed by the lower-cased
 * name, so the hot path neither allocates nor builds Strings. Loaded from {@code redis-commands.tsv}, generated
 * from a real server's COMMAND INFO by {@code scripts/gen-command-table.py}.
 */
public final class CommandTable {
    private static final String RESOURCE = "/io/redissidecar/proxy/commands/redis-commands.tsv";

    private final byte[][] keys;
    private final CommandInfo[] values;
    private final int mask;
    /** Names of up to 8 bytes (almost every command) as one long each: see {@link #lookup}. */
    private final long[] shortKeys;
    private final byte[] shortLengths;
    private final CommandInfo[] shortValues;
    private final int shortMask;
    private final Map<String, CommandInfo> byName;
    private final String redisVersion;

    private CommandTable(Map<String, CommandInfo> commands, String redisVersion) {
        int cap = Integer.highestOneBit(Math.max(4, commands.size() * 4) - 1) << 1;
        keys = new byte[cap][];
        values = new CommandInfo[cap];
        mask = cap - 1;
        for (Map.Entry<String, CommandInfo> e : commands.entrySet()) {
            String simple = e.getKey().substring(e.getKey().indexOf('|') + 1);
            byte[] k = simple.getBytes(StandardCharsets.US_ASCII);
            int i = hash(k, 0, k.length) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = k;
            values[i] = e.getValue();
        }
        shortKeys = new long[cap];
        shortLengths = new byte[cap];
        shortValues = new CommandInfo[cap];
        shortMask = cap - 1;
        for (int j = 0; j < cap; j++) {
            byte[] k = keys[j];
            if (k != null && k.length <= 8) {
                long packed = 0;
                for (int b = 0; b < 8; b++) {
                    packed = packed << 8 | (b < k.length ? k[b] & 0xff : 0);
                }
                int i = shortSlot(packed);
                while (shortValues[i] != null) {
                    i = (i + 1) & shortMask;
                }
                shortKeys[i] = packed;
                shortLengths[i] = (byte) k.length;
                shortValues[i] = values[j];
            }
        }
        this.byName = Collections.unmodifiableMap(commands);
        this.redisVersion = redisVersion;
    }

    /** Loads the generated table; commands in {@code denied} (names or {@code container|sub}) get DENIED. */
    public static CommandTable load(Collection<String> denied) {
        return load(denied, List.of(), Set.of());
    }

    /**
     * The built-in table less {@code omitted} (for tests of the merge), plus the {@code backendRows} (see
     * {@link BackendCommands}) of commands it does not have: the backend's facts fill the gaps, the proxy's policy
     * ({@code CommandPolicy}) applies to them all.
     */
    public static CommandTable load(Collection<String> denied, List<String[]> backendRows, Set<String> omitted) {
        Set<String> deny = Set.copyOf(denied);
        Map<String, String[]> rows = new LinkedHashMap<>();
        String version = "unknown";
        try (InputStream in = CommandTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing " + RESOURCE);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("# redis_version=")) {
                    version = line.substring("# redis_version=".length());
                }
                if (!line.startsWith("#") && !line.isBlank()) {
                    String[] cols = line.split("\t", -1);
                    rows.put(cols[0], cols);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rows.keySet().removeAll(omitted);
        for (String synthetic : CommandPolicy.SYNTHETIC) {
            String[] cols = synthetic.split("\t", -1);
            rows.putIfAbsent(cols[0], cols);
        }
        for (String[] cols : backendRows) {
            rows.putIfAbsent(cols[0], cols);
        }
        Map<String, Map<String, CommandInfo>> subs = new LinkedHashMap<>();
        for (String[] cols : rows.values()) {
            int bar = cols[0].indexOf('|');
            if (bar > 0) {
                subs.computeIfAbsent(cols[0].substring(0, bar), k -> new LinkedHashMap<>())
                        .put(cols[0], build(cols, null, deny));
            }
        }
        Map<String, CommandInfo> top = new LinkedHashMap<>();
        for (String[] cols : rows.values()) {
            if (cols[0].indexOf('|') < 0) {
                Map<String, CommandInfo> s = subs.get(cols[0]);
                top.put(cols[0], build(cols, s == null ? null : new CommandTable(s, version), deny));
            }
        }
        return new CommandTable(top, version);
    }

    private static CommandInfo build(String[] cols, CommandTable subcommands, Set<String> deny) {
        String name = cols[0];
        int flags = 0;
        for (String f : cols[2].split(",")) {
            flags |= switch (f) {
                case "write" -> CommandInfo.WRITE;
                case "readonly" -> CommandInfo.READONLY;
                case "blocking" -> CommandInfo.BLOCKING;
                case "pubsub" -> CommandInfo.PUBSUB;
                case "admin" -> CommandInfo.ADMIN;
                case "noscript" -> CommandInfo.NOSCRIPT;
                case "movablekeys" -> CommandInfo.MOVABLE_KEYS;
                case "fast" -> CommandInfo.FAST;
                case "no_auth" -> CommandInfo.NO_AUTH;
                default -> 0;
            };
        }
        if (CommandPolicy.SCRIPTS.contains(name)) {
            flags |= CommandInfo.SCRIPT;
        }
        if ((flags & CommandInfo.WRITE) != 0 || CommandPolicy.MAY_WRITE.contains(name)) {
            flags |= CommandInfo.MAY_WRITE;
        }
        List<KeySpec> specs = new ArrayList<>();
        if (!cols[4].equals("-")) {
            for (String s : cols[4].split(";")) {
                specs.add(KeySpec.parse(s));
            }
        }
        Handling handling = CommandPolicy.handling(name, flags, deny);
        boolean idempotent = (flags & CommandInfo.READONLY) != 0 || CommandPolicy.IDEMPOTENT_WRITES.contains(name)
                || CommandPolicy.IDEMPOTENT_UNLESS_ARGS.contains(name);
        return new CommandInfo(name, Integer.parseInt(cols[1]), flags, specs, handling, idempotent, subcommands,
                AclCategories.parse(cols[3]));
    }

    private static int hash(byte[] k, int off, int len) {
        int h = len;
        for (int i = off; i < off + len; i++) {
            h = 31 * h + k[i];
        }
        return h ^ (h >>> 15);
    }

    /**
     * Looks up the command named by {@code len} bytes of {@code buf} at {@code off}, ignoring ASCII case. A name of up
     * to 8 bytes with 8 readable bytes from {@code off} (a request's name is followed by at least its CRLF and the next
     * header) is read as one long, lower-cased in the register and found by value; others byte by byte.
     */
    public CommandInfo lookup(ByteBuf buf, int off, int len) {
        if (len > 0 && len <= 8 && off + 8 <= buf.writerIndex()) {
            long k = lowerAscii(buf.getLong(off)) & (-1L << (64 - 8 * len));
            for (int i = shortSlot(k); shortValues[i] != null; i = (i + 1) & shortMask) {
                if (shortKeys[i] == k && shortLengths[i] == len) {
                    return shortValues[i];
                }
            }
            return null;
        }
        return lookupBytewise(buf, off, len);
    }

    /** As {@link #lookup}, byte by byte: names longer than 8 bytes, and the reference for tests. */
    CommandInfo lookupBytewise(ByteBuf buf, int off, int len) {
        if (len == 0 || len > 32) {
            return null;
        }
        int h = len;
        for (int i = off; i < off + len; i++) {
            byte b = buf.getByte(i);
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            h = 31 * h + b;
        }
        int i = (h ^ (h >>> 15)) & mask;
        for (byte[] k; (k = keys[i]) != null; i = (i + 1) & mask) {
            if (k.length == len && sameIgnoringCase(k, buf, off)) {
                return values[i];
            }
        }
        return null;
    }

    private int shortSlot(long packed) {
        return (int) ((packed * 0x9E3779B97F4A7C15L) >>> 40) & shortMask;
    }

    /** Each byte of {@code w} from 'A' to 'Z' made lower case, every other byte (non-ASCII ones too) as it is. */
    static long lowerAscii(long w) {
        long low7 = w & 0x7F7F7F7F7F7F7F7FL; // no carry between bytes in the additions below
        long atLeastA = low7 + 0x3F3F3F3F3F3F3F3FL; // high bit set where the byte is >= 'A' (0x41)
        long aboveZ = low7 + 0x2525252525252525L; // high bit set where the byte is > 'Z' (0x5A)
        long upper = atLeastA & ~aboveZ & ~w & 0x8080808080808080L; // ~w: not a byte >= 0x80
        return w | (upper >>> 2); // 0x80 >>> 2 = 0x20, the case bit
    }

    private static boolean sameIgnoringCase(byte[] lower, ByteBuf buf, int off) {
        for (int i = 0; i < lower.length; i++) {
            byte b = buf.getByte(off + i);
            if (b >= 'A' && b <= 'Z') {
                b += 32;
            }
            if (b != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** By full lower-case name ({@code get}, {@code client|setname}); for tests, docs and the control plane. */
    public CommandInfo get(String name) {
        int bar = name.indexOf('|');
        if (bar < 0) {
            return byName.get(name);
        }
        CommandInfo c = byName.get(name.substring(0, bar));
        return c == null || c.subcommands() == null ? null : c.subcommands().byName.get(name);
    }

    public Collection<CommandInfo> all() {
        return byName.values();
    }

    /** The Redis version the generated table came from. */
    public String redisVersion() {
        return redisVersion;
    }
}
