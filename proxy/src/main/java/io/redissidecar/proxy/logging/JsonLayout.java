package io.redissidecar.proxy.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code --log-format json}: one JSON object per line, for log collectors:
 * {@code {"ts":"2024-05-01T12:00:00.123456Z","level":"INFO","logger":"...","thread":"...","msg":"..."}}.
 * {@code ts} is the event's instant as {@link java.time.Instant#toString()} writes it (UTC). With a throwable,
 * {@code stack} holds its whole stack trace. The MDC entries, if any, follow as string fields, in key order; an
 * MDC key that is one of the fields above is left out rather than written twice.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private static final Set<String> FIELDS = Set.of("ts", "level", "logger", "thread", "msg", "stack");

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder b = new StringBuilder(256);
        b.append("{\"ts\":\"").append(e.getInstant())
                .append("\",\"level\":\"").append(e.getLevel());
        field(b, "logger", e.getLoggerName());
        field(b, "thread", e.getThreadName());
        field(b, "msg", EventText.message(e));
        Map<String, String> mdc = e.getMDCPropertyMap();
        if (mdc != null && !mdc.isEmpty()) {
            for (Map.Entry<String, String> m : new TreeMap<>(mdc).entrySet()) {
                if (!FIELDS.contains(m.getKey())) {
                    field(b, m.getKey(), m.getValue());
                }
            }
        }
        String stack = EventText.stack(e);
        if (stack != null) {
            field(b, "stack", stack);
        }
        return b.append("\"}").append(System.lineSeparator()).toString();
    }

    /** Closes the previous string value and appends {@code ,"name":"value} (escaped, {@code null} as empty). */
    private static void field(StringBuilder b, String name, String value) {
        b.append("\",\"");
        escape(b, name);
        b.append("\":\"");
        escape(b, value == null ? "" : value);
    }

    /** Appends {@code s} as the inside of a JSON string: quotes, backslashes and control characters escaped. */
    static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append("\\u00").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }
}
