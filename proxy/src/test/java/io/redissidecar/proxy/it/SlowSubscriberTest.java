package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SlowReaders;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, finding 4, with the proxy's own output limit off: a subscriber that does not read holds back the reading
 * of its private backend connection, so the messages wait in Redis, whose {@code client-output-buffer-limit pubsub}
 * (32 MB by default) then acts as it would on a direct subscriber. The proxy keeps little, and the subscriber is
 * disconnected once it has read what reached it (it is not subscribed again as after a failover: its messages were
 * dropped).
 */
class SlowSubscriberTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--client-output-buffer-limit", "normal 0 0 0 pubsub 0 0 0");

    private static final String MB = "x".repeat(1 << 20);

    @Test
    void aSubscriberThatDoesNotReadIsHeldBackInRedisAndThenDisconnected() throws Exception {
        long before = SlowReaders.directMemory();
        try (RespConn publisher = new RespConn(env.redis().port()); RespConn other = new RespConn(env.proxy().port());
             Socket slow = SlowReaders.subscriber(env.proxy().port(), "firehose", publisher, 1)) {
            long peak = SlowReaders.publishMegabytes(publisher, "firehose", 64, before);
            // Redis's pub/sub limit closed the proxy's connection for this subscriber, as it would a direct one
            await().atMost(Duration.ofSeconds(20)).until(() -> publisher.call("PUBSUB", "NUMSUB", "firehose")
                    .endsWith(":0\r\n"));
            System.out.println("SLOW-SUBSCRIBER proxy direct memory peak over baseline " + (peak >> 20)
                    + " MB while 64 MB were published (Redis's pubsub limit: 32 MB)");
            assertTrue(peak < 24L << 20, "the proxy kept " + (peak >> 20) + " MB for a subscriber that did not read");
            assertEquals("+PONG\r\n", other.call("PING"));
            slow.setSoTimeout(3000);
            assertTrue(SlowReaders.readsToEnd(slow.getInputStream()), "the subscriber is disconnected after what reached it");
            assertEquals(":0\r\n", publisher.call("PUBLISH", "firehose", "after"), "not subscribed again");
        }
    }

    /**
     * Review of 5f54b27: subscribers that never read were kept forever once Redis had dropped their connections (the
     * close waited behind the data the proxy left unread). Now the proxy asks Redis while it holds a connection back,
     * and closes such a client at once.
     */
    @Test
    void subscribersThatNeverReadAreClosedOnceRedisDropsThem() throws Exception {
        long closes = closes();
        List<Socket> slow = new ArrayList<>();
        try (RespConn publisher = new RespConn(env.redis().port())) {
            // a lower limit than the default 32 MB, so that what the kernel's socket buffers hold (several MB on
            // loopback, more on a busy machine) cannot keep Redis's count of a subscriber's backlog under it
            assertEquals("+OK\r\n", publisher.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 8mb 0 0"));
            for (int i = 0; i < 4; i++) {
                slow.add(SlowReaders.subscriber(env.proxy().port(), "never-read", publisher, i + 1));
            }
            SlowReaders.publishMegabytes(publisher, "never-read", 48, 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> publisher.call("PUBSUB", "NUMSUB", "never-read")
                    .endsWith(":0\r\n"));
            await().atMost(Duration.ofSeconds(10)).until(() -> closes() >= closes + 4);
            for (Socket s : slow) {
                s.setSoTimeout(5000);
                assertTrue(SlowReaders.readsToEnd(s.getInputStream()), "closed by the proxy, without reading");
            }
        } finally {
            for (Socket s : slow) {
                s.close();
            }
            try (RespConn d = new RespConn(env.redis().port())) {
                d.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60");
            }
        }
    }

    /** Review of 5f54b27: a subscriber slow for a moment, that caught up, was closed at a later connection loss. */
    @Test
    void aSubscriberThatCaughtUpIsSubscribedAgainAfterALaterLoss() throws Exception {
        long closes = closes();
        try (RespConn publisher = new RespConn(env.redis().port());
             Socket s = new Socket("127.0.0.1", env.proxy().port())) {
            s.setReceiveBufferSize(64 * 1024);
            s.getOutputStream().write(RespConn.encode("SUBSCRIBE", "once-slow"));
            s.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> publisher.call("PUBSUB", "NUMSUB", "once-slow")
                    .endsWith(":1\r\n"));
            for (int i = 0; i < 4; i++) { // 4 MB not read: over the 1 MB mark, under Redis's limits
                publisher.call("PUBLISH", "once-slow", MB);
            }
            publisher.call("PUBLISH", "once-slow", "caught-up");
            s.setSoTimeout(10_000);
            readUntil(s.getInputStream(), "caught-up");
            // well after reading resumed (2 s), the connection is lost: a restart, not the subscriber's doing
            await().pollDelay(Duration.ofMillis(2500)).atMost(Duration.ofSeconds(3)).until(() -> true);
            publisher.call("CLIENT", "KILL", "TYPE", "pubsub");
            await().atMost(Duration.ofSeconds(10)).until(() -> publisher.call("PUBSUB", "NUMSUB", "once-slow")
                    .endsWith(":1\r\n"));
            assertEquals(closes, closes(), "not taken for a slow subscriber");
        }
    }

    private static long closes() {
        return env.proxy().sidecar().context().outputLimitCloses();
    }

    private static void readUntil(InputStream in, String marker) throws IOException {
        byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[1 << 16];
        int matched = 0;
        while (true) {
            int n = in.read(buf);
            if (n < 0) {
                throw new IOException("ended before " + marker);
            }
            for (int i = 0; i < n; i++) {
                matched = buf[i] == m[matched] ? matched + 1 : buf[i] == m[0] ? 1 : 0;
                if (matched == m.length) {
                    return;
                }
            }
        }
    }

}
