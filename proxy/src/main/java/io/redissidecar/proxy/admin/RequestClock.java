package io.redissidecar.proxy.admin;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One admin connection's clock, first in its pipeline: a connection must send a whole request within the read
 * deadline, counted from its opening (the first request) or from the first byte of the next one (kept alive); between
 * requests it may sit idle for the keep-alive time. Either way, past its time it is closed. While a request is being
 * answered no clock runs. All calls come from the admin event loop.
 */
final class RequestClock extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(RequestClock.class);

    private enum Phase { READING, ANSWERING, IDLE }

    private final long readDeadlineNanos;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    private Phase phase = Phase.READING;
    private boolean bytesWhileAnswering;
    private ScheduledFuture<?> timer;

    RequestClock(Duration readDeadline, Duration keepAliveIdle) {
        this.readDeadlineNanos = readDeadline.toNanos();
        this.idleNanos = keepAliveIdle.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        arm(readDeadlineNanos, "sent no whole request");
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (phase == Phase.IDLE) {
            phase = Phase.READING;
            arm(readDeadlineNanos, "sent no whole request");
        } else if (phase == Phase.ANSWERING) {
            bytesWhileAnswering = true;
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancel();
        super.channelInactive(ctx);
    }

    private boolean changing;

    /** A whole request arrived: no clock while it is answered. */
    void answering() {
        cancel();
        phase = Phase.ANSWERING;
        bytesWhileAnswering = false;
    }

    /** Every request so far is answered: the connection waits for the next one. */
    void answered() {
        if (phase != Phase.ANSWERING) {
            return;
        }
        if (bytesWhileAnswering) {
            phase = Phase.READING; // the next request has begun: its deadline runs from now
            arm(readDeadlineNanos, "sent no whole request");
        } else {
            phase = Phase.IDLE;
            arm(idleNanos, "was idle");
        }
    }

    /** Whether a request is being answered (such a connection is closed to make room only when all are). */
    boolean isAnswering() {
        return phase == Phase.ANSWERING;
    }

    /** A request that changes the system (a switchover) is being answered: never closed to make room. */
    void changing(boolean on) {
        changing = on;
    }

    boolean isChanging() {
        return changing;
    }

    private void arm(long nanos, String what) {
        cancel();
        timer = ctx.executor().schedule(() -> {
            log.debug("admin connection {} {} in {} ms: closed", ctx.channel().remoteAddress(), what,
                    TimeUnit.NANOSECONDS.toMillis(nanos));
            ctx.close();
        }, nanos, TimeUnit.NANOSECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
