package io.redissidecar.perf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.Options;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.routing.Router;
import io.redissidecar.proxy.routing.SlotHash;
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
 * Cluster mode's per-request work on top of framing: the hash slot of a key (CRC16 in place, with hash-tag search),
 * and the router's cluster decision for a framed request (key positions from the key specs, then the slot).
 * Run: {@code java -jar perf/target/benchmarks.jar ClusterRoutingBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClusterRoutingBenchmark {
    private static final int BATCH = 16;
    private ByteBuf keys;
    private int[] offsets;
    private ByteBuf requests;
    private RequestFramer framer;
    private CommandTable table;
    private final Router.Slots slots = new Router.Slots();
    private final Router.State state = new Router.State() {
        @Override
        public boolean inMulti() {
            return false;
        }

        @Override
        public boolean watching() {
            return false;
        }

        @Override
        public boolean passthrough() {
            return false;
        }
    };

    @Setup
    public void setup() {
        StringBuilder k = new StringBuilder();
        StringBuilder req = new StringBuilder();
        offsets = new int[BATCH + 1];
        for (int i = 0; i < BATCH; i++) {
            String key = i % 4 == 0 ? "{user" + i + "}:profile" : "key:" + (100000 + i);
            offsets[i] = k.length();
            k.append(key);
            req.append("*2\r\n$3\r\nGET\r\n$").append(key.length()).append("\r\n").append(key).append("\r\n");
        }
        offsets[BATCH] = k.length();
        keys = Unpooled.directBuffer().writeBytes(k.toString().getBytes(StandardCharsets.US_ASCII));
        requests = Unpooled.directBuffer().writeBytes(req.toString().getBytes(StandardCharsets.US_ASCII));
        framer = new RequestFramer(512L << 20, 1 << 20, 65536);
        table = CommandTable.load(Arrays.asList(Options.DEFAULT_DENY.split(",")));
    }

    /** CRC16 of one key (a quarter of them with a hash tag). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int slotOfKey() {
        int acc = 0;
        for (int i = 0; i < BATCH; i++) {
            acc += SlotHash.slot(keys, offsets[i], offsets[i + 1] - offsets[i]);
        }
        return acc;
    }

    /** Framing, command lookup and the router's cluster decision (key positions and slot) for one request. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int frameLookUpAndRouteInCluster() throws RespProtocolException {
        ByteBuf in = requests.duplicate();
        int acc = 0;
        while (in.isReadable()) {
            int n = framer.frame(in, null);
            CommandInfo cmd = table.lookup(framer.frameBuffer(), framer.argOffset(0), framer.argLength(0));
            acc += Router.route(cmd, framer, state, slots).ordinal() + slots.slot();
            in.skipBytes(n);
        }
        return acc;
    }
}
