package io.redissidecar.topology;

import io.redissidecar.config.HostPort;
import java.util.List;

/** The control plane of one topology kind: keeps {@link Topology} current. */
public interface TopologyMonitor extends AutoCloseable {

    /** Runs a first round of checks (so that a reachable master is known on return), then keeps checking. */
    void start();

    Topology topology();

    /**
     * Asks for a check as soon as possible: the data plane calls this when a connection to the master fails or the
     * master answers {@code -READONLY}. Thread-safe; many calls in a burst cause one check.
     */
    void requestCheck();

    /**
     * Configuration reload: the nodes to check (static mode), the Sentinels and master name (sentinel mode) or the
     * seeds (cluster mode) change; the next check uses them. Thread-safe.
     */
    void reconfigure(List<HostPort> sources, String masterName);

    @Override
    void close();
}
