package io.redissidecar.proxy.commands;

import java.nio.charset.StandardCharsets;

/**
 * Whether a request may be sent a second time after its connection was lost before its reply (it may have run): only
 * when a second run cannot change the data. The command decides first ({@link CommandInfo#idempotent()}, from
 * {@code CommandPolicy}); for some commands the arguments then decide (the list is
 * {@code CommandPolicy.IDEMPOTENT_UNLESS_ARGS}).
 */
public final class ReplaySafety {
    private static final byte[] GET = bytes("get");
    private static final byte[] INCR = bytes("incr");
    private static final byte[] NX = bytes("nx");
    private static final byte[] XX = bytes("xx");
    private static final byte[][] ZADD_FLAGS = {bytes("nx"), bytes("xx"), bytes("gt"), bytes("lt"), bytes("ch")};

    private ReplaySafety() {
    }

    /** Whether {@code req}, a request of {@code cmd}, leaves the same data when it runs twice. */
    public static boolean idempotent(CommandInfo cmd, KeySpec.Args req) {
        if (!cmd.idempotent()) {
            return false;
        }
        return switch (cmd.name()) {
            // SET ... GET answers with what was there, SET ... NX|XX whether it set: the second run's reply differs
            case "set" -> !anyFrom(req, 3, GET) && !anyFrom(req, 3, NX) && !anyFrom(req, 3, XX);
            case "zadd" -> !zaddIncr(req);
            // the destination is also a source: the second run reads the first one's result
            case "bitop" -> !destinationIsSource(req, 2, 3, req.argc());
            case "sinterstore", "sunionstore", "sdiffstore" -> !destinationIsSource(req, 1, 2, req.argc());
            case "zrangestore" -> !destinationIsSource(req, 1, 2, Math.min(3, req.argc()));
            case "zunionstore", "zinterstore", "zdiffstore" -> {
                long n = req.argc() > 2 ? req.argLong(2) : -1;
                yield n >= 0 && n <= req.argc() - 3 && !destinationIsSource(req, 1, 3, 3 + (int) n);
            }
            default -> true;
        };
    }

    /** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ...: INCR among the options before the first score. */
    private static boolean zaddIncr(KeySpec.Args req) {
        for (int i = 2; i < req.argc(); i++) {
            if (req.argEqualsIgnoreCase(i, INCR)) {
                return true;
            }
            boolean option = false;
            for (byte[] f : ZADD_FLAGS) {
                option |= req.argEqualsIgnoreCase(i, f);
            }
            if (!option) {
                return false; // the first score: options end here
            }
        }
        return false;
    }

    private static boolean anyFrom(KeySpec.Args req, int from, byte[] word) {
        for (int i = from; i < req.argc(); i++) {
            if (req.argEqualsIgnoreCase(i, word)) {
                return true;
            }
        }
        return false;
    }

    private static boolean destinationIsSource(KeySpec.Args req, int dest, int from, int to) {
        if (dest >= req.argc()) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (req.argsEqual(dest, i)) {
                return true;
            }
        }
        return false;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
