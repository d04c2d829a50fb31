package io.redissidecar.proxy.admin;

import io.redissidecar.config.BoundedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port's bearer token, from {@code --admin-token-file}: the file's content, trimmed. Only its SHA-256
 * digest is kept, and a presented token is compared digest to digest with {@link MessageDigest#isEqual}, so the
 * comparison takes the same time whatever the tokens. The file is read again on every configuration reload
 * ({@link #use}) and whenever its content changes (polled every second, so that a Kubernetes Secret's update, which
 * swaps a symlink, is seen). A file that cannot be read or is empty keeps the token in force. Neither the token nor
 * its length is ever logged.
 */
public final class AdminToken implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminToken.class);
    /** Larger files are refused: a token is a line, not a document. */
    static final int MAX_FILE_BYTES = 4096;

    private volatile Path file;
    private volatile byte[] digest;
    private final ScheduledExecutorService watcher;

    /**
     * Reads {@code file} (null: no token, {@code /admin/} is served to loopback only).
     *
     * @throws IOException when the file cannot be read, is empty or too large
     */
    public AdminToken(Path file) throws IOException {
        if (file != null) {
            try {
                digest = read(file);
            } catch (IOException e) {
                throw new IOException("--admin-token-file " + file + ": " + e.getMessage(), e);
            }
            log.info("admin token read from {}", file);
        }
        this.file = file;
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sidecar-admin-token");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::poll, 1, 1, TimeUnit.SECONDS);
    }

    /** The check of a presented token, or null when no token file is set. */
    public Predicate<String> check() {
        byte[] d = digest;
        return d == null ? null : presented -> MessageDigest.isEqual(d, sha256(presented.getBytes(
                StandardCharsets.UTF_8)));
    }

    /**
     * On a configuration reload: reads {@code next} (null: no token file from now on) again, even when it is the same
     * file. When it cannot be read, the token in force stays (a warning says so).
     */
    public synchronized void use(Path next) {
        if (next == null) {
            if (file != null) {
                log.warn("admin token file no longer set: /admin/ is now served to loopback callers only");
            }
            file = null;
            digest = null;
            return;
        }
        try {
            byte[] d = read(next);
            boolean changed = digest == null || !MessageDigest.isEqual(d, digest);
            digest = d;
            if (!next.equals(file) || changed) {
                log.info("admin token read from {}{}", next, changed ? " (a new token)" : "");
            }
            file = next;
        } catch (IOException e) {
            log.warn("admin token file {} not usable, the token in force stays: {}", next, e.getMessage());
        }
    }

    private synchronized void poll() {
        Path f = file;
        if (f == null) {
            return;
        }
        try {
            byte[] d = read(f);
            if (digest == null || !MessageDigest.isEqual(d, digest)) {
                digest = d;
                log.info("admin token file {} changed: the new token is in force", f);
            }
        } catch (IOException e) {
            // being replaced, or gone for a moment: the next poll sees it; the token in force stays
        } catch (RuntimeException e) { // the watcher must outlive anything a file does to it
            log.warn("admin token file {}: {}", f, e.toString());
        }
    }

    private static byte[] read(Path f) throws IOException {
        byte[] raw = BoundedFiles.read(f, MAX_FILE_BYTES); // a regular file only: a FIFO would block for ever
        String token = new String(raw, StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
            throw new IOException("it is empty");
        }
        return sha256(token.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JRE has SHA-256
        }
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
