package io.redissidecar.proxy.commands;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the proxy knows of one command (or {@code container|subcommand}): Redis's own facts from the generated
 * table (arity, flags, key specs) and the proxy's policy (handling, replay safety). Immutable, shared by all loops.
 */
public final class CommandInfo {
    public static final int WRITE = 1;
    public static final int READONLY = 1 << 1;
    public static final int BLOCKING = 1 << 2;
    public static final int PUBSUB = 1 << 3;
    public static final int ADMIN = 1 << 4;
    public static final int NOSCRIPT = 1 << 5;
    public static final int MOVABLE_KEYS = 1 << 6;
    public static final int FAST = 1 << 7;
    /** The proxy's own: a script (EVAL, EVALSHA, FCALL and their _RO forms): its errors are its results. */
    public static final int SCRIPT = 1 << 8;
    /** The proxy's own: may write without Redis's write flag (EXEC, EVAL, EVALSHA, FCALL). */
    public static final int MAY_WRITE = 1 << 9;
    /** Redis's no_auth: allowed before AUTH, and never checked against a user's commands (AUTH, HELLO, QUIT, RESET). */
    public static final int NO_AUTH = 1 << 10;

    private final String name;
    private final int arity;
    private final int flags;
    private final List<KeySpec> keySpecs;
    private final Handling handling;
    private final boolean idempotent;
    private final CommandTable subcommands;
    private final byte[] errorName;
    private final int index;
    private final int aclCategories;
    private static final ConcurrentHashMap<String, Integer> INDEXES =
            new ConcurrentHashMap<>();
    /** Names by index; index 0 stands for requests with no known command. */
    private static final List<String> NAMES = new CopyOnWriteArrayList<>(
            List.of("unknown"));

    /** The name of the command with this {@link #index()} (0: "unknown"), or null. */
    public static String nameOf(int index) {
        return index < NAMES.size() ? NAMES.get(index) : null;
    }

    CommandInfo(String name, int arity, int flags, List<KeySpec> keySpecs, Handling handling, boolean idempotent,
                CommandTable subcommands, int aclCategories) {
        this.name = name;
        this.aclCategories = aclCategories;
        this.arity = arity;
        this.flags = flags;
        this.keySpecs = List.copyOf(keySpecs);
        this.handling = handling;
        this.idempotent = idempotent;
        this.subcommands = subcommands;
        this.errorName = name.getBytes();
        this.index = INDEXES.computeIfAbsent(name, n -> {
            NAMES.add(n);
            return NAMES.size() - 1;
        });
    }

    /**
     * A small number naming this command (the same for the same name, also across reloaded tables), from 1; for
     * per-command arrays such as the request counters.
     */
    public int index() {
        return index;
    }

    /** Lower-case name; {@code container|subcommand} for subcommands, as Redis names them in errors. */
    public String name() {
        return name;
    }

    public byte[] nameBytes() {
        return errorName;
    }

    public int arity() {
        return arity;
    }

    /** Its ACL categories, as {@link AclCategories} bits. */
    public int aclCategories() {
        return aclCategories;
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public Handling handling() {
        return handling;
    }

    /**
     * Whether sending the command twice leaves the same data as sending it once (reads, plain SET, DEL...):
     * such a command may be replayed when its first sending's fate is unknown.
     */
    public boolean idempotent() {
        return idempotent;
    }

    /** Subcommand table of a container command (CLIENT, CONFIG, OBJECT...), else null. */
    public CommandTable subcommands() {
        return subcommands;
    }

    /** Redis arity rule: positive = exactly, negative = at least |arity| arguments including the name. */
    public boolean arityOk(int argc) {
        return arity >= 0 ? argc == arity : argc >= -arity;
    }

    public List<KeySpec> keySpecs() {
        return keySpecs;
    }

    /**
     * Argument indexes of the keys of a request, in key-spec order; -1 when the request does not fit its key
     * specs (Redis answers it with an error).
     */
    public int keys(KeySpec.Args args, int[] out) {
        int n = 0;
        for (KeySpec spec : keySpecs) {
            n = spec.keys(args, out, n);
            if (n < 0) {
                return -1;
            }
        }
        return n;
    }

    @Override
    public String toString() {
        return name;
    }
}
