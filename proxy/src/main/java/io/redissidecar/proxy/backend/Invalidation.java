package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads Redis's RESP3 invalidation push: {@code >2 $10 invalidate} and an array of keys, or a null for all keys. */
final class Invalidation {
    /** The push was something else (a pub/sub message, tracking-redir-broken). */
    static final List<byte[]> NOT_INVALIDATION = List.of();
    private static final byte[] HEAD = ">2\r\n$10\r\ninvalidate\r\n".getBytes(StandardCharsets.US_ASCII);

    private Invalidation() {
    }

    /** The keys the push {@code f} invalidates; null for every key; {@link #NOT_INVALIDATION} if it is no such push. */
    static List<byte[]> keys(ByteBuf f) {
        int p = f.readerIndex();
        int end = f.writerIndex();
        if (end - p <= HEAD.length) {
            return NOT_INVALIDATION;
        }
        for (int i = 0; i < HEAD.length; i++) {
            if (f.getByte(p + i) != HEAD[i]) {
                return NOT_INVALIDATION;
            }
        }
        p += HEAD.length;
        byte type = f.getByte(p);
        if (type == '_' || f.getByte(p + 1) == '-') {
            return null; // _ (RESP3 null), or *-1
        }
        if (type != '*') {
            return NOT_INVALIDATION;
        }
        int cr = f.indexOf(p, end, (byte) '\r');
        int n = Integer.parseInt(f.toString(p + 1, cr - p - 1, StandardCharsets.US_ASCII));
        p = cr + 2;
        List<byte[]> keys = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            cr = f.indexOf(p, end, (byte) '\r');
            int len = Integer.parseInt(f.toString(p + 1, cr - p - 1, StandardCharsets.US_ASCII));
            byte[] key = new byte[len];
            f.getBytes(cr + 2, key);
            keys.add(key);
            p = cr + 2 + len + 2;
        }
        return keys;
    }
}
