package io.redissidecar.proxy.tracking;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.resp.Replies;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongPredicate;

/**
 * One client's {@code CLIENT TRACKING} settings, as Redis keeps them per connection: on or off, the mode (default,
 * BCAST with prefixes, OPTIN, OPTOUT), NOLOOP, the client its invalidations are redirected to, and the
 * {@code CLIENT CACHING} flag that applies to the next command only. {@code CLIENT TRACKING}, {@code CACHING},
 * {@code TRACKINGINFO} and {@code GETREDIR} are answered from here with Redis 7's replies and error texts.
 */
public final class TrackingState {
    private boolean on;
    private boolean bcast;
    private boolean optin;
    private boolean optout;
    private boolean noloop;
    /** The proxy client id invalidations go to; 0 for none (the client itself, RESP3). */
    private long redirect;
    private final List<byte[]> prefixes = new ArrayList<>();
    /** CLIENT CACHING yes (1) or no (-1), for the next command; 0 when not given. */
    private int caching;

    public boolean on() {
        return on;
    }

    public boolean bcast() {
        return bcast;
    }

    public long redirect() {
        return redirect;
    }

    public List<byte[]> prefixes() {
        return prefixes;
    }

    /**
     * Whether the keys the command being sent reads are tracked: default mode, and OPTIN/OPTOUT as the CACHING flag
     * given before it says.
     */
    public boolean tracksReads() {
        return on && !bcast && (optin ? caching == 1 : !(optout && caching == -1));
    }

    /**
     * A command was sent: the CACHING flag is spent, as in Redis, unless the command was a {@code CLIENT} subcommand
     * or the client is inside MULTI ({@code keep}).
     */
    public void commandSent(boolean keep) {
        if (!keep) {
            caching = 0;
        }
    }

    /** Turns tracking off (CLIENT TRACKING OFF, RESET). */
    public void off() {
        on = false;
        bcast = false;
        optin = false;
        optout = false;
        noloop = false;
        redirect = 0;
        prefixes.clear();
        caching = 0;
    }

