package io.redissidecar.proxy.reload;

import io.redissidecar.config.BoundedFiles;
import io.redissidecar.config.ConfigException;
import io.redissidecar.config.SidecarConfig;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configuration hot reload: on SIGHUP (wired by {@code Main}) and when the content of a watched file changes (the
 * {@code --config} file, the {@code --aclfile}, the password files, the certificates and keys; polled every second, so that Kubernetes'
 * ConfigMap and Secret updates, which swap a symlink, are seen too), the configuration is loaded again from the same
 * sources (command line, environment, files) and handed to the {@link Target}. A new configuration that does not load
 * (bad YAML, an invalid value, an unreadable password file) is rejected with a log line and a metric, and the old one
 * stays in force. Client connections stay open either way. Only digests of the files are kept, and the log names
 * files, never their content.
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

    /** Larger watched files are taken as missing: no config, password or certificate file is this large. */
    private static final int MAX_WATCHED_BYTES = 4 * 1024 * 1024;

    private final Callable<SidecarConfig> loader;
    private final Target target;
    private final Function<SidecarConfig, List<Path>> filesOf;
    private final ScheduledExecutorService watcher;
    /** The watched files' digests as last seen (null: missing then). */
    private final Map<Path, byte[]> seen = new HashMap<>();

    /**
     * @param current the running configuration
     * @param filesOf the files a configuration names that are watched (config, secrets, certificates)
     */
    public ConfigReloader(Callable<SidecarConfig> loader, Target target, SidecarConfig current,
                          Function<SidecarConfig, List<Path>> filesOf) {
        this.loader = loader;
        this.target = target;
        this.filesOf = filesOf;
        watch(current);
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sidecar-config-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
    }

    private synchronized void watch(SidecarConfig c) {
        watch(c, Map.of());
    }

    /**
     * Watches {@code c}'s files, taking a file's digest from {@code before} (read before the reload read the files)
     * where it has one: a file written while the reload was reading it then differs at the next poll, which reloads
     * again, instead of being recorded as seen (a certificate and its key written one after the other).
     */
    private synchronized void watch(SidecarConfig c, Map<Path, byte[]> before) {
        seen.clear();
        for (Path f : filesOf.apply(c)) {
            seen.put(f, before.containsKey(f) ? before.get(f) : digest(f));
        }
    }

    /** The watched files' digests now (null values kept: missing). */
    private Map<Path, byte[]> snapshot() {
        Map<Path, byte[]> now = new HashMap<>();
        for (Path f : seen.keySet()) {
            now.put(f, digest(f));
        }
        return now;
    }

    private synchronized void poll() {
        try {
            for (Map.Entry<Path, byte[]> e : seen.entrySet()) {
                byte[] now = digest(e.getKey());
                if (now != null && !Arrays.equals(now, e.getValue())) {
                    e.setValue(now);
                    reload("file " + e.getKey() + " changed");
                    return; // the reload re-read every watched file
                }
            }
        } catch (Throwable t) { // the watcher must outlive anything a file does to it
            log.warn("config watch: {}", t.toString());
        }
    }

    private static byte[] digest(Path f) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(BoundedFiles.read(f, MAX_WATCHED_BYTES));
        } catch (NoSuchFileException e) {
            return null; // missing for a moment (being replaced): the next poll sees the new one
        } catch (IOException e) {
            // there but not usable (not a regular file, too large): a change too, which the reload reports
            return new byte[] {0};
        } catch (RuntimeException e) {
            return null; // a path the platform cannot read: as missing
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Loads and applies the configuration again; false when it was rejected (the old one stays). */
    public synchronized boolean reload(String why) {
        Map<Path, byte[]> before = snapshot();
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
        for (Path f : filesOf.apply(c)) { // files this configuration names for the first time
            before.computeIfAbsent(f, ConfigReloader::digest);
        }
        String account;
        try {
            account = target.apply(c); // it checks what it reads besides the options (ACL users) before any change
        } catch (IllegalArgumentException e) {
            log.warn("config reload ({}) rejected, the running configuration stays: {}", why, e.getMessage());
            target.reloaded(false);
            return false;
        }
        watch(c, before);
        log.info("config reloaded ({}): {}", why, account);
        target.reloaded(true);
        return true;
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
