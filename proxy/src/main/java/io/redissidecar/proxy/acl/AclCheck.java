package io.redissidecar.proxy.acl;

import io.netty.buffer.ByteBuf;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.KeySpec;

/**
 * Checks one request against a user, in Redis 7.0's order: the command (or {@code container|subcommand}), then
 * every key its key specs name (with the read/write need of each spec's flags; SORT's {@code STORE} key and SET's
 * {@code GET} as Redis's own key functions find them), then the channels of PUBLISH, SPUBLISH, SUBSCRIBE, SSUBSCRIBE
 * and PSUBSCRIBE (patterns compared literally). One per client: it keeps a scratch array and, after a denial, which
 * argument was refused.
 */
public final class AclCheck implements KeySpec.Args {
    public static final int OK = 0;
    public static final int DENIED_COMMAND = 1;
    public static final int DENIED_KEY = 2;
    public static final int DENIED_CHANNEL = 3;
    /** SORT's BY with a pattern, or GET, by a user who may not read every key: Redis's own error, not NOPERM. */
    public static final int DENIED_SORT_BY = 4;
    public static final int DENIED_SORT_GET = 5;

    private static final byte[] STORE = "store".getBytes();
    private static final byte[] LIMIT = "limit".getBytes();
    private static final byte[] GET = "get".getBytes();
    private static final byte[] BY = "by".getBytes();

    private int[] scratch = new int[16];
    private int deniedArg = -1;
    private RequestFramer req;
    /** Where the checked command starts among the request's arguments (2 for ACL DRYRUN user cmd ...). */
    private int shift;

    /** The argument whose key or channel was refused by the last {@link #check}, or -1. */
    public int deniedArg() {
        return deniedArg;
    }

    /** Whether {@code user} may send {@code req} (command {@code cmd}, arity already checked). */
    public int check(AclUser user, CommandInfo cmd, RequestFramer req) {
        return check(user, cmd, req, 0);
    }

    /** As {@link #check(AclUser, CommandInfo, RequestFramer)} for the command at argument {@code shift}. */
    public int check(AclUser user, CommandInfo cmd, RequestFramer request, int shift) {
        this.req = request;
        this.shift = shift;
        deniedArg = -1;
        try {
            return checkNow(user, cmd);
        } finally {
            this.req = null;
        }
    }

    private int checkNow(AclUser user, CommandInfo cmd) {
        if (!user.mayRun(cmd)) {
            return DENIED_COMMAND;
        }
        if (!user.allKeys() && (cmd.name().equals("sort") || cmd.name().equals("sort_ro"))) {
            int sort = sortChecked(user);
            if (sort != OK) {
                return sort;
            }
        } else if (!user.allKeys() && !cmd.keySpecs().isEmpty() && !keysOk(user, cmd)) {
            return DENIED_KEY;
        }
        if (!user.allChannels() && !channelsOk(user, cmd)) {
            return DENIED_CHANNEL;
        }
        return OK;
    }

