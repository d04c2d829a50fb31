package io.redissidecar.proxy.session;

import io.netty.buffer.ByteBuf;
import io.redissidecar.proxy.backend.BackendConnection;

/**
 * A client's consecutive requests to one backend connection, in one database, that lie next to each other in its
 * input buffer and are not written yet: they leave as one retained slice of that buffer (no copy, one write).
 */
final class RequestRun {
    private BackendConnection target;
    private int start;
    private int length;
    private int db;

    /**
     * The request at {@code start} (of {@code length} bytes, in database {@code db}) joins the run to {@code target};
     * returns false when it cannot (another connection or database, or not adjacent): flush the run first, then add.
     */
    boolean continues(BackendConnection t, int start, int db) {
        return target == t && this.db == db && this.start + length == start;
    }

    void add(BackendConnection t, int start, int length, int db) {
        if (target == null) {
            target = t;
            this.start = start;
            this.length = 0;
            this.db = db;
        }
        this.length += length;
    }

    /** Writes the run (a slice of {@code input}) to its connection, if there is one. */
    void flush(ByteBuf input) {
        BackendConnection t = target;
        if (t != null) {
            target = null;
            t.sendRun(input.retainedSlice(start, length));
        }
    }
}
