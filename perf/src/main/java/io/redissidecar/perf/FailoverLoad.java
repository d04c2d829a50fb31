package io.redissidecar.perf;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * What an application sees through a failover: writes at a fixed rate while the master is killed with {@code kill -9}
 * part-way through. Each connection sends {@code SET} of a unique key on a fixed schedule, one at a time; a request's
 * latency runs from the moment it was due (coordinated omission corrected), so a stall counts for every request it
 * delayed. An error reply or a broken connection counts the request as failed; a broken connection is opened again
 * for the next request (the retry loop applications carry behind HAProxy). At the end, every acknowledged key is
 * looked up through the same endpoint: an acknowledged write that is missing was lost.
 *
 * <p>With the ports of the nodes that may be promoted (CANDIDATES, comma-separated), it also times the failover: it
 * watches their {@code ROLE} every millisecond after the kill, and reports when the first of them said master
 * (the promotion, from the kill) and when the first write sent after the kill was acknowledged from then on (the
 * resumption, from the promotion; a write the dying master acknowledged in the milliseconds after the signal does not
 * count). KEY_TAG (for example {@code {fo}}) starts every key, so that in cluster mode
 * all writes go to the master of that hash slot, the one the script kills.
 *
 * <pre>java -cp perf/target/benchmarks.jar io.redissidecar.perf.FailoverLoad PORT RATE CONNECTIONS SECONDS LABEL KILL_PID KILL_AT_MS [CANDIDATES|- [KEY_TAG]]</pre>
 * Prints one Markdown table row. Connects to 127.0.0.1 only; kills only the PID it is given.
 */
public final class FailoverLoad {
    private static final long TIMEOUT_MS = 5000;
    private static final long SLOW_NANOS = 50_000_000L;
    /** When the master was killed ({@link System#nanoTime()}); writes sent after it count for the resumption. */
    private static volatile long killedAt = Long.MAX_VALUE;

