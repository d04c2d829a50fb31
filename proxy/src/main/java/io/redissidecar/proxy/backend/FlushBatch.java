package io.redissidecar.proxy.backend;

import io.netty.channel.EventLoop;
import java.util.ArrayList;

/**
 * Flushes every channel written to during one event-loop iteration once, after all ready channels have been read:
 * requests from many clients that arrive together leave in one write to their backend connection, and replies that
 * one backend read delivers to a client leave in one write to it. One per event loop; loop thread only.
 */
public final class FlushBatch implements Runnable {

    /** A channel owner that remembers whether it is already in the batch. */
    public interface Flushable {
        /** Flushes the channel; called once per batch. */
        void flushNow();
    }

    private final EventLoop loop;
    private final ArrayList<Flushable> dirty = new ArrayList<>();
    private boolean scheduled;

    public FlushBatch(EventLoop loop) {
        this.loop = loop;
    }

    /** Adds {@code f}, which must not be in the batch yet (callers keep a flag), for a flush at the iteration end. */
    public void add(Flushable f) {
        dirty.add(f);
        if (!scheduled) {
            scheduled = true;
            loop.execute(this);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        // a flush can cause more writes and add(): iterate by index over a list that may grow
        for (int i = 0; i < dirty.size(); i++) {
            dirty.get(i).flushNow();
        }
        dirty.clear();
    }
}
