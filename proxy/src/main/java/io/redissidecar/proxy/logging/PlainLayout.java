package io.redissidecar.proxy.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.LayoutBase;

/**
 * {@code --log-format plain}: {@code [thread] LEVEL logger - message}, one line per event; a throwable's stack
 * trace follows on the lines after it.
 */
public final class PlainLayout extends LayoutBase<ILoggingEvent> {
    @Override
    public String doLayout(ILoggingEvent e) {
        String nl = System.lineSeparator();
        StringBuilder b = new StringBuilder(128);
        b.append('[').append(e.getThreadName()).append("] ").append(e.getLevel()).append(' ')
                .append(e.getLoggerName()).append(" - ").append(EventText.message(e)).append(nl);
        String stack = EventText.stack(e);
        if (stack != null) {
            b.append(stack).append(nl);
        }
        return b.toString();
    }
}
