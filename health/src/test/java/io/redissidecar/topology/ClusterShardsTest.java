package io.redissidecar.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.redissidecar.config.HostPort;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** CLUSTER SHARDS as Lettuce gives it, read for plain and for TLS clusters. */
class ClusterShardsTest {

    private static List<Object> shards(boolean plainPort) {
        List<Object> master = plainPort
                ? List.of("id", "a", "port", 7000L, "tls-port", 17000L, "ip", "127.0.0.1", "role", "master",
                        "health", "online")
                : List.of("id", "a", "tls-port", 17000L, "ip", "127.0.0.1", "role", "master", "health", "online");
        return List.of(List.of("slots", List.of(0L, 16383L), "nodes", List.of(master)));
    }

    @Test
    void aTlsClusterIsReachedAtItsTlsPorts() {
        assertEquals(List.of(new HostPort("127.0.0.1", 7000)),
                ClusterTopologyMonitor.parseShards(shards(true), new HashSet<>(), false).masters());
        assertEquals(List.of(new HostPort("127.0.0.1", 17000)),
                ClusterTopologyMonitor.parseShards(shards(true), new HashSet<>(), true).masters());
        // tls-cluster nodes with port 0 list no plain port at all
        assertEquals(List.of(new HostPort("127.0.0.1", 17000)),
                ClusterTopologyMonitor.parseShards(shards(false), new HashSet<>(), true).masters());
    }
}
