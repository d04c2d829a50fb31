package io.redissidecar.proxy.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** What the proxy writes on standard error through Logback, in both formats, and how configure changes it. */
class LoggingTest {
    private static final String NL = System.lineSeparator();
    /** Each test logs under its own name, so that lines other threads may log meanwhile are told apart. */
    private static int seq;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream realErr;
    private String name;
    private Logger log;

    @BeforeEach
    void captureStandardError() {
        realErr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        name = "io.redissidecar.test.LoggingTest" + (++seq);
        log = LoggerFactory.getLogger(name);
    }

    @AfterEach
    void restore() {
        System.setErr(realErr);
        MDC.clear();
        Logging.configure("plain", "info");
    }

    /** The lines logged under this test's logger (a stack trace's lines belong to the line before them). */
    private List<String> lines() {
        List<String> mine = new ArrayList<>();
        boolean in = false;
        for (String line : captured.toString(StandardCharsets.UTF_8).split(NL)) {
            boolean event = line.startsWith("[") || line.startsWith("{");
            if (event) {
                in = line.contains(" " + name + " - ") || line.contains("\"logger\":\"" + name + "\"");
                if (in) {
                    mine.add(line);
                }
            } else if (in) {
                mine.set(mine.size() - 1, mine.get(mine.size() - 1) + NL + line);
            }
        }
        return mine;
    }

    private static String thread() {
        return Thread.currentThread().getName();
    }

    @Test
    void logbackIsTheBackendWithOneAppenderOnStandardError() {
        assertTrue(LoggerFactory.getILoggerFactory() instanceof LoggerContext);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        List<String> appenders = new ArrayList<>();
        Iterator<Appender<ILoggingEvent>> it = context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders();
        it.forEachRemaining(a -> appenders.add(a.getName()));
        assertEquals(List.of(Logging.APPENDER), appenders);
    }

    @Test
    void plainLineIsThreadLevelLoggerMessage() {
        Logging.configure("plain", "info");
        log.info("ready listen={} mode={}", "127.0.0.1:6379", "static");
        log.warn("node {} down: {}", "127.0.0.1:6380", "Connection refused");
        assertEquals(List.of("[" + thread() + "] INFO " + name + " - ready listen=127.0.0.1:6379 mode=static",
                "[" + thread() + "] WARN " + name + " - node 127.0.0.1:6380 down: Connection refused"), lines());
        assertTrue(captured.toString(StandardCharsets.UTF_8).endsWith(NL));
    }

    @Test
    void plainKeepsTheStackTraceAfterTheLine() {
        Logging.configure("plain", "info");
        log.warn("backend {} failed", "b1", failure());
        List<String> lines = lines();
        assertEquals(1, lines.size());
        String[] parts = lines.get(0).split(NL);
        assertEquals("[" + thread() + "] WARN " + name
                + " - backend b1 failed (java.lang.IllegalStateException: outer \"quoted\")", parts[0]);
        assertEquals("java.lang.IllegalStateException: outer \"quoted\"", parts[1]);
        assertTrue(parts[2].startsWith("\tat " + LoggingTest.class.getName() + ".failure("), parts[2]);
        assertTrue(lines.get(0).contains(NL + "Caused by: java.io.IOException: inner" + NL + "\tat "
                + LoggingTest.class.getName() + ".cause("), lines.get(0));
    }

    @Test
    void jsonLineHasTodaysFieldsInOrder() {
        Logging.configure("json", "info");
        log.info("ready listen={}", "127.0.0.1:6379");
        List<String> lines = lines();
        assertEquals(1, lines.size());
        Map<String, String> f = FlatJson.parse(lines.get(0));
        assertEquals(List.of("ts", "level", "logger", "thread", "msg"), List.copyOf(f.keySet()));
        assertEquals("INFO", f.get("level"));
        assertEquals(name, f.get("logger"));
        assertEquals(thread(), f.get("thread"));
        assertEquals("ready listen=127.0.0.1:6379", f.get("msg"));
        // the timestamp as Instant.toString() writes it: UTC, ISO-8601, fraction of 0, 3, 6 or 9 digits
        String ts = f.get("ts");
        assertTrue(ts.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{3}|\\.\\d{6}|\\.\\d{9})?Z"), ts);
        assertEquals(ts, Instant.parse(ts).toString());
        assertTrue(Math.abs(Instant.parse(ts).toEpochMilli() - System.currentTimeMillis()) < 60_000);
    }

    @Test
    void jsonEscapesQuotesBackslashesAndControlCharacters() throws Exception {
        Logging.configure("json", "info");
        String msg = "a \"quoted\" C:\\path\nnext\r\tend \u0001\u001f\u007f é ✓ </script>";
        Thread t = new Thread(() -> log.info(msg), "odd \"thread\" \\ name");
        t.start();
        t.join();
        List<String> lines = lines();
        assertEquals(1, lines.size());
        String line = lines.get(0);
        assertFalse(line.contains("\n") || line.contains("\r") || line.contains("\t") || line.contains("\u0001"));
        assertTrue(line.contains("\\u0001\\u001f"), line);
        Map<String, String> f = FlatJson.parse(line);
        assertEquals(msg, f.get("msg"));
        assertEquals("odd \"thread\" \\ name", f.get("thread"));
    }

