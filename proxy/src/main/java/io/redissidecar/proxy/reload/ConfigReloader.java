package io.redissidecar.proxy.reload;

import io.redissidecar.config.ConfigException;
import io.redissidecar.config.SidecarConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration hot reload: on SIGHUP (wired by {@code Main}) and when the {@code --config} file's (or the
 * {@code --aclfile}'s) content changes
 * (polled every second, so that Kubernetes' ConfigMap updates, which swap a symlink, are seen too), the configuration
 * is loaded again from the same sources (command line, environment, file) and handed to the {@link Target}. A new
 * configuration that does not load (bad YAML, an invalid value) is rejected with a log line and a metric, and the
 * old one stays in force. Client connections stay open either way.
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    /** What applies a loaded configuration (the running proxy). */
    public interface Target {
        /** Applies {@code c}; returns a one-line account of what changed. */
        String apply(SidecarConfig c);

        /** Counts a reload: applied, or rejected as invalid. */
        void reloaded(boolean applied);
    }

    private final Callable<SidecarConfig> loader;
    private final Target target;
    private final List<Path> files;
    private final Path configFile;
    private final ScheduledExecutorService watcher;
    private final Map<Path, byte[]> lastContent = new HashMap<>();

    /** @param file the {@code --config} file to watch, or null */
    public ConfigReloader(Callable<SidecarConfig> loader, Target target, Path file) {
        this(loader, target, file, null);
    }

    /**
     * @param file the {@code --config} file to watch, or null
     * @param aclFile the {@code --aclfile} to watch as well, or null
     */
    public ConfigReloader(Callable<SidecarConfig> loader, Target target, Path file, Path aclFile) {
        this.loader = loader;
        this.target = target;
        this.configFile = file;
        List<Path> watched = new java.util.ArrayList<>();
        if (file != null) {
            watched.add(file);
        }
        if (aclFile != null) {
            watched.add(aclFile);
        }
        this.files = List.copyOf(watched);
        if (!this.files.isEmpty()) {
            for (Path f : this.files) {
                lastContent.put(f, read(f));
            }
            watcher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sidecar-config-watch");
                t.setDaemon(true);
                return t;
            });
            watcher.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
        } else {
            watcher = null;
        }
    }

    private void poll() {
        for (Path f : files) {
            byte[] now = read(f);
            if (now != null && !Arrays.equals(now, lastContent.get(f))) {
                lastContent.put(f, now);
                reload((f.equals(configFile) ? "config file " : "ACL file ") + f + " changed");
                return; // the other files are read again by the reload itself; their changes are seen next time
            }
        }
    }

    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            return null; // missing for a moment (being replaced): the next poll sees the new one
        }
    }

    /** Loads and applies the configuration again; false when it was rejected (the old one stays). */
    public synchronized boolean reload(String why) {
        SidecarConfig c;
        try {
            c = loader.call();
        } catch (ConfigException e) {
            log.warn("config reload ({}) rejected, the running configuration stays: {}", why, e.getMessage());
            target.reloaded(false);
            return false;
        } catch (Exception e) {
            log.warn("config reload ({}) rejected, the running configuration stays: {}", why, e.toString());
            target.reloaded(false);
            return false;
        }
        String account;
        try {
            account = target.apply(c); // it checks what it reads besides the options (ACL users) before any change
        } catch (IllegalArgumentException e) {
            log.warn("config reload ({}) rejected, the running configuration stays: {}", why, e.getMessage());
            target.reloaded(false);
            return false;
        }
        log.info("config reloaded ({}): {}", why, account);
        target.reloaded(true);
        return true;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
