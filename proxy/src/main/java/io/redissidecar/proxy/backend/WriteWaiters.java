package io.redissidecar.proxy.backend;

import java.util.ArrayList;

/** The clients paused because a backend connection could not take more writes; woken all at once when it can. */
final class WriteWaiters {
    private ArrayList<ReplyOwner> waiting;

    void add(ReplyOwner o) {
        if (waiting == null) {
            waiting = new ArrayList<>(4);
        }
        waiting.add(o);
    }

    /** Tells every waiting client that the connection is writable again (or closed) and forgets them. */
    void wakeAll() {
        ArrayList<ReplyOwner> w = waiting;
        if (w != null && !w.isEmpty()) {
            waiting = null;
            w.forEach(ReplyOwner::backendWritable);
        }
    }
}
