package io.redissidecar.proxy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.redissidecar.config.HostPort;
import io.redissidecar.proxy.testing.RespConn;
import io.redissidecar.proxy.testing.SidecarFixture;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/** The same proxy against Redis in a container, where a Docker engine exists; skipped cleanly where none does. */
@Testcontainers(disabledWithoutDocker = true)
class ContainerTopologyTest {

    @Container
    @SuppressWarnings("resource")
    static final GenericContainer<?> REDIS = new GenericContainer<>(DockerImageName.parse("redis:7.0"))
            .withExposedPorts(6379);

    @Test
    void proxiesToContainerisedRedis() throws Exception {
        try (SidecarFixture proxy = SidecarFixture.start(List.of(new HostPort(REDIS.getHost(),
                REDIS.getMappedPort(6379))));
             RespConn c = new RespConn(proxy.port())) {
            assertEquals("+OK\r\n", c.call("SET", "tc", "1"));
            assertEquals("$1\r\n1\r\n", c.call("GET", "tc"));
        }
    }
}
