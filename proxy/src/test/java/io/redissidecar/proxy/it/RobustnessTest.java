package io.redissidecar.proxy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Bad input, vanishing clients, a dying backend and many clients at once. */
class RobustnessTest {
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--max-bulk-length", "1mb");

    private static void assertProtocolErrorAndClose(String input, String expected) throws Exception {
        try (RespConn bystander = new RespConn(env.proxy().port()); RespConn bad = new RespConn(env.proxy().port())) {
            bystander.send("BLPOP", "robust-q", "0.5");
            bad.sendRaw(RespConn.encode("SET", "before", "ok"));
            bad.sendRaw(input.getBytes(StandardCharsets.ISO_8859_1));
            assertEquals("+OK\r\n", bad.readReply(), input);
            assertEquals(expected, bad.readReply(), input);
            assertTrue(bad.closedByPeer(), "connection closed after " + input);
            assertEquals("*-1\r\n", bystander.readReply());
            assertEquals("+PONG\r\n", bystander.call("PING"));
        }
    }

    @Test
    void malformedRequestsGetRedisErrorsAndOnlyThatClientIsClosed() throws Exception {
        assertProtocolErrorAndClose("*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
        assertProtocolErrorAndClose("*1\r\n%3\r\n", "-ERR Protocol error: expected '$', got '%'\r\n");
        assertProtocolErrorAndClose("*1\r\n$2000000\r\n", "-ERR Protocol error: invalid bulk length\r\n");
        assertProtocolErrorAndClose("*1\r\n$-3\r\n", "-ERR Protocol error: invalid bulk length\r\n");
        assertProtocolErrorAndClose("GET \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n");
        assertProtocolErrorAndClose("x".repeat(70_000), "-ERR Protocol error: too big inline request\r\n");
        assertProtocolErrorAndClose("*99999999999\r\n", "-ERR Protocol error: invalid multibulk length\r\n");
    }

    @Test
    void unknownCommandsAndWrongArityDoNotCloseTheConnection() throws Exception {
        try (RespConn c = new RespConn(env.proxy().port())) {
            assertTrue(c.call("NOPE").startsWith("-ERR unknown command 'NOPE'"));
            assertEquals("-ERR wrong number of arguments for 'get' command\r\n", c.call("GET"));
            assertEquals("+PONG\r\n", c.call("PING"));
        }
    }

    @Test
    void clientVanishingMidPipelineHarmsNobody() throws Exception {
        ByteArrayOutputStream many = new ByteArrayOutputStream();
        for (int i = 0; i < 5000; i++) {
            many.writeBytes(RespConn.encode("SET", "vanish" + i, "v".repeat(100)));
        }
        for (int round = 0; round < 5; round++) {
            try (Socket s = new Socket("127.0.0.1", env.proxy().port())) {
                s.getOutputStream().write(many.toByteArray());
                s.getOutputStream().write("*3\r\n$3\r\nSET\r\n$1\r\n".getBytes(StandardCharsets.US_ASCII)); // cut
            }
        }
        try (RespConn c = new RespConn(env.proxy().port())) {
            assertEquals("+OK\r\n", c.call("SET", "alive", "yes"));
            assertEquals("$3\r\nyes\r\n", c.call("GET", "alive"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> env.proxy().sidecar().context().connectedClients() == 0);
    }

    @Test
    void oneThousandConcurrentClients() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<RespConn> conns = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                conns.add(new RespConn(env.proxy().port()));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> env.proxy().sidecar().context().connectedClients() >= 1000);
            List<Future<Boolean>> fs = new ArrayList<>();
            for (int i = 0; i < conns.size(); i++) {
                final int id = i;
                final RespConn c = conns.get(i);
                fs.add(pool.submit(() -> {
                    for (int k = 0; k < 10; k++) {
                        String key = "many:" + id;
                        if (!c.call("SET", key, Integer.toString(k)).equals("+OK\r\n")) {
                            return false;
                        }
                        String v = Integer.toString(k);
                        if (!c.call("GET", key).equals("$" + v.length() + "\r\n" + v + "\r\n")) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : fs) {
                assertTrue(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            for (RespConn c : conns) {
                c.close();
            }
            pool.shutdownNow();
        }
    }
}
