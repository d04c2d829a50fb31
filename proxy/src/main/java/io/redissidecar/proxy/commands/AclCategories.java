package io.redissidecar.proxy.commands;

import java.util.List;

/** Redis 7.0's ACL command categories, in the order {@code ACL CAT} lists them; a command holds them as bits. */
public final class AclCategories {
    public static final List<String> NAMES = List.of("keyspace", "read", "write", "set", "sortedset", "list", "hash",
            "string", "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
            "dangerous", "connection", "transaction", "scripting");

    private AclCategories() {
    }

    /** The bit of category {@code name} (lower case), or 0 when Redis 7.0 has no such category. */
    public static int bit(String name) {
        int i = NAMES.indexOf(name);
        return i < 0 ? 0 : 1 << i;
    }

    /** The bits of a comma-separated list of categories (the command table's column); unknown ones are skipped. */
    static int parse(String list) {
        int bits = 0;
        for (String c : list.split(",")) {
            bits |= bit(c.trim());
        }
        return bits;
    }
}
