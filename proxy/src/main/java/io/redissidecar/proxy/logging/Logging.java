package io.redissidecar.proxy.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets up Logback, the proxy's SLF4J backend, in code (there is no logback.xml): one appender on standard error
 * with the {@link PlainLayout} or the {@link JsonLayout}; the proxy's own loggers ({@code io.redissidecar}) at the
 * chosen level, everything else (Netty, Lettuce) at WARN. {@link DefaultConfigurator} applies the defaults
 * ({@code plain}, {@code info}) when Logback starts; {@code Main} applies {@code --log-format} and
 * {@code --log-level} at start and {@code Sidecar} again on a config reload.
 */
public final class Logging {
    /** The loggers {@code --log-level} applies to. */
    static final String OWN = "io.redissidecar";
    static final String APPENDER = "stderr";

    private Logging() {
    }

    /**
     * Chooses the format ({@code plain} or {@code json}) and the proxy's level ({@code debug}, {@code info},
     * {@code warn}, {@code error}). May be called again at any time; events logged meanwhile on other threads are
     * not lost. Does nothing when SLF4J is bound to some other backend (the proxy embedded in an application that
     * configures its own logging).
     */
    public static void configure(String format, String level) {
        Level l = level(level);
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        if (factory instanceof LoggerContext context) {
            apply(context, format, l);
        }
    }

    static Level level(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "trace" -> Level.TRACE;
            case "debug" -> Level.DEBUG;
            case "info" -> Level.INFO;
            case "warn" -> Level.WARN;
            case "error" -> Level.ERROR;
            default -> throw new IllegalArgumentException("unknown log level: " + name);
        };
    }

    static synchronized void apply(LoggerContext context, String format, Level level) {
        boolean json = "json".equals(format);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        context.getLogger(OWN).setLevel(level);
        Appender<ILoggingEvent> old = root.getAppender(APPENDER);
        if (old instanceof ConsoleAppender<ILoggingEvent> c && c.getEncoder() instanceof LayoutWrappingEncoder<?> e
                && (e.getLayout() instanceof JsonLayout) == json) {
            return;
        }
        // the new appender is attached before the old one goes: an event logged in between is written by both,
        // rather than by neither
        root.addAppender(appender(context, json ? new JsonLayout() : new PlainLayout()));
        if (old != null) {
            root.detachAppender(old);
            old.stop();
        }
    }

    private static Appender<ILoggingEvent> appender(LoggerContext context, Layout<ILoggingEvent> layout) {
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setCharset(StandardCharsets.UTF_8);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName(APPENDER);
        appender.setTarget("System.err");
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
