package io.redissidecar.proxy.reload;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.redissidecar.config.ConfigLoader;
import io.redissidecar.config.SidecarConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReloaderTest {
    @TempDir
    Path dir;

    /**
     * CI found it (TlsTest): a certificate and its key are written one after the other; a reload started by the first
     * write read the key before the second, failed, and then recorded the key's new digest, so no later poll reloaded
     * the pair. A file written while a reload reads it must start another reload.
     */
    @Test
    void aWriteDuringAReloadIsSeenByTheNextPoll() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert"), "cert-1");
        Path key = Files.writeString(dir.resolve("key"), "key-1");
        SidecarConfig config = ConfigLoader.load(new String[] {"--backends", "127.0.0.1:7000"}, Map.of());
        List<String> applied = new CopyOnWriteArrayList<>();
        ConfigReloader.Target target = new ConfigReloader.Target() {
            @Override
            public String apply(SidecarConfig c) {
                try {
                    String pair = Files.readString(cert) + "/" + Files.readString(key);
                    applied.add(pair);
                    if (applied.size() == 1) {
                        Files.writeString(key, "key-2"); // the second half of the pair lands after this read
                    }
                    return pair;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void reloaded(boolean ok) {
            }
        };
        try (ConfigReloader r = new ConfigReloader(() -> config, target, config, c -> List.of(cert, key))) {
            Files.writeString(cert, "cert-2");
            await().atMost(Duration.ofSeconds(10)).until(() -> applied.contains("cert-2/key-2"));
            assertEquals("cert-2/key-1", applied.get(0));
        }
    }
}
