package io.redissidecar.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads the small files the proxy is given (passwords, tokens, certificates, its config), refusing anything that is
 * not a regular file (a FIFO would block the reader for ever, {@code /dev/zero} would never end) and anything larger
 * than the caller allows.
 */
public final class BoundedFiles {
    private BoundedFiles() {
    }

    /** The content of {@code file}, a regular file (links followed) of at most {@code max} bytes. */
    public static byte[] read(Path file, int max) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is not a regular file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) {
                throw new IOException(file + " is larger than " + max + " bytes");
            }
            return b;
        }
    }
}
