package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SlowReaders;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, finding 4: a client that does not read its replies cannot make the proxy buffer without bound. A slow
 * subscriber is disconnected as Redis would disconnect it; a normal client over its limit too; others go on.
 */
class OutputLimitTest {
    /**
     * Redis's own pub/sub limit is off here, so that the proxy's limit is the one that acts. The proxy stops reading
     * a subscriber's connection once 1 MB waits for the client (then the messages wait in Redis, see
     * SlowSubscriberTest); its pubsub limit counts what waits in Redis (the connection's omem) as well.
     */
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--client-output-buffer-limit",
            "normal 8mb 0 0 pubsub 16mb 8mb 60").withRedis("--client-output-buffer-limit", "pubsub 0 0 0");

    private static final String MB = "x".repeat(1 << 20);

    @Test
    void aSubscriberThatNeverReadsIsDisconnectedAndMemoryStaysBounded() throws Exception {
        long before = SlowReaders.directMemory();
        long closes = closes();
        try (RespConn publisher = new RespConn(env.redis().port()); RespConn other = new RespConn(env.proxy().port());
             Socket slow = SlowReaders.subscriber(env.proxy().port(), "firehose", publisher, 1)) {
            long peak = SlowReaders.publishMegabytes(publisher, "firehose", 64, before);
            // the subscriber never read: the proxy closed it at its pubsub hard limit (16 MB here, most of it waiting
            // in Redis), as Redis closes a subscriber connected to it directly
            await().atMost(Duration.ofSeconds(20)).until(() -> closes() > closes);
            slow.setSoTimeout(2000);
            assertTrue(SlowReaders.readsToEnd(slow.getInputStream()));
            System.out.println("OUTPUT-LIMIT slow subscriber: proxy direct memory peak over baseline "
                    + (peak >> 20) + " MB while 64 MB were published");
            assertEquals("+PONG\r\n", other.call("PING"));
        }
    }

    @Test
    void aNormalClientOverItsHardLimitIsDisconnectedAlone() throws Exception {
        try (RespConn setup = new RespConn(env.proxy().port())) {
            setup.call("SET", "big", MB);
        }
        long closes = closes();
        try (Socket slow = new Socket("127.0.0.1", env.proxy().port()); RespConn other = new RespConn(env.proxy().port())) {
            slow.setReceiveBufferSize(64 * 1024);
            for (int i = 0; i < 64; i++) {
                slow.getOutputStream().write(RespConn.encode("GET", "big"));
            }
            slow.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(20)).until(() -> closes() > closes);
            assertEquals("+PONG\r\n", other.call("PING"));
            slow.setSoTimeout(2000);
            assertTrue(SlowReaders.readsToEnd(slow.getInputStream()));
        }
    }

    private static long closes() {
        return env.proxy().sidecar().context().outputLimitCloses();
    }
}
