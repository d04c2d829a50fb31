package io.redissidecar.proxy.metrics;

import io.redissidecar.config.SidecarConfig;
import io.redissidecar.topology.NodeBreakers;
import io.redissidecar.topology.SlotMap;
import io.redissidecar.topology.Topology;

/** INFO's {@code # Proxy} section: what the proxy is, and its view of the backends. */
public final class InfoSection {
    private InfoSection() {
    }

    public static String of(SidecarConfig config, ClientStats px, Topology t, long startedAtMillis, long masterChanges,
                            NodeBreakers breakers) {
        StringBuilder sb = new StringBuilder("# Proxy\r\n");
        String version = InfoSection.class.getPackage().getImplementationVersion();
        sb.append("proxy_version:").append(version == null ? "dev" : version).append("\r\n");
        sb.append("proxy_mode:").append(config.mode().spelling()).append("\r\n");
        sb.append("proxy_uptime_in_seconds:").append((System.currentTimeMillis() - startedAtMillis) / 1000)
                .append("\r\n");
        sb.append("proxy_connected_clients:").append(px.connectedClients()).append("\r\n");
        sb.append("proxy_rejected_clients:").append(px.rejectedClients()).append("\r\n");
        sb.append("proxy_master:").append(t.master() == null ? "" : t.master()).append("\r\n");
        sb.append("proxy_master_changes:").append(masterChanges).append("\r\n");
        sb.append("proxy_read_from:").append(config.readFrom().spelling()).append("\r\n");
        sb.append("proxy_durability:").append(config.durability().spelling()).append("\r\n");
        SlotMap slots = t.slots();
        if (slots != null) {
            sb.append("proxy_cluster_slots_covered:").append(slots.covered()).append("\r\n");
            sb.append("proxy_cluster_masters:").append(slots.masters().size()).append("\r\n");
            sb.append("proxy_cluster_moved:").append(px.movedRedirections()).append("\r\n");
            sb.append("proxy_cluster_ask:").append(px.askRedirections()).append("\r\n");
        }
        sb.append("proxy_resubscriptions:").append(px.resubscriptions()).append("\r\n");
        int i = 0;
        for (var n : t.nodes().values()) {
            sb.append("proxy_node").append(i++).append(":addr=").append(n.node()).append(",up=")
                    .append(n.up() ? 1 : 0).append(",role=").append(n.role()).append(",lag_ms=").append(n.lagMs())
                    .append(",breaker=").append(breakers.state(n.node())).append("\r\n");
        }
        return sb.toString();
    }
}
