package io.redissidecar.topology;

import io.redissidecar.config.HostPort;

/**
 * What the last health checks said of one node. {@code role} is ROLE's first word ({@code master}, {@code slave},
 * {@code sentinel}) or {@code unknown}; {@code error} is the last failure, null when the last check passed.
 * {@code offset} is the replication offset ROLE reports (-1 unknown); {@code lagMs}, for a replica, how long it has
 * been behind the master's offset (0 when caught up at the last check, -1 unknown).
 */
public record NodeState(HostPort node, boolean up, String role, long checkedAtMillis, long latencyMicros,
                        String error, long offset, long lagMs) {

    public NodeState(HostPort node, boolean up, String role, long checkedAtMillis, long latencyMicros, String error) {
        this(node, up, role, checkedAtMillis, latencyMicros, error, -1, -1);
    }

    public static NodeState unknown(HostPort node) {
        return new NodeState(node, false, "unknown", 0, -1, "not checked yet");
    }

    public NodeState withLag(long lag) {
        return new NodeState(node, up, role, checkedAtMillis, latencyMicros, error, offset, lag);
    }

    public boolean isMaster() {
        return up && "master".equals(role);
    }
}
