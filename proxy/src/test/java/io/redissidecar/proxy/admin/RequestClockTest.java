package io.redissidecar.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The admin connection's clock on an embedded channel with a frozen clock: read deadline, answering, keep-alive. */
class RequestClockTest {
    private final RequestClock clock = new RequestClock(Duration.ofSeconds(5), Duration.ofSeconds(30));
    private EmbeddedChannel ch;

    private void open() throws Exception {
        ch = new EmbeddedChannel(clock); // active: the first request's deadline runs
        ch.freezeTime(); // from here time moves only by after(ms); the few real ms before are within the margins
    }

    private void after(long ms) {
        ch.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
    }

    private void bytes() {
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'}));
    }

    @AfterEach
    void close() {
        ch.finishAndReleaseAll();
    }

    @Test
    void aNewConnectionHasTheReadDeadlineForItsFirstRequest() throws Exception {
        open();
        bytes();
        after(4_900);
        assertTrue(ch.isOpen());
        bytes(); // more bytes do not move the deadline
        after(200);
        assertFalse(ch.isOpen());
    }

    @Test
    void noClockWhileAnsweringThenTheKeepAliveIdleTime() throws Exception {
        open();
        bytes();
        clock.answering();
        after(60_000);
        assertTrue(ch.isOpen(), "a long switchover is not cut");
        clock.answered();
        after(29_900);
        assertTrue(ch.isOpen());
        after(200);
        assertFalse(ch.isOpen());
    }

    @Test
    void theNextRequestsFirstByteStartsItsDeadline() throws Exception {
        open();
        clock.answering();
        clock.answered();
        after(10_000);
        bytes();
        after(4_900);
        assertTrue(ch.isOpen());
        after(200);
        assertFalse(ch.isOpen());
    }

    @Test
    void bytesWhileAnsweringStartTheDeadlineWhenAnswered() throws Exception {
        open();
        clock.answering();
        bytes();
        clock.answered();
        after(5_100);
        assertFalse(ch.isOpen());
    }
}
