package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.redissidecar.proxy.testing.ProxiedRedis;
import io.redissidecar.proxy.testing.RespConn;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 12, finding 5, against a real redis-server: a large value is streamed to its client as it arrives (the proxy
 * does not keep it whole), the replies around it keep their order, and the backend watchdog, which counts bytes, does
 * not cut off a reply that takes longer than its timeout to arrive. Times and memory are reported, not asserted.
 */
class LargeReplyTest {
    /** A watchdog far shorter than the time a 64 MB reply takes on these machines. */
    @RegisterExtension
    static final ProxiedRedis env = new ProxiedRedis("--backend-timeout-ms", "200");

    private static final int SIZE = 64 << 20;

    @BeforeAll
    static void storeTheValue() throws Exception {
        try (Socket s = new Socket("127.0.0.1", env.redis().port())) {
            OutputStream out = s.getOutputStream();
            out.write(("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + SIZE + "\r\n").getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[1 << 20];
            for (int off = 0; off < SIZE; off += chunk.length) {
                for (int i = 0; i < chunk.length; i++) {
                    chunk[i] = pattern(off + i);
                }
                out.write(chunk);
            }
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("+OK", readLine(new BufferedInputStream(s.getInputStream())));
        }
    }

    @Test
    void aLargeValueStreamsAndTheRepliesAroundItKeepTheirOrder() throws Exception {
        long direct = firstByteMillis(env.redis().port());
        long before = directMemory();
        try (Socket c = new Socket("127.0.0.1", env.proxy().port()); RespConn other = new RespConn(env.proxy().port())) {
            other.call("SET", "small", "s");
            OutputStream out = c.getOutputStream();
            for (String key : new String[] {"small", "big", "small", "big", "small"}) {
                out.write(RespConn.encode("GET", key));
            }
            out.flush();
            InputStream in = new BufferedInputStream(c.getInputStream(), 1 << 16);
            long peak = 0;
            for (int i = 0; i < 5; i++) {
                if (i % 2 == 0) {
                    assertEquals("$1", readLine(in));
                    assertEquals("s", readLine(in));
                } else {
                    assertEquals("$" + SIZE, readLine(in));
                    peak = Math.max(peak, readPattern(in) - before);
                    assertEquals("+PONG\r\n", other.call("PING"), "another client between the two large replies");
                }
            }
            long proxied = firstByteMillis(env.proxy().port());
            System.out.println("LARGE-REPLY 64 MB GET: first byte after " + proxied + " ms through the proxy, "
                    + direct + " ms direct; proxy direct memory peak over baseline " + (peak >> 20) + " MB");
        }
    }

    /** Milliseconds from sending GET big until the first byte of its reply, which is then read to its end. */
    private static long firstByteMillis(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
            long t0 = System.nanoTime();
            s.getOutputStream().write(RespConn.encode("GET", "big"));
            s.getOutputStream().flush();
            int first = in.read();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals('$', first);
            readLine(in);
            readPattern(in);
            return ms;
        }
    }

    /** Reads the value and its CRLF, checking every byte; returns the allocator's peak use while it came. */
    private static long readPattern(InputStream in) throws IOException {
        byte[] buf = new byte[1 << 16];
        long peak = 0;
        for (int off = 0; off < SIZE; ) {
            int n = in.read(buf, 0, Math.min(buf.length, SIZE - off));
            if (n < 0) {
                throw new IOException("closed after " + off + " bytes");
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] != pattern(off + i)) {
                    throw new AssertionError("byte " + (off + i) + " differs");
                }
            }
            off += n;
            if ((off & 0xFFFFF) < n) {
                peak = Math.max(peak, directMemory());
            }
        }
        assertEquals("", readLine(in));
        return peak;
    }

    private static byte pattern(int i) {
        return (byte) ('a' + (i * 7 + (i >>> 20)) % 26);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\r'; ) {
            if (c < 0) {
                throw new IOException("closed");
            }
            sb.append((char) c);
        }
        in.read();
        return sb.toString();
    }

    private static long directMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }
}
