package io.redissidecar.proxy.acl;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * {@code ACL LOG} of the proxy's own denials and failed AUTH, kept as Redis 7.0 keeps its log: newest first, at
 * most {@value #MAX_ENTRIES} entries, and an entry like one of the last {@value #GROUP_LOOKBACK} (same reason,
 * context, object and user) within {@value #GROUP_MS} ms is counted in that entry (which moves to the front) rather
 * than added. Thread-safe.
 */
public final class AclLog {
    static final int MAX_ENTRIES = 128;
    static final int GROUP_LOOKBACK = 10;
    static final long GROUP_MS = 60_000;

    /** One entry: {@code reason} is auth, command, key or channel; {@code context} toplevel or multi. */
    public static final class Entry {
        long count = 1;
        final String reason;
        final String context;
        final String object;
        final String username;
        long timeMs;
        String clientInfo;

        Entry(String reason, String context, String object, String username, long timeMs, String clientInfo) {
            this.reason = reason;
            this.context = context;
            this.object = object;
            this.username = username;
            this.timeMs = timeMs;
            this.clientInfo = clientInfo;
        }

        boolean sameAs(Entry o) {
            return reason.equals(o.reason) && context.equals(o.context) && object.equals(o.object)
                    && username.equals(o.username);
        }
    }

    private final LinkedList<Entry> entries = new LinkedList<>();
    private final LongSupplier clock;

    public AclLog() {
        this(System::currentTimeMillis);
    }

    AclLog(LongSupplier clock) {
        this.clock = clock;
    }

    /** Logs a denial or failed AUTH ({@code clientInfo}: the client's CLIENT LIST line, made by the caller). */
    public synchronized void add(String reason, String context, String object, String username, String clientInfo) {
        long now = clock.getAsLong();
        Entry e = new Entry(reason, context, object, username, now, clientInfo);
        Iterator<Entry> it = entries.iterator();
        for (int i = 0; i < GROUP_LOOKBACK && it.hasNext(); i++) {
            Entry old = it.next();
            if (old.sameAs(e) && now - old.timeMs < GROUP_MS) {
                it.remove();
                old.count++;
                old.timeMs = now;
                old.clientInfo = clientInfo;
                entries.addFirst(old);
                return;
            }
        }
        entries.addFirst(e);
        while (entries.size() > MAX_ENTRIES) {
            entries.removeLast();
        }
    }

    public synchronized void reset() {
        entries.clear();
    }

    /**
     * The newest {@code count} entries in Redis 7.0's {@code ACL LOG} reply, RESP2 (arrays of 14) or RESP3 (maps of
     * 7); age-seconds as Redis prints a double ({@code %.17g}).
     */
    public synchronized String reply(long count, int proto) {
        long now = clock.getAsLong();
        List<Entry> shown = new ArrayList<>();
        for (Entry e : entries) {
            if (shown.size() >= count) {
                break;
            }
            shown.add(e);
        }
        StringBuilder sb = new StringBuilder("*").append(shown.size()).append("\r\n");
        for (Entry e : shown) {
            sb.append(proto == 3 ? "%7\r\n" : "*14\r\n");
            bulk(sb, "count");
            sb.append(':').append(e.count).append("\r\n");
            bulk(sb, "reason");
            bulk(sb, e.reason);
            bulk(sb, "context");
            bulk(sb, e.context);
            bulk(sb, "object");
            bulk(sb, e.object);
            bulk(sb, "username");
            bulk(sb, e.username);
            bulk(sb, "age-seconds");
            String age = doubleText((now - e.timeMs) / 1000.0);
            if (proto == 3) {
                sb.append(',').append(age).append("\r\n");
            } else {
                bulk(sb, age);
            }
            bulk(sb, "client-info");
            bulk(sb, e.clientInfo);
        }
        return sb.toString();
    }

    private static void bulk(StringBuilder sb, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        sb.append('$').append(b.length).append("\r\n").append(s).append("\r\n");
    }

    /** C's {@code %.17g} for the small non-negative numbers an age is. */
    static String doubleText(double d) {
        if (d == 0) {
            return "0";
        }
        return new BigDecimal(d).round(new MathContext(17)).stripTrailingZeros().toPlainString();
    }
}
