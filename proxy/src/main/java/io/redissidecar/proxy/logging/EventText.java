package io.redissidecar.proxy.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;

/** The parts of a log line that both layouts share: the message and the stack trace. */
final class EventText {
    private EventText() {
    }

    /**
     * The formatted message; with a throwable, followed by {@code " (" + throwable + ")"}, so that the line alone
     * still names the exception, as it always has.
     */
    static String message(ILoggingEvent e) {
        String msg = e.getFormattedMessage();
        IThrowableProxy t = e.getThrowableProxy();
        if (t == null) {
            return msg;
        }
        String name;
        if (t instanceof ThrowableProxy p) {
            name = p.getThrowable().toString();
        } else {
            name = t.getMessage() == null ? t.getClassName() : t.getClassName() + ": " + t.getMessage();
        }
        return msg + " (" + name + ")";
    }

    /**
     * The whole stack trace (causes and suppressed exceptions included), lines separated by the platform's line
     * separator, without a line separator at the end; {@code null} without a throwable.
     */
    static String stack(ILoggingEvent e) {
        IThrowableProxy t = e.getThrowableProxy();
        if (t == null) {
            return null;
        }
        String s = ThrowableProxyUtil.asString(t);
        String nl = System.lineSeparator();
        return s.endsWith(nl) ? s.substring(0, s.length() - nl.length()) : s;
    }
}
