package io.redissidecar.proxy.logging;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The proxy's SLF4J backend: one line per event on standard error, plain ({@code [thread] LEVEL logger - message},
 * as slf4j-simple writes it) or JSON ({@code {"ts":...,"level":...,"logger":...,"thread":...,"msg":...}}, for log
 * collectors). The proxy's own loggers log at {@link #level} (INFO by default); the libraries' (Netty, Lettuce) at
 * WARN. Set with {@code --log-format} and {@code --log-level} before the proxy starts.
 */
public final class LineLogging implements SLF4JServiceProvider {
    private static volatile boolean json;
    private static volatile Level level = Level.INFO;
    private static final PrintStream OUT = System.err;

    /** Chooses the format ({@code plain} or {@code json}) and the proxy's level ({@code debug}, {@code info}, ...). */
    public static void configure(String format, String proxyLevel) {
        json = "json".equals(format);
        level = Level.valueOf(proxyLevel.toUpperCase(Locale.ROOT));
    }

    private final ILoggerFactory factory = new Factory();
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    private static final class Factory implements ILoggerFactory {
        private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, LineLogger::new);
        }
    }

    static final class LineLogger extends AbstractLogger {
        private static final long serialVersionUID = 1L;
        private final boolean own;

        LineLogger(String name) {
            this.name = name;
            this.own = name.startsWith("io.redissidecar");
        }

        private boolean enabled(Level l) {
            return l.toInt() >= (own ? level.toInt() : Level.WARN.toInt());
        }

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isTraceEnabled(Marker marker) {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isDebugEnabled(Marker marker) {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isInfoEnabled(Marker marker) {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isWarnEnabled(Marker marker) {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        public boolean isErrorEnabled(Marker marker) {
            return enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level l, Marker marker, String pattern, Object[] args,
                                                   Throwable t) {
            if (!enabled(l)) {
                return;
            }
            String msg = MessageFormatter.basicArrayFormat(pattern, args);
            if (t != null) {
                msg = msg + " (" + t + ")";
            }
            String thread = Thread.currentThread().getName();
            String line;
            if (json) {
                line = "{\"ts\":\"" + Instant.now() + "\",\"level\":\"" + l + "\",\"logger\":\"" + escape(name)
                        + "\",\"thread\":\"" + escape(thread) + "\",\"msg\":\"" + escape(msg) + "\"}";
            } else {
                line = "[" + thread + "] " + l + " " + name + " - " + msg;
            }
            OUT.println(line);
        }
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
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
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