    private FailoverLoad() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int rate = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        String label = args[4];
        long killPid = Long.parseLong(args[5]);
        long killAtMs = Long.parseLong(args[6]);
        long intervalNanos = 1_000_000_000L * connections / rate;
        long start = System.nanoTime() + 200_000_000L;
        long end = start + seconds * 1_000_000_000L;
        String run = Long.toString(System.currentTimeMillis(), 36);
        List<Integer> candidates = new ArrayList<>();
        if (args.length > 7 && !args[7].equals("-")) {
            for (String c : args[7].split(",")) {
                candidates.add(Integer.parseInt(c.trim()));
            }
        }
        String tag = args.length > 8 ? args[8] : "fo";
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Worker w = new Worker(port, tag + ":" + run + ":" + i + ":", start + intervalNanos * i / connections,
                    intervalNanos, end);
            workers.add(w);
            w.start();
        }
        long killAt = start + killAtMs * 1_000_000L;
        LockSupport.parkNanos(killAt - System.nanoTime());
        killAt = System.nanoTime();
        killedAt = killAt;
        ProcessHandle.of(killPid).ifPresent(ProcessHandle::destroyForcibly); // SIGKILL on Linux
        long promotedAt = candidates.isEmpty() ? 0 : awaitPromotion(candidates, end);
        Histogram all = new Histogram(3_600_000_000L, 3);
        long ok = 0;
        long errorReplies = 0;
        long broken = 0;
        long lastBadDue = Long.MIN_VALUE;
        String firstError = "";
        long firstAck = Long.MAX_VALUE;
        for (Worker w : workers) {
            w.join();
            for (long t : w.ackedAfterKill) { // the old master acknowledges a few writes before it is gone
                if (t >= promotedAt) {
                    firstAck = Math.min(firstAck, t);
                    break;
                }
            }
            all.add(w.histogram);
            ok += w.acked.size();
            errorReplies += w.errorReplies;
            broken += w.broken;
            lastBadDue = Math.max(lastBadDue, w.lastBadDue);
            if (firstError.isEmpty() && w.firstError != null) {
                firstError = w.firstError;
            }
        }
        long lost = 0;
        for (Worker w : workers) {
            lost += w.countMissing();
        }
        String disrupted = lastBadDue == Long.MIN_VALUE ? "none"
                : String.format("%.2f", Math.max(0, lastBadDue - killAt) / 1e9);
        String promotion = promotedAt == 0 ? "" : Long.toString((promotedAt - killAt) / 1_000_000);
        String resumed = promotedAt == 0 || firstAck == Long.MAX_VALUE ? ""
                : Long.toString(Math.floorDiv(firstAck - promotedAt, 1_000_000L));
        System.out.printf("| %s | %d | %d | %d | %d | %d | %.3f | %.3f | %.3f | %.0f | %s | %s | %s | %s |%n", label,
                all.getTotalCount(), ok, errorReplies, broken, lost, all.getValueAtPercentile(50) / 1000.0,
                all.getValueAtPercentile(99) / 1000.0, all.getValueAtPercentile(99.9) / 1000.0,
                all.getMaxValue() / 1000.0, disrupted, firstError.replace('|', '/'), promotion, resumed);
    }

    /** Watches the candidates' ROLE every millisecond until one says master; returns when (0: none before end). */
    private static long awaitPromotion(List<Integer> candidates, long end) {
        Socket[] socks = new Socket[candidates.size()];
        InputStream[] ins = new InputStream[socks.length];
        try {
            while (System.nanoTime() < end) {
                for (int i = 0; i < socks.length; i++) {
                    try {
                        if (socks[i] == null) {
                            socks[i] = new Socket("127.0.0.1", candidates.get(i));
                            socks[i].setSoTimeout(1000);
                            socks[i].setTcpNoDelay(true);
                            ins[i] = new BufferedInputStream(socks[i].getInputStream());
                        }
                        socks[i].getOutputStream().write("ROLE\r\n".getBytes(StandardCharsets.US_ASCII));
                        StringBuilder reply = new StringBuilder();
                        readReply(ins[i], reply);
                        if (reply.toString().startsWith("*3\r\n$6\r\nmaster")) {
                            return System.nanoTime();
                        }
                    } catch (IOException e) {
                        close(socks[i]); // Sentinel kills a promoted replica's clients as it promotes it
                        socks[i] = null;
                    }
                }
                LockSupport.parkNanos(1_000_000L);
            }
            return 0;
        } finally {
            for (Socket s : socks) {
                close(s);
            }
        }
    }

    private static void close(Socket s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** Reads one whole RESP2 reply into {@code out}, as raw text. */
    private static void readReply(InputStream in, StringBuilder out) throws IOException {
        String line = line(in);
        out.append(line).append("\r\n");
        char type = line.charAt(0);
        if (type == '*') {
            for (int n = Integer.parseInt(line.substring(1)); n > 0; n--) {
                readReply(in, out);
            }
        } else if (type == '$' && !line.equals("$-1")) {
            byte[] body = in.readNBytes(Integer.parseInt(line.substring(1)) + 2);
            out.append(new String(body, StandardCharsets.US_ASCII));
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\r'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed");
            }
            sb.append((char) b);
        }
        in.read(); // \n
        return sb.toString();
    }

    private static final class Worker extends ScheduledWorker {
        final List<Long> acked = new ArrayList<>();
        /** When each write sent after the kill was acknowledged ({@link System#nanoTime()}), in order. */
        final List<Long> ackedAfterKill = new ArrayList<>();
        private final String prefix;
        private long seq;
        long errorReplies;
        long broken;
        long lastBadDue = Long.MIN_VALUE;
        String firstError;
        private Socket socket;
        private OutputStream out;
        private InputStream in;

        Worker(int port, String prefix, long first, long interval, long end) {
            super(port, first, interval, end);
            this.prefix = prefix;
        }

        @Override
        public void run() {
            try {
                runSchedule();
            } catch (Exception e) {
                throw new IllegalStateException(e); // request() handles its own failures
            } finally {
                close();
            }
        }

        @Override
        void request(long due) {
            seq++;
            String reply;
            long sent = System.nanoTime();
            try {
                connect();
                out.write(command("SET", prefix + seq, "1"));
                out.flush();
                reply = readLine();
            } catch (IOException e) {
                broken++;
                bad(due, "connection: " + e.getMessage());
                close();
                return;
            }
            if (reply.startsWith("+")) {
                long latency = recordSince(due);
                acked.add(seq);
                if (sent > killedAt) {
                    ackedAfterKill.add(System.nanoTime());
                }
                if (latency > SLOW_NANOS) {
                    lastBadDue = Math.max(lastBadDue, due);
                }
            } else {
                errorReplies++;
                bad(due, reply);
            }
        }

        /** A failed request: its latency (until it failed) is recorded too. */
        private void bad(long due, String what) {
            recordSince(due);
            lastBadDue = Math.max(lastBadDue, due);
            if (firstError == null) {
                firstError = what.length() > 80 ? what.substring(0, 80) : what;
            }
        }

        /** Acknowledged keys not found through the endpoint once it answers again (up to 30 s). */
        long countMissing() throws IOException {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (true) {
                try {
                    close();
                    connect();
                    long found = 0;
                    for (int i = 0; i < acked.size(); i += 200) {
                        List<String> keys = new ArrayList<>();
                        keys.add("EXISTS");
                        for (int j = i; j < Math.min(acked.size(), i + 200); j++) {
                            keys.add(prefix + acked.get(j));
                        }
                        out.write(command(keys.toArray(new String[0])));
                        out.flush();
                        String r = readLine();
                        if (!r.startsWith(":")) {
                            throw new IOException("EXISTS answered " + r);
                        }
                        found += Long.parseLong(r.substring(1));
                    }
                    close();
                    return acked.size() - found;
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    LockSupport.parkNanos(200_000_000L);
                }
            }
        }

        private void connect() throws IOException {
            if (socket != null) {
                return;
            }
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), (int) TIMEOUT_MS);
                s.setTcpNoDelay(true);
                s.setSoTimeout((int) TIMEOUT_MS);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            socket = s;
            out = s.getOutputStream();
            in = new BufferedInputStream(s.getInputStream());
        }

        private void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }

        /** One reply line (simple string, error or integer: what SET and EXISTS answer). */
        private String readLine() throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("connection closed");
                }
                if (b == '\r') {
                    in.read();
                    return sb.toString();
                }
                sb.append((char) b);
            }
        }

        private static byte[] command(String... parts) {
            StringBuilder sb = new StringBuilder("*").append(parts.length).append("\r\n");
            for (String p : parts) {
                sb.append('$').append(p.length()).append("\r\n").append(p).append("\r\n");
            }
            return sb.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }
}