    @Test
    void jsonKeepsTheStackTrace() {
        Logging.configure("json", "info");
        log.error("reload failed", failure());
        List<String> lines = lines();
        assertEquals(1, lines.size());
        Map<String, String> f = FlatJson.parse(lines.get(0));
        assertEquals(List.of("ts", "level", "logger", "thread", "msg", "stack"), List.copyOf(f.keySet()));
        assertEquals("ERROR", f.get("level"));
        assertEquals("reload failed (java.lang.IllegalStateException: outer \"quoted\")", f.get("msg"));
        String stack = f.get("stack");
        assertTrue(stack.startsWith("java.lang.IllegalStateException: outer \"quoted\"" + NL + "\tat "
                + LoggingTest.class.getName() + ".failure("), stack);
        assertTrue(stack.contains(NL + "Caused by: java.io.IOException: inner" + NL + "\tat "
                + LoggingTest.class.getName() + ".cause("), stack);
        assertFalse(stack.endsWith(NL));
    }

    @Test
    void jsonCarriesTheMdc() {
        Logging.configure("json", "info");
        MDC.put("client", "id=7 addr=127.0.0.1:5000");
        MDC.put("db", "3");
        MDC.put("msg", "an MDC key that is a field name is left out");
        log.info("with mdc");
        MDC.clear();
        log.info("without mdc");
        List<String> lines = lines();
        assertEquals(2, lines.size());
        Map<String, String> with = FlatJson.parse(lines.get(0));
        assertEquals(List.of("ts", "level", "logger", "thread", "msg", "client", "db"), List.copyOf(with.keySet()));
        assertEquals("with mdc", with.get("msg"));
        assertEquals("id=7 addr=127.0.0.1:5000", with.get("client"));
        assertEquals("3", with.get("db"));
        assertEquals(List.of("ts", "level", "logger", "thread", "msg"),
                List.copyOf(FlatJson.parse(lines.get(1)).keySet()));
    }

    @Test
    void reconfigureChangesTheLevelOfTheProxysLoggers() {
        Logging.configure("plain", "info");
        log.debug("hidden");
        assertFalse(log.isDebugEnabled());
        Logging.configure("plain", "debug");
        assertTrue(log.isDebugEnabled());
        log.debug("shown");
        Logging.configure("plain", "warn");
        log.info("hidden too");
        log.warn("still shown");
        Logging.configure("plain", "error");
        log.warn("hidden as well");
        log.error("shown at error");
        assertEquals(List.of("[" + thread() + "] DEBUG " + name + " - shown",
                "[" + thread() + "] WARN " + name + " - still shown",
                "[" + thread() + "] ERROR " + name + " - shown at error"), lines());
    }

    @Test
    void reconfigureSwitchesTheFormat() {
        Logging.configure("plain", "info");
        log.info("one");
        Logging.configure("json", "info");
        log.info("two");
        Logging.configure("json", "info");
        log.info("three");
        Logging.configure("plain", "info");
        log.info("four");
        List<String> lines = lines();
        assertEquals(4, lines.size(), lines.toString());
        assertEquals("[" + thread() + "] INFO " + name + " - one", lines.get(0));
        assertEquals("two", FlatJson.parse(lines.get(1)).get("msg"));
        assertEquals("three", FlatJson.parse(lines.get(2)).get("msg"));
        assertEquals("[" + thread() + "] INFO " + name + " - four", lines.get(3));
        logbackIsTheBackendWithOneAppenderOnStandardError();
    }

    @Test
    void nettyAndLettuceStayAtWarn() {
        Logging.configure("plain", "debug");
        for (String lib : List.of("io.netty.channel.DefaultChannelPipeline", "io.lettuce.core.RedisClient",
                "some.other.Library")) {
            Logger l = LoggerFactory.getLogger(lib);
            assertFalse(l.isInfoEnabled(), lib);
            assertFalse(l.isDebugEnabled(), lib);
            assertTrue(l.isWarnEnabled(), lib);
        }
        assertTrue(LoggerFactory.getLogger("io.redissidecar.topology.NodeChecker").isDebugEnabled());
        Logging.configure("plain", "error");
        assertFalse(LoggerFactory.getLogger("io.redissidecar.topology.NodeChecker").isWarnEnabled());
        assertTrue(LoggerFactory.getLogger("io.netty.channel.DefaultChannelPipeline").isWarnEnabled());
    }

    @Test
    void unknownLevelIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Logging.configure("plain", "verbose"));
        assertTrue(LoggerFactory.getLogger("io.redissidecar.x").isInfoEnabled());
    }

    @Test
    void noStackFieldWithoutThrowable() {
        Logging.configure("json", "info");
        log.info("value {}", "x");
        assertNull(FlatJson.parse(lines().get(0)).get("stack"));
    }

    private static Exception failure() {
        return new IllegalStateException("outer \"quoted\"", cause());
    }

    private static Exception cause() {
        return new IOException("inner");
    }
}
