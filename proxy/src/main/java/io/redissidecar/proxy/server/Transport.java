package io.redissidecar.proxy.server;

import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringAdaptiveBufferRingAllocator;
import io.netty.channel.uring.IoUringBufferRingConfig;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringFixedBufferRingAllocator;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringIoHandlerConfig;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.util.Map;

/**
 * The event-loop transport ({@code --transport}): {@code auto} is Netty's io_uring where the kernel allows it (it
 * spent less CPU per request than epoll at pipeline 16 and as much at pipeline 1, perf/RESULTS.md), else native
 * epoll, else NIO; {@code io_uring}, {@code epoll} and {@code nio} are asked for by name, and fall back to the next
 * one down when unavailable.
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerChannel> serverChannel,
                        Class<? extends SocketChannel> socketChannel, Map<ChannelOption<?>, Object> connectionOptions) {
    private static final short BUFFER_GROUP = 1;

    /**
     * The transport {@code name} asks for, or auto's choice when it is not available here; io_uring set up as
     * {@code ioUringVariant} says, a comma-separated list (the system property {@code redissidecar.iouring}; empty:
     * Netty's defaults, which the measurements in perf/RESULTS.md kept):
     * {@code single-issuer} (IORING_SETUP_SINGLE_ISSUER), {@code buffer-ring} (a ring of provided receive buffers,
     * which turns on multishot receive; {@code buffer-ring=SIZE}: buffers of SIZE bytes instead of adaptive ones). The
     * name is then {@code io_uring+} the set-ups in effect (a buffer ring the kernel cannot register is left out).
     */
    public static Transport named(String name, String ioUringVariant) {
        if ((name.equals("io_uring") || name.equals("auto")) && IoUring.isAvailable()) {
            IoUringIoHandlerConfig cfg = new IoUringIoHandlerConfig();
            Map<ChannelOption<?>, Object> options = Map.of();
            StringBuilder setUp = new StringBuilder("io_uring");
            for (String v : ioUringVariant.split(",")) {
                v = v.trim();
                if (v.isEmpty()) {
                    continue;
                }
                if (v.equals("single-issuer")) {
                    cfg.setSingleIssuer(true);
                } else if (v.equals("buffer-ring") || v.startsWith("buffer-ring=")) {
                    int size = v.equals("buffer-ring") ? 0 : bufferSize(v.substring(12));
                    if (!IoUring.isRegisterBufferRingSupported()) {
                        continue; // the kernel has no provided-buffer rings: the name in the log says so
                    }
                    cfg.setBufferRingConfig(IoUringBufferRingConfig.builder().bufferGroupId(BUFFER_GROUP)
                            .bufferRingSize((short) 256).batchSize(64)
                            .allocator(size == 0 ? new IoUringAdaptiveBufferRingAllocator()
                                    : new IoUringFixedBufferRingAllocator(size))
                            .build());
                    options = Map.of(IoUringChannelOption.IO_URING_BUFFER_GROUP_ID, BUFFER_GROUP);
                } else {
                    throw new IllegalArgumentException("redissidecar.iouring: unknown set-up '" + v
                            + "' (single-issuer, buffer-ring or buffer-ring=SIZE)");
                }
                setUp.append('+').append(v);
            }
            return new Transport(setUp.toString(), IoUringIoHandler.newFactory(cfg),
                    IoUringServerSocketChannel.class, IoUringSocketChannel.class, options);
        }
        if (!name.equals("nio") && Epoll.isAvailable()) {
            return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                    EpollSocketChannel.class, Map.of());
        }
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class,
                Map.of());
    }

    /** An option of {@link #connectionOptions()}, typed for a bootstrap. */
    @SuppressWarnings("unchecked")
    public static ChannelOption<Object> option(ChannelOption<?> o) {
        return (ChannelOption<Object>) o;
    }

    private static int bufferSize(String s) {
        try {
            int n = Integer.parseInt(s);
            if (n >= 512 && n <= 1 << 20) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("redissidecar.iouring: buffer-ring=SIZE takes 512 to 1048576 bytes, not '"
                + s + "'");
    }
}
