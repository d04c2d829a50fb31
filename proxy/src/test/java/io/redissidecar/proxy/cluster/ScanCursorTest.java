package io.redissidecar.proxy.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Cluster mode SCAN cursors: the client's cursor holds the master's index in its low 8 bits and that master's own
 * cursor above them. Cursors are unsigned 64-bit decimals, as Redis writes them.
 */
class ScanCursorTest {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @ParameterizedTest(name = "[{index}] {3}: client cursor {0} = master {1}, backend cursor {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # client cursor        | master | backend cursor       | rule
            0                      |   0 | 0                       | cursor 0: the first master from its cursor 0
            1                      |   1 | 0                       | a bare index: that master from its cursor 0
            2                      |   2 | 0                       | ...
            255                    | 255 | 0                       | the largest index 8 bits hold
            7                      |   7 | 0                       | index past the masters: the session refuses it
            256                    |   0 | 1                       | bit 8 and up are the backend cursor
            4353                   |   1 | 17                      | (17 << 8) + 1
            18446744073709551615   | 255 | 72057594037927935       | 2^64-1: master 255, backend 2^56-1
            18446744073709551360   |   0 | 72057594037927935       | the largest backend cursor that fits (2^56-1)
            9223372036854775810    |   2 | 36028797018963968       | sign bit set: read unsigned (backend 2^55)
            """)
    void decodesTheMasterAndTheBackendCursor(String clientCursor, int master, String backend, String rule) {
        long cursor = Long.parseUnsignedLong(clientCursor);
        assertEquals(master, ScanCursor.master(cursor), rule);
        assertEquals(backend, Long.toUnsignedString(ScanCursor.backend(cursor)), rule);
    }

    /**
     * {@code rewriteReply} is the encoder: the master's reply {@code [next, keys]} becomes the client's reply with
     * the next client cursor. The keys array is passed on byte for byte.
     */
    @ParameterizedTest(name = "[{index}] {4}: master {1} of {2} answers cursor {0}, client gets {3}")
    @CsvSource(delimiter = '|', textBlock = """
            # backend next          | master | masters | client next           | rule
            17                      | 0 | 3 | 4352                  | more on master 0: 17 << 8
            17                      | 1 | 3 | 4353                  | more on master 1: (17 << 8) + 1
            1                       | 2 | 3 | 258                   | more on the last master
            0                       | 0 | 3 | 1                     | master 0 done: master 1 from cursor 0
            0                       | 1 | 3 | 2                     | master 1 done: master 2 from cursor 0
            0                       | 2 | 3 | 0                     | last master done: the scan is complete
            0                       | 0 | 1 | 0                     | one master: its 0 ends the scan
            72057594037927935       | 0 | 3 | 18446744073709551360  | largest backend cursor that fits (2^56-1)
            72057594037927935       | 255 | 256 | 18446744073709551615 | ...with the largest master index
            72057594037927936       | 1 | 3 | 1                     | 2^56 does not fit: its bits are lost (see below)
            18446744073709551615    | 1 | 3 | 18446744073709551361  | 2^64-1: the top 8 bits are lost
            0                       | 255 | 300 | 256          | 300 masters: 256 reads back as master 0, cursor 1
            """)
    void rewritesTheMastersCursorIntoAClientCursor(String backendNext, int master, int masters, String clientNext,
                                                  String rule) {
        String keys = "*2\r\n$1\r\na\r\n$3\r\nbcd\r\n";
        String reply = "*2\r\n$" + backendNext.length() + "\r\n" + backendNext + "\r\n" + keys;
        ByteBuf in = alloc.buffer();
        in.writeBytes("-junk before the reply\r\n".getBytes(StandardCharsets.US_ASCII));
        in.skipBytes(in.readableBytes()); // the reply starts at the reader index, not at 0
        in.writeBytes(reply.getBytes(StandardCharsets.US_ASCII));
        ByteBuf out = ScanCursor.rewriteReply(alloc, in, master, masters);
        try {
            assertEquals("*2\r\n$" + clientNext.length() + "\r\n" + clientNext + "\r\n" + keys,
                    out.toString(StandardCharsets.US_ASCII), rule);
        } finally {
            out.release();
            in.release();
        }
    }

    /** Each client cursor the encoder writes decodes to the master and backend cursor it was made from. */
    @ParameterizedTest(name = "[{index}] backend {0} on master {1} of {2}")
    @CsvSource(delimiter = '|', textBlock = """
            # backend next      | master | masters
            1                   |   0 |   3
            12345               |   2 |   3
            4294967296          |   7 |  16
            72057594037927935   | 254 | 255
            """)
    void roundTrip(String backendNext, int master, int masters) {
        ByteBuf in = alloc.buffer();
        in.writeBytes(("*2\r\n$" + backendNext.length() + "\r\n" + backendNext + "\r\n*0\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        ByteBuf out = ScanCursor.rewriteReply(alloc, in, master, masters);
        try {
            String text = out.toString(StandardCharsets.US_ASCII);
            String[] lines = text.split("\r\n");
            long client = Long.parseUnsignedLong(lines[2]);
            assertEquals(master, ScanCursor.master(client));
            assertEquals(backendNext, Long.toUnsignedString(ScanCursor.backend(client)));
            assertEquals("*0", lines[3]);
        } finally {
            out.release();
            in.release();
        }
    }
}