    /**
     * {@code CLIENT TRACKING on|off [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]}: applies it and
     * returns the reply. {@code clientExists} tells whether a proxy client id is connected now.
     */
    public ByteBuf command(RequestFramer req, ByteBufAllocator alloc, LongPredicate clientExists) {
        long redir = 0;
        boolean newBcast = false;
        boolean newOptin = false;
        boolean newOptout = false;
        boolean newNoloop = false;
        List<byte[]> newPrefixes = new ArrayList<>();
        for (int j = 3; j < req.argc(); j++) {
            boolean more = j < req.argc() - 1;
            String opt = new String(req.argBytes(j), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            if (opt.equals("redirect") && more) {
                j++;
                if (redir != 0) {
                    return Replies.error(alloc, "ERR A client can only redirect to a single other client");
                }
                redir = req.argLong(j);
                if (redir == Long.MIN_VALUE) {
                    return Replies.error(alloc, "ERR value is not an integer or out of range");
                }
                if (!clientExists.test(redir)) {
                    return Replies.error(alloc, "ERR The client ID you want redirect to does not exist");
                }
            } else if (opt.equals("bcast")) {
                newBcast = true;
            } else if (opt.equals("optin")) {
                newOptin = true;
            } else if (opt.equals("optout")) {
                newOptout = true;
            } else if (opt.equals("noloop")) {
                newNoloop = true;
            } else if (opt.equals("prefix") && more) {
                newPrefixes.add(req.argBytes(++j));
            } else {
                return Replies.error(alloc, "ERR syntax error");
            }
        }
        if (req.argEqualsIgnoreCase(2, OFF)) {
            off();
            return Replies.of(Replies.OK);
        }
        if (!req.argEqualsIgnoreCase(2, ON)) {
            return Replies.error(alloc, "ERR syntax error");
        }
        if (!newBcast && !newPrefixes.isEmpty()) {
            return Replies.error(alloc, "ERR PREFIX option requires BCAST mode to be enabled");
        }
        if (on && bcast != newBcast) {
            return Replies.error(alloc, "ERR You can't switch BCAST mode on/off before disabling tracking for this "
                    + "client, and then re-enabling it with a different mode.");
        }
        if (newBcast && (newOptin || newOptout)) {
            return Replies.error(alloc, "ERR OPTIN and OPTOUT are not compatible with BCAST");
        }
        if (newOptin && newOptout) {
            return Replies.error(alloc, "ERR You can't specify both OPTIN mode and OPTOUT mode");
        }
        if (on && (newOptin && optout || newOptout && optin)) {
            return Replies.error(alloc, "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this "
                    + "client, and then re-enabling it with a different mode.");
        }
        if (newBcast) {
            ByteBuf collision = prefixCollision(newPrefixes, alloc);
            if (collision != null) {
                return collision;
            }
        }
        on = true;
        bcast = newBcast;
        optin = newOptin; // as Redis's enableTracking: the options are the ones given now
        optout = newOptout;
        noloop = newNoloop;
        redirect = redir;
        if (newBcast) {
            if (newPrefixes.isEmpty()) {
                newPrefixes.add(new byte[0]); // every key
            }
            prefixes.addAll(newPrefixes);
        }
        return Replies.of(Replies.OK);
    }

    /** Redis's overlap check: among the new prefixes, then against the ones the client has. */
    private ByteBuf prefixCollision(List<byte[]> add, ByteBufAllocator alloc) {
        for (int i = 0; i < add.size(); i++) {
            for (byte[] old : prefixes) {
                if (startsWith(add.get(i), old) || startsWith(old, add.get(i))) {
                    return Replies.errorLatin1(alloc, "ERR Prefix '" + latin1(add.get(i)) + "' overlaps with an "
                            + "existing prefix '" + latin1(old) + "'. Prefixes for a single client must not overlap.");
                }
            }
            for (int k = i + 1; k < add.size(); k++) {
                if (startsWith(add.get(i), add.get(k)) || startsWith(add.get(k), add.get(i))) {
                    return Replies.errorLatin1(alloc, "ERR Prefix '" + latin1(add.get(i)) + "' overlaps with another "
                            + "provided prefix '" + latin1(add.get(k)) + "'. Prefixes for a single client must not "
                            + "overlap.");
                }
            }
        }
        return null;
    }

    /** {@code CLIENT CACHING yes|no}. */
    public ByteBuf caching(RequestFramer req, ByteBufAllocator alloc) {
        if (!on) {
            return Replies.error(alloc, "ERR CLIENT CACHING can be called only when the client is in tracking mode "
                    + "with OPTIN or OPTOUT mode enabled");
        }
        if (req.argEqualsIgnoreCase(2, YES)) {
            if (!optin) {
                return Replies.error(alloc, "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN "
                        + "mode.");
            }
            caching = 1;
        } else if (req.argEqualsIgnoreCase(2, NO)) {
            if (!optout) {
                return Replies.error(alloc, "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT "
                        + "mode.");
            }
            caching = -1;
        } else {
            return Replies.error(alloc, "ERR syntax error");
        }
        return Replies.of(Replies.OK);
    }

    /** {@code CLIENT GETREDIR}: -1 when off, 0 when on without redirection, else the client id. */
    public long getRedir() {
        return on ? redirect : -1;
    }

    /** {@code CLIENT TRACKINGINFO}, in the client's protocol. */
    public ByteBuf info(ByteBufAllocator alloc, int proto, boolean brokenRedirect) {
        List<String> flags = new ArrayList<>();
        if (!on) {
            flags.add("off");
        } else {
            flags.add("on");
            if (bcast) {
                flags.add("bcast");
            }
            if (optin) {
                flags.add("optin");
                if (caching == 1) {
                    flags.add("caching-yes");
                }
            }
            if (optout) {
                flags.add("optout");
                if (caching == -1) {
                    flags.add("caching-no");
                }
            }
            if (noloop) {
                flags.add("noloop");
            }
            if (brokenRedirect) {
                flags.add("broken_redirect");
            }
        }
        ByteBuf b = alloc.buffer(128);
        header(b, proto == 3 ? '%' : '*', proto == 3 ? 3 : 6);
        Replies.writeBulk(b, ascii("flags"));
        header(b, proto == 3 ? '~' : '*', flags.size());
        for (String f : flags) {
            Replies.writeBulk(b, ascii(f));
        }
        Replies.writeBulk(b, ascii("redirect"));
        Replies.writeInteger(b, getRedir());
        Replies.writeBulk(b, ascii("prefixes"));
        List<byte[]> sorted = new ArrayList<>(prefixes);
        sorted.sort(Arrays::compareUnsigned); // Redis keeps them in a radix tree: byte order
        Replies.writeArrayHeader(b, sorted.size());
        for (byte[] p : sorted) {
            Replies.writeBulk(b, p);
        }
        return b;
    }

    private static void header(ByteBuf b, char type, int n) {
        b.writeByte(type).writeCharSequence(n + "\r\n", StandardCharsets.US_ASCII);
    }

    static boolean startsWith(byte[] key, byte[] prefix) {
        if (key.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (key[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static final byte[] ON = ascii("on");
    private static final byte[] OFF = ascii("off");
    private static final byte[] YES = ascii("yes");
    private static final byte[] NO = ascii("no");
}
