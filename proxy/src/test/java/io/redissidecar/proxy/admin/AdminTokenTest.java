package io.redissidecar.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The token file: trimmed, refused when empty or too large, read again on {@code use}, the old token kept on error. */
class AdminTokenTest {

    @Test
    void theFilesContentTrimmedIsTheToken() throws Exception {
        Path f = Files.createTempFile("admin-token", "");
        Files.writeString(f, "  s3cret\n");
        try (AdminToken t = new AdminToken(f)) {
            assertTrue(t.check().test("s3cret"));
            assertFalse(t.check().test("s3cret\n"));
            assertFalse(t.check().test("s3cre"));
            assertFalse(t.check().test(""));
        }
    }

    @Test
    void noFileNoCheck() throws Exception {
        try (AdminToken t = new AdminToken(null)) {
            assertNull(t.check());
        }
    }

    @Test
    void emptyMissingOrHugeFilesAreRefusedAtStart() throws Exception {
        Path f = Files.createTempFile("admin-token", "");
        Files.writeString(f, " \n");
        assertThrows(IOException.class, () -> new AdminToken(f));
        assertThrows(IOException.class, () -> new AdminToken(f.resolveSibling("no-such-token-file")));
        Files.writeString(f, "x".repeat(AdminToken.MAX_FILE_BYTES + 1));
        assertThrows(IOException.class, () -> new AdminToken(f));
    }

    @Test
    void useReadsAgainAndKeepsTheTokenWhenTheNewFileIsUnusable() throws Exception {
        Path f = Files.createTempFile("admin-token", "");
        Files.writeString(f, "one");
        try (AdminToken t = new AdminToken(f)) {
            Files.writeString(f, "two");
            t.use(f);
            assertTrue(t.check().test("two"));
            Files.writeString(f, "");
            t.use(f);
            assertTrue(t.check().test("two"), "an empty file keeps the token in force");
            t.use(f.resolveSibling("no-such-token-file"));
            assertTrue(t.check().test("two"), "a missing file keeps the token in force");
            t.use(null);
            assertNull(t.check(), "no token file any more");
        }
    }
}
