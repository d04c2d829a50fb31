package io.redissidecar.proxy.commands;

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
            if (match(pattern, 0, p, 0)) {
                return true;
            }
        }
        return false;
    }

    /** Redis's {@code stringmatchlen} with nocase, enough for parameter names (ASCII). */
    static boolean match(byte[] pat, int pi, String s, int si) {
        while (pi < pat.length) {
            char c = (char) (pat[pi] & 0xff);
            switch (c) {
                case '*' -> {
                    while (pi + 1 < pat.length && pat[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi + 1 == pat.length) {
                        return true;
                    }
                    for (int k = si; k <= s.length(); k++) {
                        if (match(pat, pi + 1, s, k)) {
                            return true;
                        }
                    }
                    return false;
                }
                case '?' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    si++;
                }
                case '[' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    int p = pi + 1;
                    boolean not = p < pat.length && pat[p] == '^';
                    if (not) {
                        p++;
                    }
                    boolean found = false;
                    char sc = Character.toLowerCase(s.charAt(si));
                    while (p < pat.length && pat[p] != ']') {
                        if (pat[p] == '\\' && p + 1 < pat.length) {
                            p++;
                            found |= Character.toLowerCase((char) pat[p]) == sc;
                        } else if (p + 2 < pat.length && pat[p + 1] == '-') {
                            char lo = Character.toLowerCase((char) pat[p]);
                            char hi = Character.toLowerCase((char) pat[p + 2]);
                            found |= lo <= hi ? sc >= lo && sc <= hi : sc >= hi && sc <= lo;
                            p += 2;
                        } else {
                            found |= Character.toLowerCase((char) pat[p]) == sc;
                        }
                        p++;
                    }
                    if (found == not) {
                        return false;
                    }
                    pi = p < pat.length ? p : pat.length - 1; // at the ']' (or the end of an unclosed class)
                    si++;
                }
                default -> {
                    if (c == '\\' && pi + 1 < pat.length) {
                        pi++;
                        c = (char) (pat[pi] & 0xff);
                    }
                    if (si >= s.length() || Character.toLowerCase(c) != s.charAt(si)) {
                        return false;
                    }
                    si++;
                }
            }
            pi++;
        }
        return si == s.length();
    }
}
