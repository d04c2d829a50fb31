package io.redissidecar.perf;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Latency at a fixed request rate, corrected for coordinated omission: each connection sends {@code GET} on a fixed
 * schedule (rate / connections per second), one request at a time, and a request's latency runs from the moment it
 * was <em>due</em>, not from when it could be sent. A stall therefore counts for every request it delayed, as a user
 * would see it. Results go into an HdrHistogram (microseconds).
 *
 * <pre>java -cp perf/target/benchmarks.jar io.redissidecar.perf.FixedRateLoad PORT RATE CONNECTIONS SECONDS [LABEL]</pre>
 * Prints one Markdown table row: label, rate achieved, p50, p99, p99.9, max (ms). Connects to 127.0.0.1 only.
 */
public final class FixedRateLoad {
    private FixedRateLoad() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int rate = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        String label = args.length > 4 ? args[4] : "127.0.0.1:" + port;
        long intervalNanos = 1_000_000_000L * connections / rate;
        long start = System.nanoTime() + 200_000_000L;
        long end = start + seconds * 1_000_000_000L;
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            // spread the connections' schedules evenly over one interval
            Worker w = new Worker(port, start + intervalNanos * i / connections, intervalNanos, end);
            workers.add(w);
            w.start();
        }
        Histogram all = new Histogram(3_600_000_000L, 3);
        long sent = 0;
        for (Worker w : workers) {
            w.join();
            if (w.failure != null) {
                throw new IllegalStateException("connection failed: " + w.failure, w.failure);
            }
            all.add(w.histogram);
            sent += w.done;
        }
        System.out.printf("| %s | %d | %.0f | %.3f | %.3f | %.3f | %.3f |%n", label, rate, sent / (double) seconds,
                all.getValueAtPercentile(50) / 1000.0, all.getValueAtPercentile(99) / 1000.0,
                all.getValueAtPercentile(99.9) / 1000.0, all.getMaxValue() / 1000.0);
    }

    private static final class Worker extends ScheduledWorker {
        private static final byte[] GET = "*2\r\n$3\r\nGET\r\n$8\r\nkey:load\r\n".getBytes(StandardCharsets.US_ASCII);
        private final byte[] buf = new byte[256];
        private OutputStream out;
        private InputStream in;
        long done;
        Exception failure;

        Worker(int port, long first, long interval, long end) {
            super(port, first, interval, end);
        }

        @Override
        public void run() {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setTcpNoDelay(true);
                out = s.getOutputStream();
                in = s.getInputStream();
                runSchedule();
            } catch (Exception e) {
                failure = e;
            }
        }

        @Override
        void request(long due) throws IOException {
            out.write(GET);
            out.flush();
            readReply(in, buf);
            recordSince(due);
            done++;
        }

        /** Reads one reply to GET: a nil ({@code $-1}) or a bulk string. */
        private static void readReply(InputStream in, byte[] buf) throws IOException {
            int n = 0;
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed");
                }
                buf[n++] = (byte) b;
                if (b == '\n') {
                    break;
                }
            }
            if (buf[0] == '$' && buf[1] != '-') {
                int len = Integer.parseInt(new String(buf, 1, n - 3, StandardCharsets.US_ASCII));
                in.readNBytes(len + 2);
            } else if (buf[0] == '-') {
                throw new IOException("error reply: " + new String(buf, 0, n, StandardCharsets.US_ASCII));
            }
        }
    }
}