    private boolean keysOk(AclUser user, CommandInfo cmd) {
        String name = cmd.name();
        ByteBuf buf = req.frameBuffer();
        for (KeySpec spec : cmd.keySpecs()) {
            if ((spec.aclPermissions() & KeySpec.ACL_NOT_KEY) != 0) {
                continue; // a channel (SPUBLISH, SSUBSCRIBE), checked as one below
            }
            int n = spec.keys(this, scratch, 0);
            while (n < 0 && scratch.length < argc()) {
                scratch = new int[Math.max(argc(), scratch.length * 2)];
                n = spec.keys(this, scratch, 0);
            }
            if (n < 0) {
                return false; // keys the proxy cannot find are keys it cannot allow (fail closed)
            }
            int needs = spec.aclPermissions();
            if (name.equals("set")) { // variable flags: with GET the old value is read too
                needs = KeySpec.ACL_WRITE | (hasArg(3, GET) ? KeySpec.ACL_READ : 0);
            }
            for (int k = 0; k < n; k++) {
                int a = scratch[k];
                if (!user.mayUseKey(buf, off(a), len(a), needs)) {
                    deniedArg = a;
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * SORT and SORT_RO, in one pass: the key read and the last {@code STORE} destination (written), as Redis finds
     * them (a refusal: NOPERM); then the patterns, which read keys Redis finds at run time: a user who may not read
     * every key may use neither GET nor BY with a {@code *} (Redis 7.0, sort.c: the command's own error).
     */
    private int sortChecked(AclUser user) {
        ByteBuf buf = req.frameBuffer();
        if (!user.mayUseKey(buf, off(1), len(1), KeySpec.ACL_READ)) {
            deniedArg = 1;
            return DENIED_KEY;
        }
        int store = -1;
        int pattern = OK;
        int patternArg = -1;
        for (int i = 2; i < argc(); i++) {
            if (argEqualsIgnoreCase(i, LIMIT)) {
                i += 2;
            } else if (argEqualsIgnoreCase(i, GET) || argEqualsIgnoreCase(i, BY)) {
                boolean get = argEqualsIgnoreCase(i, GET);
                if (pattern == OK && i + 1 < argc() && (get || buf.indexOf(off(i + 1), off(i + 1) + len(i + 1),
                        (byte) '*') >= 0)) {
                    pattern = get ? DENIED_SORT_GET : DENIED_SORT_BY;
                    patternArg = i + 1;
                }
                i += 1;
            } else if (argEqualsIgnoreCase(i, STORE) && i + 1 < argc()) {
                store = ++i;
            }
        }
        if (store > 0 && !user.mayUseKey(buf, off(store), len(store), KeySpec.ACL_WRITE)) {
            deniedArg = store;
            return DENIED_KEY;
        }
        deniedArg = patternArg;
        return pattern;
    }

    private boolean hasArg(int from, byte[] word) {
        for (int i = from; i < argc(); i++) {
            if (argEqualsIgnoreCase(i, word)) {
                return true;
            }
        }
        return false;
    }

    private boolean channelsOk(AclUser user, CommandInfo cmd) {
        int from;
        int to;
        boolean literal = false;
        switch (cmd.name()) {
            case "publish", "spublish" -> {
                from = 1;
                to = 2;
            }
            case "subscribe", "ssubscribe" -> {
                from = 1;
                to = argc();
            }
            case "psubscribe" -> {
                from = 1;
                to = argc();
                literal = true;
            }
            default -> {
                return true;
            }
        }
        ByteBuf buf = req.frameBuffer();
        for (int i = from; i < to; i++) {
            if (!user.mayUseChannel(buf, off(i), len(i), literal)) {
                deniedArg = i;
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- the checked command's arguments

    @Override
    public int argc() {
        return req.argc() - shift;
    }

    @Override
    public boolean argEqualsIgnoreCase(int i, byte[] lowerAscii) {
        return req.argEqualsIgnoreCase(i + shift, lowerAscii);
    }

    @Override
    public long argLong(int i) {
        return req.argLong(i + shift);
    }

    @Override
    public boolean argsEqual(int i, int j) {
        return req.argsEqual(i + shift, j + shift);
    }

    private int off(int i) {
        return req.argOffset(i + shift);
    }

    private int len(int i) {
        return req.argLength(i + shift);
    }

    /** Redis 7.0's ACL DRYRUN text for a denial of argument {@code arg} (of the checked command). */
    public static String dryRunText(int result, CommandInfo cmd, RequestFramer req, int shift, int arg) {
        return switch (result) {
            case DENIED_COMMAND -> "This user has no permissions to run the '" + cmd.name() + "' command";
            case DENIED_KEY -> "This user has no permissions to access the '"
                    + new String(req.argBytes(arg + shift), java.nio.charset.StandardCharsets.UTF_8) + "' key";
            default -> "This user has no permissions to access the '"
                    + new String(req.argBytes(arg + shift), java.nio.charset.StandardCharsets.UTF_8) + "' channel";
        };
    }

    /** Redis 7.0's error for a denial, without the leading '-'. */
    public static String error(int result, CommandInfo cmd) {
        return switch (result) {
            case DENIED_SORT_BY -> "ERR BY option of SORT denied due to insufficient ACL permissions.";
            case DENIED_SORT_GET -> "ERR GET option of SORT denied due to insufficient ACL permissions.";
            case DENIED_COMMAND -> "NOPERM this user has no permissions to run the '" + cmd.name() + "' command";
            case DENIED_KEY -> "NOPERM this user has no permissions to access one of the keys used as arguments";
            default -> "NOPERM this user has no permissions to access one of the channels used as arguments";
        };
    }
}
