package io.redissidecar.topology;

import io.redissidecar.config.HostPort;
import java.time.Duration;
import java.util.List;

/**
 * The plumbing both monitors share: the {@link Topology} they publish and the control-plane thread that runs their
 * {@link #check()} every interval and soon after {@link #requestCheck()}.
 */
abstract class ScheduledMonitor implements TopologyMonitor {
    final Topology topology = new Topology();
    final CheckScheduler scheduler;

    ScheduledMonitor(String threadName, Duration interval) {
        this.scheduler = new CheckScheduler(threadName, interval, this::check);
    }

    /** One round: query the nodes (and Sentinels), then {@code topology.update(...)}. Control-plane thread only. */
    abstract void check();

    /** Closes the clients the monitor uses; the scheduler is already stopped. */
    abstract void closeClients();

    @Override
    public final Topology topology() {
        return topology;
    }

    @Override
    public final void start() {
        scheduler.runNow();
        scheduler.start();
    }

    @Override
    public final void reconfigure(List<HostPort> sources, String masterName) {
        try {
            scheduler.call(() -> {
                applySources(List.copyOf(sources), masterName);
                return null;
            });
        } catch (Exception e) {
            throw new IllegalStateException("reconfiguring the topology monitor failed", e);
        }
        scheduler.requestSoon();
    }

    /** Takes new sources (see {@link #reconfigure}); runs on the control-plane thread, between checks. */
    abstract void applySources(List<HostPort> sources, String masterName);

    @Override
    public final void requestCheck() {
        scheduler.requestSoon();
    }

    @Override
    public final void close() {
        scheduler.close();
        closeClients();
    }
}
