package io.redissidecar.proxy.commands;

import java.util.Locale;

/**
 * One Redis 7 key specification: where the search for keys begins (an index or after a keyword) and how keys
 * are found from there (a range or a count argument). Parsed from the generated command table.
 */
public record KeySpec(boolean readOnly, int beginIndex, byte[] keyword, int keywordStart, boolean keynum,
                      int lastKeyOrKeynumIdx, int step, int limitOrFirstKey, boolean unknown, int aclPermissions) {
    /** ACL: a key of this spec is read (the spec's ACCESS flag): it needs a pattern with read permission. */
    public static final int ACL_READ = 1;
    /** ACL: a key of this spec is written (INSERT, DELETE or UPDATE): it needs a pattern with write permission. */
    public static final int ACL_WRITE = 2;
    /** ACL: this spec names no key (NOT_KEY: SPUBLISH's and SSUBSCRIBE's channels); Redis's ACL skips it. */
    public static final int ACL_NOT_KEY = 4;

    /** Parses {@code flags/begin/find}, e.g. {@code ro,access/keyword:STREAMS,1/range:-1,1,2}. */
    static KeySpec parse(String text) {
        String[] parts = text.split("/");
        String flags = "," + parts[0] + ",";
        boolean ro = flags.contains(",ro,");
        int acl = (flags.contains(",access,") ? ACL_READ : 0) | (flags.contains(",insert,")
                || flags.contains(",delete,") || flags.contains(",update,") ? ACL_WRITE : 0)
                | (flags.contains(",not_key,") ? ACL_NOT_KEY : 0);
        if (parts[1].equals("unknown") || parts[2].equals("unknown")) {
            return new KeySpec(ro, 0, null, 0, false, 0, 1, 0, true, acl);
        }
        int beginIndex = 0;
        byte[] keyword = null;
        int keywordStart = 0;
        if (parts[1].startsWith("index:")) {
            beginIndex = Integer.parseInt(parts[1].substring(6));
        } else {
            String[] kw = parts[1].substring(8).split(",");
            keyword = kw[0].toLowerCase(Locale.ROOT).getBytes();
            keywordStart = Integer.parseInt(kw[1]);
        }
        boolean keynum = parts[2].startsWith("keynum:");
        String[] f = parts[2].substring(parts[2].indexOf(':') + 1).split(",");
        int a = Integer.parseInt(f[0]);
        int b = Integer.parseInt(f[keynum ? 2 : 1]);
        int c = Integer.parseInt(f[keynum ? 1 : 2]);
        return new KeySpec(ro, beginIndex, keyword, keywordStart, keynum, a, b, c, false, acl);
    }

    /** Argument access for key extraction, so that the same code serves framed requests and tests. */
    public interface Args {
        int argc();

        boolean argEqualsIgnoreCase(int i, byte[] lowerAscii);

        long argLong(int i);

        /** Whether arguments {@code i} and {@code j} are the same bytes. */
        boolean argsEqual(int i, int j);
    }

    /**
     * Appends the argument indexes of this spec's keys to {@code out}; returns the new count, or -1 when the
     * request does not fit the spec (Redis would answer it with an error).
     */
    public int keys(Args args, int[] out, int count) {
        if (unknown) {
            return count;
        }
        int argc = args.argc();
        int first;
        if (keyword == null) {
            first = beginIndex;
        } else {
            first = -1;
            int from = keywordStart > 0 ? keywordStart : argc + keywordStart;
            int to = keywordStart > 0 ? argc - 1 : 0;
            for (int i = from; ; i = from <= to ? i + 1 : i - 1) {
                if (i >= argc || i < 0) {
                    break;
                }
                if (args.argEqualsIgnoreCase(i, keyword)) {
                    first = i + 1;
                    break;
                }
                if (i == to) {
                    break;
                }
            }
            if (first < 0) {
                return count;
            }
        }
        int last;
        int step = this.step;
        if (keynum) {
            int idx = first + lastKeyOrKeynumIdx;
            if (idx >= argc) {
                return -1;
            }
            long n = args.argLong(idx);
            if (n < 0 || n > argc) {
                return -1;
            }
            first += limitOrFirstKey;
            last = first + (int) (n - 1) * step;
        } else if (lastKeyOrKeynumIdx >= 0) {
            last = first + lastKeyOrKeynumIdx;
        } else if (limitOrFirstKey == 0) {
            last = argc + lastKeyOrKeynumIdx;
        } else {
            last = first + ((argc - first) / limitOrFirstKey + lastKeyOrKeynumIdx);
        }
        for (int i = first; i <= last; i += step) {
            if (i >= argc || i < 1) {
                return -1;
            }
            if (count == out.length) {
                return -1;
            }
            out[count++] = i;
        }
        return count;
    }
}
