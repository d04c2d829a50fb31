package io.redissidecar.proxy.routing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Redis Cluster's key to hash slot function: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key, or of
 * the part between the first {@code {}} and the next {@code }}} when that part is not empty, modulo 16384. Reads the
 * key in place in the request buffer.
 */
public final class SlotHash {
    public static final int SLOTS = 16384;
    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int b = 0; b < 8; b++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = crc & 0xFFFF;
        }
    }

    private SlotHash() {
    }

    /** The slot of the {@code length} bytes of {@code buf} at {@code offset}. */
    public static int slot(ByteBuf buf, int offset, int length) {
        int from = offset;
        int to = offset + length;
        int open = buf.indexOf(offset, to, (byte) '{');
        if (open >= 0) {
            int close = buf.indexOf(open + 1, to, (byte) '}');
            if (close > open + 1) {
                from = open + 1;
                to = close;
            }
        }
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ buf.getByte(i)) & 0xFF]) & 0xFFFF;
        }
        return crc & (SLOTS - 1);
    }

    /** The slot of a key given as bytes (tests, CLUSTER KEYSLOT). */
    public static int slot(byte[] key) {
        return slot(Unpooled.wrappedBuffer(key), 0, key.length);
    }
}
