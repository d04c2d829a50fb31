package io.redissidecar.proxy.commands;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The server parameters that hold passwords: {@code CONFIG GET} of any pattern that matches one of them is refused,
 * so that a client of the proxy never reads the backend's credentials (which the proxy itself uses). Patterns are
 * matched as Redis matches them for CONFIG GET: glob-style ({@code *}, {@code ?}, {@code [...]}, {@code \}), without
 * regard to case.
 */
public final class Secrets {
    static final List<String> PARAMETERS = List.of("requirepass", "masterauth", "masteruser", "tls-key-file-pass",
            "tls-client-key-file-pass");

    private Secrets() {
    }

    /** Whether the glob {@code pattern} matches a parameter that holds a password. */
    public static boolean matchesSecret(byte[] pattern) {
        for (String p : PARAMETERS) {
            if (Glob.matches(pattern, p.getBytes(StandardCharsets.US_ASCII), true)) {
                return true;
            }
        }
        return false;
    }
}
