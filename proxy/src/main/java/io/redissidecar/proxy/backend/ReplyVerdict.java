package io.redissidecar.proxy.backend;

import io.netty.buffer.ByteBuf;
import io.redissidecar.config.HostPort;
import java.nio.charset.StandardCharsets;

/**
 * What a reply says about the request it answers, read from its first bytes only: stateless, so that the backend
 * connection decides what to do with a reply in one place ({@link BackendConnection}) and the rules are table-tested.
 */
public enum ReplyVerdict {
    /** Not an error. */
    OK,
    /** {@code -MOVED slot host:port}: the slot lives elsewhere; the command did not run. */
    MOVED,
    /** {@code -ASK slot host:port}: the slot is migrating; send it there after ASKING; the command did not run. */
    ASK,
    /** {@code -TRYAGAIN} or {@code -CLUSTERDOWN}: resharding or electing; the command did not run, try later. */
    RETRY,
    /** {@code -READONLY}, {@code -LOADING}, {@code -MASTERDOWN}: no usable master there; the command did not run. */
    NOT_MASTER,
    /** {@code -UNBLOCKED}: a blocked command released by CLIENT UNBLOCK (the proxy's own, in a failover); not run. */
    UNBLOCKED,
    /** Any other error: the command's own answer. */
    ERROR;

    private static final byte[] MOVED_PREFIX = bytes("-MOVED ");
    private static final byte[] ASK_PREFIX = bytes("-ASK ");
    private static final byte[][] RETRY_PREFIXES = {bytes("-TRYAGAIN "), bytes("-CLUSTERDOWN ")};
    private static final byte[][] NOT_MASTER_PREFIXES = {bytes("-READONLY "), bytes("-LOADING "),
        bytes("-MASTERDOWN ")};
    private static final byte[] UNBLOCKED_PREFIX = bytes("-UNBLOCKED ");
    private static final byte[] BY_CLIENT_UNBLOCK = bytes("-UNBLOCKED client unblocked via CLIENT UNBLOCK");

    /** The verdict on the reply of {@code length} bytes at {@code offset} of {@code buf}. */
    public static ReplyVerdict of(ByteBuf buf, int offset, int length) {
        if (buf.getByte(offset) != '-') {
            return OK;
        }
        if (startsWith(buf, offset, length, MOVED_PREFIX)) {
            return MOVED;
        }
        if (startsWith(buf, offset, length, ASK_PREFIX)) {
            return ASK;
        }
        if (startsWithAny(buf, offset, length, RETRY_PREFIXES)) {
            return RETRY;
        }
        if (startsWithAny(buf, offset, length, NOT_MASTER_PREFIXES)) {
            return NOT_MASTER;
        }
        return startsWith(buf, offset, length, UNBLOCKED_PREFIX) ? UNBLOCKED : ERROR;
    }

    /** Whether the command provably did not run, so that sending it again cannot duplicate it. */
    public boolean provesNotRun() {
        return this != OK && this != ERROR;
    }

    /**
     * The node a {@code -MOVED} or {@code -ASK} reply names ({@code slot host:port}; an empty host means
     * {@code from}'s), or null when the text is not a redirection the proxy understands.
     */
    public static HostPort redirectTarget(ByteBuf buf, int offset, int length, HostPort from) {
        String[] f = buf.toString(offset + 1, length - 3, StandardCharsets.US_ASCII).split(" ");
        try {
            int colon = f[2].lastIndexOf(':');
            String host = f[2].substring(0, colon);
            return new HostPort(host.isEmpty() ? from.host() : host, Integer.parseInt(f[2].substring(colon + 1)));
        } catch (RuntimeException bad) {
            return null;
        }
    }

    /** The error's text without its {@code -}, cut at 40 characters (for the reason a retry is logged with). */
    static String shortText(ByteBuf buf, int offset, int length) {
        return buf.toString(offset + 1, Math.min(length - 3, 40), StandardCharsets.UTF_8);
    }

    private static boolean startsWithAny(ByteBuf buf, int offset, int length, byte[][] prefixes) {
        for (byte[] p : prefixes) {
            if (startsWith(buf, offset, length, p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the reply at {@code offset} starts with {@code p} (whose first byte, the type, was checked). */
    static boolean startsWith(ByteBuf buf, int offset, int length, byte[] p) {
        if (length < p.length) {
            return false;
        }
        for (int i = 1; i < p.length; i++) {
            if (buf.getByte(offset + i) != p[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether an -UNBLOCKED reply came from a CLIENT UNBLOCK (rather than a role change). */
    static boolean byClientUnblock(ByteBuf buf, int offset, int length) {
        return startsWith(buf, offset, length, BY_CLIENT_UNBLOCK);
    }
}
