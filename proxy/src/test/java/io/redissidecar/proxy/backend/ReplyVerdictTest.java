package io.redissidecar.proxy.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.redissidecar.config.HostPort;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a reply proves about its request, read from its first bytes: one row per rule. */
class ReplyVerdictTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "+OK                                     | OK         | false",
        ":1                                      | OK         | false",
        "$-1                                     | OK         | false",
        "*0                                      | OK         | false",
        "-ERR wrong number of arguments          | ERROR      | false",
        "-WRONGTYPE Operation against a key      | ERROR      | false",
        "-MOVED 3999 127.0.0.1:6381              | MOVED      | true",
        "-ASK 3999 127.0.0.1:6381                | ASK        | true",
        "-TRYAGAIN Multiple keys request         | RETRY      | true",
        "-CLUSTERDOWN The cluster is down        | RETRY      | true",
        "-READONLY You can't write               | NOT_MASTER | true",
        "-LOADING Redis is loading the dataset   | NOT_MASTER | true",
        "-MASTERDOWN Link with MASTER is down    | NOT_MASTER | true",
        "-UNBLOCKED client unblocked via CLIENT  | UNBLOCKED  | true",
        // a prefix only counts with its space: these are other errors
        "-MOVEDX 1 h:1                           | ERROR      | false",
        "-ASKING                                 | ERROR      | false",
        "-READONLYX                              | ERROR      | false",
        "-BUSY Redis is busy running a script    | ERROR      | false",
    })
    void verdict(String reply, ReplyVerdict expected, boolean provesNotRun) {
        ByteBuf b = framed(reply);
        try {
            // the reply lies inside a larger buffer, as it does in a backend read
            ReplyVerdict v = ReplyVerdict.of(b, 3, b.writerIndex() - 3);
            assertEquals(expected, v);
            assertEquals(provesNotRun, v.provesNotRun());
        } finally {
            b.release();
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "-MOVED 3999 127.0.0.1:6381   | 127.0.0.1:6381",
        "-ASK 1 10.0.0.7:7000         | 10.0.0.7:7000",
        "-MOVED 3999 :6390            | 127.0.0.9:6390", // an empty host is the replying node's
        "-MOVED 3999 ::1:6381         | [::1]:6381", // Redis writes IPv6 addresses without brackets
    })
    void redirectTarget(String reply, String expected) {
        ByteBuf b = framed(reply);
        try {
            HostPort from = new HostPort("127.0.0.9", 7000);
            HostPort target = ReplyVerdict.redirectTarget(b, 3, b.writerIndex() - 3, from);
            String host = target.host().contains(":") ? "[" + target.host() + "]" : target.host();
            assertEquals(expected, host + ":" + target.port());
        } finally {
            b.release();
        }
    }

    @ParameterizedTest
    @CsvSource({"-MOVED 3999", "-MOVED 3999 nohostport", "-ASK x 127.0.0.1:notaport"})
    void notARedirectionTheProxyUnderstands(String reply) {
        ByteBuf b = framed(reply);
        try {
            assertNull(ReplyVerdict.redirectTarget(b, 3, b.writerIndex() - 3, new HostPort("h", 1)));
        } finally {
            b.release();
        }
    }

    /** {@code reply} with its CRLF, after three bytes of another reply's tail. */
    private static ByteBuf framed(String reply) {
        return Unpooled.copiedBuffer("x\r\n" + reply.trim() + "\r\n", StandardCharsets.US_ASCII);
    }
}
