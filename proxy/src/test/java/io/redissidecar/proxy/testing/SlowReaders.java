package io.redissidecar.proxy.testing;

import static org.awaitility.Awaitility.await;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/** Clients that do not read their replies, for the output-limit tests, and what the proxy keeps meanwhile. */
public final class SlowReaders {
    private static final String MB = "x".repeat(1 << 20);

    private SlowReaders() {
    }

    /**
     * A subscriber to {@code channel} through the proxy at {@code proxyPort} that never reads (a 64 KB receive
     * buffer), once Redis counts {@code subscribers} subscribers of the channel.
     */
    public static Socket subscriber(int proxyPort, String channel, RespConn publisher, int subscribers)
            throws IOException {
        Socket s = new Socket("127.0.0.1", proxyPort);
        s.setReceiveBufferSize(64 * 1024);
        s.getOutputStream().write(RespConn.encode("SUBSCRIBE", channel));
        s.getOutputStream().flush();
        await().atMost(Duration.ofSeconds(5)).until(() -> publisher.call("PUBSUB", "NUMSUB", channel)
                .endsWith(":" + subscribers + "\r\n"));
        return s;
    }

    /** Publishes {@code n} messages of 1 MB; returns the peak of the proxy's direct memory over {@code before}. */
    public static long publishMegabytes(RespConn publisher, String channel, int n, long before) throws IOException {
        long peak = 0;
        for (int i = 0; i < n; i++) {
            publisher.call("PUBLISH", channel, MB);
            peak = Math.max(peak, directMemory() - before);
        }
        return peak;
    }

    /** Direct memory in use by the allocator the proxy's channels use (Netty's default). */
    public static long directMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    /** Reads until the connection ends (true) or nothing comes for the socket's timeout (false). */
    public static boolean readsToEnd(InputStream in) {
        byte[] buf = new byte[1 << 16];
        try {
            while (in.read(buf) >= 0) {
                // what reached the client before it was closed
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
