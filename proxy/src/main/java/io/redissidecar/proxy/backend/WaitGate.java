package io.redissidecar.proxy.backend;

import java.util.ArrayList;
import java.util.List;

/**
 * Replicated durability's group commit: the writes sent on one connection in one event-loop iteration, and the one
 * {@code WAIT numreplicas timeout} sent after them. Their replies are held until the WAIT answers.
 */
final class WaitGate {
    final List<InFlight> writes = new ArrayList<>();
    /** Writes whose replies have come and wait for the WAIT's. */
    final List<InFlight> stored = new ArrayList<>();
    /** When the WAIT was written (for its latency metric). */
    long sentAtNanos;
}
