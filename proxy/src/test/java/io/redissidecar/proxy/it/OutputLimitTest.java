package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SlowReaders;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
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
    private static final class Env implements BeforeAllCallback, AfterAllCallback {
        private RedisServer redis;
        private SidecarFixture proxy;

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            redis = RedisServer.start("--client-output-buffer-limit", "pubsub 0 0 0");
            proxy = SidecarFixture.start(List.of(redis.address()), "--client-output-buffer-limit",
                    "normal 8mb 0 0 pubsub 16mb 8mb 60");
        }

        @Override
        public void afterAll(ExtensionContext context) {
            if (proxy != null) {
                proxy.close();
            }
            if (redis != null) {
                redis.stop();
            }
        }

        RedisServer redis() {
            return redis;
        }

        SidecarFixture proxy() {
            return proxy;
        }
    }

    @RegisterExtension
    static final Env env = new Env();

    private static final String MB = "x".repeat(1 << 20);

    @Test
    void aSubscriberThatNeverReadsIsDisconnectedAndMemoryStaysBounded() throws Exception {
        long before = directMemory();
        long closes = closes();
        try (RespConn publisher = new RespConn(env.redis().port()); RespConn other = new RespConn(env.proxy().port());
             Socket slow = SlowReaders.subscriber(env.proxy().port(), "firehose", publisher, 1)) {
            long peak = SlowReaders.publishMegabytes(publisher, "firehose", 64, before);
            // the subscriber never read: the proxy closed it at its pubsub hard limit (16 MB here, most of it waiting
            // in Redis), as Redis closes a subscriber connected to it directly
            await().atMost(Duration.ofSeconds(20)).until(() -> closes() > closes);
            slow.setSoTimeout(2000);
            assertTrue(closed(slow));
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
            assertTrue(closed(slow));
        }
    }

    /** Direct memory in use by the allocator the proxy's channels use (Netty's default). */
    private static long directMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    private static long closes() {
        return env.proxy().sidecar().context().outputLimitCloses();
    }

    /** Drains what the proxy sent; true once the connection is closed. */
    private static boolean closed(Socket s) {
        byte[] buf = new byte[1 << 16];
        try {
            while (true) {
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    return true;
                }
                if (n == 0) {
                    return false;
                }
            }
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
