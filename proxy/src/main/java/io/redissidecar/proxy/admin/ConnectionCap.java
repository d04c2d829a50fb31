package io.redissidecar.proxy.admin;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cap on open admin connections. At the cap, a new connection makes room by closing the oldest one that is not
 * being answered (still sending its request, or idle between requests), so that connections which send nothing
 * cannot keep a probe out; when every open connection is being answered (many callers scraping in a loop), the oldest
 * that is not running a switchover is closed, so that busy callers cannot keep a probe out either. Shared by every
 * connection of the admin server, whose one event loop makes all calls.
 */
@Sharable
final class ConnectionCap extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionCap.class);

    private final int max;
    /** Open connections, oldest first. */
    private final Set<Channel> open = new LinkedHashSet<>();

    ConnectionCap(int max) {
        this.max = max;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.size() >= max && !evictOne()) {
            log.debug("admin connection from {} refused: {} open, all being answered", ctx.channel().remoteAddress(),
                    open.size());
            ctx.close();
            return;
        }
        open.add(ctx.channel());
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.remove(ctx.channel());
        super.channelInactive(ctx);
    }

    private boolean evictOne() {
        return evict(false) || evict(true);
    }

    /** Closes the oldest connection not being answered, or with {@code busyToo} the oldest not changing anything. */
    private boolean evict(boolean busyToo) {
        for (Iterator<Channel> it = open.iterator(); it.hasNext(); ) {
            Channel c = it.next();
            RequestClock clock = c.pipeline().get(RequestClock.class);
            if (clock == null || !clock.isAnswering() || busyToo && !clock.isChanging()) {
                it.remove();
                log.debug("admin connection {} closed to make room ({} open)", c.remoteAddress(), max);
                c.close();
                return true;
            }
        }
        return false;
    }

    int open() {
        return open.size();
    }
}
