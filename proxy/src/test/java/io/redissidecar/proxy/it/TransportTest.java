package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.uring.IoUring;
import io.redissidecar.proxy.testing.RedisServer;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every event-loop transport ({@code --transport}) and the io_uring set-ups perf/RESULTS.md measured
 * ({@code -Dredissidecar.iouring=...}) serve the same traffic: many clients pipelining small and large values (more
 * than one receive buffer) over one shared backend connection, each getting its own replies in order. A transport
 * this machine lacks falls back to the next one down, which the test checks by name.
 */
class TransportTest {
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.stop();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"io_uring,''", "io_uring,single-issuer", "io_uring,buffer-ring", "io_uring,buffer-ring=4096",
            "epoll,''", "nio,''"})
    void servesPipelinedClients(String transport, String variant) throws Exception {
        SidecarFixture proxy;
        System.setProperty("redissidecar.iouring", variant);
        try {
            proxy = SidecarFixture.start(List.of(redis.address()), "--transport", transport,
                    "--event-loop-threads", "1");
        } finally {
            System.clearProperty("redissidecar.iouring");
        }
        try (proxy) {
            boolean ring = !variant.startsWith("buffer-ring") || IoUring.isRegisterBufferRingSupported();
            String expected = transport.equals("io_uring") && IoUring.isAvailable()
                    ? "io_uring" + (variant.isEmpty() || !ring ? "" : "+" + variant)
                    : !transport.equals("nio") && Epoll.isAvailable() ? "epoll" : "nio";
            assertEquals(expected, proxy.sidecar().transportName()); // the set-up in effect, as the log names it
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int c = 0; c < 8; c++) {
                    String key = "transport:" + transport + variant + ":" + c;
                    int client = c;
                    done.add(pool.submit(() -> {
                        try (RespConn conn = new RespConn(proxy.port())) {
                            for (int round = 0; round < 5; round++) {
                                String[] values = new String[40];
                                for (int i = 0; i < values.length; i++) {
                                    // up to 30 KB: a batch spans several receive buffers of every set-up
                                    values[i] = Integer.toString(client * 1000 + round * 100 + i)
                                            .repeat(1 + (i * 977 % 6000));
                                    conn.send("SET", key + ":" + i, values[i]);
                                    conn.send("GET", key + ":" + i);
                                }
                                conn.send("MSET", key + ":a", "1", key + ":b", "2");
                                conn.send("MGET", key + ":a", key + ":b");
                                for (String v : values) {
                                    assertEquals("+OK\r\n", conn.readReply());
                                    assertEquals("$" + v.length() + "\r\n" + v + "\r\n", conn.readReply());
                                }
                                assertEquals("+OK\r\n", conn.readReply());
                                assertEquals("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", conn.readReply());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
