package io.redissidecar.perf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.Options;
import io.redissidecar.proxy.codec.ReplyFramer;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.CommandTable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The hot path's per-request work: framing a pipelined batch of requests, looking commands up, framing replies.
 * Run: {@code java -jar perf/target/benchmarks.jar FramingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FramingBenchmark {
    private static final int BATCH = 16;
    private ByteBuf requests;
    private ByteBuf replies;
    /** MSET of 10 keys, as redis-benchmark's {@code -t mset} sends it, in a pooled direct buffer as a socket read. */
    private ByteBuf msets;
    private RequestFramer framer;
    private final ReplyFramer replyFramer = new ReplyFramer();
    private CommandTable table;

    @Setup
    public void setup() {
        StringBuilder req = new StringBuilder();
        StringBuilder rep = new StringBuilder();
        for (int i = 0; i < BATCH; i++) {
            String key = "key:" + (100000 + i);
            req.append("*2\r\n$3\r\nGET\r\n$").append(key.length()).append("\r\n").append(key).append("\r\n");
            rep.append("$3\r\nxxx\r\n");
        }
        requests = Unpooled.directBuffer().writeBytes(req.toString().getBytes(StandardCharsets.US_ASCII));
        replies = Unpooled.directBuffer().writeBytes(rep.toString().getBytes(StandardCharsets.US_ASCII));
        StringBuilder mset = new StringBuilder();
        for (int i = 0; i < BATCH; i++) {
            mset.append("*21\r\n$4\r\nMSET\r\n");
            for (int k = 0; k < 10; k++) {
                String key = "key:{tag}:" + (100000 + i * 10 + k);
                mset.append('$').append(key.length()).append("\r\n").append(key).append("\r\n$3\r\nxxx\r\n");
            }
        }
        msets = ByteBufAllocator.DEFAULT.directBuffer().writeBytes(mset.toString().getBytes(StandardCharsets.US_ASCII));
        framer = new RequestFramer(512L << 20, 1 << 20, 65536);
        table = CommandTable.load(Arrays.asList(Options.DEFAULT_DENY.split(",")));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int frameAndLookUpRequests() throws RespProtocolException {
        ByteBuf in = requests;
        in.readerIndex(0);
        int sum = 0;
        for (int n; (n = framer.frame(in, ByteBufAllocator.DEFAULT)) > 0; ) {
            CommandInfo c = table.lookup(in, framer.argOffset(0), framer.argLength(0));
            sum += c.arity();
            in.skipBytes(n);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int frameAndLookUpMsets() throws RespProtocolException {
        ByteBuf in = msets;
        in.readerIndex(0);
        int sum = 0;
        for (int n; (n = framer.frame(in, ByteBufAllocator.DEFAULT)) > 0; ) {
            CommandInfo c = table.lookup(in, framer.argOffset(0), framer.argLength(0));
            sum += c.arity() + framer.argc();
            in.skipBytes(n);
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int frameReplies() throws RespProtocolException {
        ByteBuf in = replies;
        in.readerIndex(0);
        int sum = 0;
        for (int n; (n = replyFramer.frame(in)) > 0; ) {
            sum += n;
            in.skipBytes(n);
        }
        return sum;
    }
}
