package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
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
        long before = directMemory();
        try (Socket slow = new Socket("127.0.0.1", env.proxy().port());
             RespConn publisher = new RespConn(env.redis().port()); RespConn other = new RespConn(env.proxy().port())) {
            slow.setReceiveBufferSize(64 * 1024);
            slow.getOutputStream().write(RespConn.encode("SUBSCRIBE", "firehose"));
            slow.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> publisher.call("PUBSUB", "NUMSUB", "firehose")
                    .endsWith(":1\r\n"));
            long peak = 0;
            for (int i = 0; i < 64; i++) {
                publisher.call("PUBLISH", "firehose", MB);
                peak = Math.max(peak, directMemory() - before);
            }
            // Redis's pub/sub limit closed the proxy's connection for this subscriber, as it would a direct one
            await().atMost(Duration.ofSeconds(20)).until(() -> publisher.call("PUBSUB", "NUMSUB", "firehose")
                    .endsWith(":0\r\n"));
            System.out.println("SLOW-SUBSCRIBER proxy direct memory peak over baseline " + (peak >> 20)
                    + " MB while 64 MB were published (Redis's pubsub limit: 32 MB)");
            assertTrue(peak < 24L << 20, "the proxy kept " + (peak >> 20) + " MB for a subscriber that did not read");
            assertEquals("+PONG\r\n", other.call("PING"));
            slow.setSoTimeout(3000);
            assertTrue(readsToEnd(slow.getInputStream()), "the subscriber is disconnected after what reached it");
            assertEquals(":0\r\n", publisher.call("PUBLISH", "firehose", "after"), "not subscribed again");
        }
    }

    /** Reads until the connection ends (true) or nothing comes for the socket timeout (false). */
    private static boolean readsToEnd(InputStream in) {
        byte[] buf = new byte[1 << 16];
        try {
            while (in.read(buf) >= 0) {
                // what reached the proxy before Redis dropped its connection
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static long directMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }
}
