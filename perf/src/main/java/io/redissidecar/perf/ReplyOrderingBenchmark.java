package io.redissidecar.perf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.backend.BackendConnection;
import io.redissidecar.proxy.backend.InFlight;
import io.redissidecar.proxy.backend.ReplyOwner;
import io.redissidecar.proxy.codec.ReplyFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.session.ReplyRun;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Reply ordering on a shared backend connection, per reply: 50 clients' pipelined requests (16 each) wait in the
 * connection's FIFO; one backend read brings their 800 replies; each is framed ({@link ReplyFramer}), matched to the
 * head of the FIFO and completed as a range of the read buffer ({@link InFlight}), queued in its client's order, and
 * each client's consecutive replies are joined into one slice to write ({@link ReplyRun}). The channel writes
 * themselves are not included (the slices go to a Blackhole and are released). It completes entries with
 * {@link InFlight#completeRange}, the call the backend connection uses.
 * Run: {@code java -jar perf/target/benchmarks.jar ReplyOrderingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReplyOrderingBenchmark {
    private static final int CLIENTS = 50;
    private static final int TOTAL = CLIENTS * 16;

    /** Replies per client per read: 16 (pipeline 16) or 1 (pipeline 1, 50 clients still share the read). */
    @Param({"16", "1"})
    public int pipeline;

    private ByteBuf read;
    private final ReplyFramer framer = new ReplyFramer();
    private final ArrayDeque<InFlight> awaiting = new ArrayDeque<>();
    private Client[] clients;
    private int replies;

    /** A client session reduced to its reply queue and run: what it does when its replies are ready. */
    private static final class Client implements ReplyOwner {
        final ArrayDeque<InFlight> queue = new ArrayDeque<>();
        final ReplyRun run = new ReplyRun();
        boolean ready;

        @Override
        public void replyReady(InFlight e) {
            ready = true;
        }

        void drain(Blackhole bh) {
            ready = false;
            for (InFlight e; (e = queue.peek()) != null && e.isDone(); ) {
                queue.poll();
                ByteBuf ended = run.add(e.takeReply(), e.replyOffset(), e.replyLength());
                if (ended != null) {
                    write(ended, bh);
                }
            }
            ByteBuf ended = run.take();
            if (ended != null) {
                write(ended, bh);
            }
        }

        private static void write(ByteBuf b, Blackhole bh) {
            bh.consume(b.readableBytes());
            b.release(); // what the channel does once the bytes are written
        }

        @Override
        public void retry(InFlight e, BackendConnection from, String reason, boolean mayHaveRun) {
        }

        @Override
        public void redirect(InFlight e, HostPort target, boolean ask) {
        }

        @Override
        public boolean isActive() {
            return true;
        }
    }

    @Setup
    public void setup() {
        replies = pipeline == 1 ? CLIENTS : TOTAL;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < replies; i++) {
            sb.append(i % 8 == 0 ? "$-1\r\n" : "$3\r\nbar\r\n");
        }
        read = Unpooled.directBuffer().writeBytes(sb.toString().getBytes(StandardCharsets.US_ASCII));
        clients = new Client[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            clients[i] = new Client();
        }
    }

    @Benchmark
    @OperationsPerInvocation(TOTAL)
    public void replies(Blackhole bh) throws RespProtocolException {
        int perClient = replies / CLIENTS;
        int rounds = TOTAL / replies;
        for (int round = 0; round < rounds; round++) {
            // requests sent: one FIFO entry per request, in each client's order too
            for (Client c : clients) {
                for (int j = 0; j < perClient; j++) {
                    InFlight e = new InFlight(c, null, -1);
                    awaiting.add(e);
                    c.queue.add(e);
                }
            }
            // one backend read delivers all the replies; the read buffer's own reference is the caller's
            ByteBuf in = read.retainedDuplicate();
            while (in.isReadable()) {
                int len = framer.frame(in);
                int offset = in.readerIndex();
                in.skipBytes(len);
                awaiting.poll().completeRange(in, offset, len);
            }
            // end of the read: each client with ready replies drains once
            for (Client c : clients) {
                if (c.ready) {
                    c.drain(bh);
                }
            }
            in.release();
        }
    }
}
