package io.redissidecar.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Redis Cluster's key to slot function. The expected slots are what {@code CLUSTER KEYSLOT} answers on Redis 7.0.15
 * (asked once of a real server when the table was written; no Redis is needed to run this test).
 */
class SlotHashTest {

    @ParameterizedTest(name = "[{index}] {2}: slot of \"{0}\" is {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # key                  | CLUSTER KEYSLOT | rule
            foo                    | 12182 | plain key
            bar                    |  5061 | plain key
            hello                  |   866 | plain key
            somekey                | 11058 | Redis docs' example
            123456789              | 12739 | CRC16/XMODEM check value 0x31C3
            ""                     |     0 | empty key
            foo{hash_tag}          |  2515 | hash tag: only hash_tag is hashed
            {hash_tag}             |  2515 | the tag alone: same slot
            {user1000}.following   |  3443 | tag at the start
            {user1000}.followers   |  3443 | same tag, same slot
            user1000               |  3443 | the tag's own slot
            foo{bar}{zap}          |  5061 | first tag wins: bar
            foo{}{bar}             |  8363 | empty first tag: the whole key is hashed
            {}                     | 15257 | empty tag alone: the whole key
            foo{{bar}}zap          |  4015 | tag from the first '{' to the next '}': "{bar"
            {bar                   |  4015 | ...the same slot as "{bar"
            {                      |  4092 | no '}' at all: the whole key
            x{ab                   |  7088 | no '}' after the '{': the whole key
            }{                     | 12793 | '}' before the '{' does not close it
            a{b}                   |  3300 | tag at the end
            b                      |  3300 | ...the same slot as "b"
            """)
    void slotOfKeyIsRedisKeyslot(String key, int expected, String rule) {
        assertEquals(expected, SlotHash.slot(key.getBytes(StandardCharsets.US_ASCII)), rule);
    }

    /**
     * The data plane hashes a key in place inside the request buffer; braces outside the key's bytes must not count.
     */
    @ParameterizedTest(name = "[{index}] {4}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # buffer            | offset | length | CLUSTER KEYSLOT | rule
            $3\\r\\nfoo\\r\\n   |  4 | 3 | 12182 | key inside a bulk string: foo
            xxfooxx             |  2 | 3 | 12182 | bytes either side are not hashed
            {a}foo}             |  3 | 3 | 12182 | braces before and after the key are ignored: foo
            x{ab}               |  0 | 4 |  7088 | the closing '}' lies past the key: x{ab hashed whole
            {t}a {t}b           |  5 | 4 | 15891 | second key of two: {t}b, tag t
            a{b}c               |  1 | 3 |  3300 | key {b} in the middle of other bytes
            """)
    void slotOfKeyInsideALargerBuffer(String buffer, int offset, int length, int expected, String rule) {
        String text = buffer.replace("\\r\\n", "\r\n");
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        for (ByteBuf buf : new ByteBuf[] {alloc.heapBuffer(), alloc.directBuffer()}) {
            try {
                buf.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
                assertEquals(expected, SlotHash.slot(buf, offset, length), rule + (buf.hasArray() ? "" : " (direct)"));
            } finally {
                buf.release();
            }
        }
    }
}
