package io.redissidecar.perf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.Options;
import io.redissidecar.proxy.acl.AclCheck;
import io.redissidecar.proxy.acl.AclUser;
import io.redissidecar.proxy.acl.AclUsers;
import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.codec.RespProtocolException;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.CommandTable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
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

/**
 * What the ACL check adds per request, as ClientSession does it: frame, look up, then (unless the user has every
 * permission) the command bit, and the key patterns when the user has some. Compare {@code user=all} with
 * FramingBenchmark's {@code frameAndLookUpRequests}. Run: {@code java -jar perf/target/benchmarks.jar AclBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AclBenchmark {
    private static final int BATCH = 16;

    /** all: +@all ~* &* (nothing checked); commands: +@all -@dangerous ~* &*; keys: +@read ~key:* ~other:*. */
    @Param({"all", "commands", "keys"})
    public String user;

    private ByteBuf requests;
    private RequestFramer framer;
    private CommandTable table;
    private AclUser u;
    private final AclCheck check = new AclCheck();

    @Setup
    public void setup() {
        StringBuilder req = new StringBuilder();
        for (int i = 0; i < BATCH; i++) {
            String key = "key:" + (100000 + i);
            req.append("*2\r\n$3\r\nGET\r\n$").append(key.length()).append("\r\n").append(key).append("\r\n");
        }
        requests = Unpooled.directBuffer().writeBytes(req.toString().getBytes(StandardCharsets.US_ASCII));
        framer = new RequestFramer(512L << 20, 1 << 20, 65536);
        table = CommandTable.load(Arrays.asList(Options.DEFAULT_DENY.split(",")));
        String rules = switch (user) {
            case "all" -> "on nopass +@all ~* &*";
            case "commands" -> "on nopass +@all -@dangerous ~* &*";
            default -> "on nopass +@read ~other:* ~key:*";
        };
        u = AclUsers.load(List.of("user u " + rules), null, null, table).get("u");
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int frameLookUpAndCheck() throws RespProtocolException {
        ByteBuf in = requests;
        in.readerIndex(0);
        int sum = 0;
        for (int n; (n = framer.frame(in, ByteBufAllocator.DEFAULT)) > 0; ) {
            CommandInfo c = table.lookup(in, framer.argOffset(0), framer.argLength(0));
            if (!u.unrestricted()) {
                sum += check.check(u, c, framer);
            }
            sum += c.arity();
            in.skipBytes(n);
        }
        return sum;
    }
}
