package io.redissidecar.health;

import io.redissidecar.config.HostPort;

/**
 * What the last health checks said of one node. {@code role} is ROLE's first word ({@code master}, {@code slave},
 * {@code sentinel}) or {@code unknown}; {@code error} is the last failure, null when the last check passed.
 */
public record NodeState(HostPort node, boolean up, String role, long checkedAtMillis, long latencyMicros,
                        String error) {

    public static NodeState unknown(HostPort node) {
        return new NodeState(node, false, "unknown", 0, -1, "not checked yet");
    }

    public boolean isMaster() {
        return up && "master".equals(role);
    }
}
