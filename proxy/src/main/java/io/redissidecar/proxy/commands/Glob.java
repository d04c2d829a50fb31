package io.redissidecar.proxy.commands;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Redis's glob matching ({@code stringmatchlen}): {@code *}, {@code ?}, {@code [...]} with {@code ^} and ranges,
 * {@code \} escapes, over bytes. Used for CONFIG GET patterns ({@link Secrets}, without regard to case) and for ACL
 * key and channel patterns (case-sensitive), matched in place on the request's bytes.
 */
public final class Glob {
    /** Redis gives up on patterns nested deeper than this (a guard against pathological patterns). */
    private static final int MAX_NESTING = 1000;

    private Glob() {
    }

    /** Whether {@code pattern} matches the {@code len} bytes of {@code s} at {@code off}. */
    public static boolean matches(byte[] pattern, ByteBuf s, int off, int len, boolean nocase) {
        return match(pattern, 0, s, off, off + len, nocase, 0);
    }

    /** Whether {@code pattern} matches {@code s}. */
    public static boolean matches(byte[] pattern, byte[] s, boolean nocase) {
        return matches(pattern, Unpooled.wrappedBuffer(s), 0, s.length, nocase);
    }

    private static int lower(int c, boolean nocase) {
        return nocase && c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static boolean match(byte[] pat, int pi, ByteBuf s, int si, int end, boolean nocase, int nesting) {
        if (nesting > MAX_NESTING) {
            return false;
        }
        while (pi < pat.length) {
            int c = pat[pi] & 0xff;
            switch (c) {
                case '*' -> {
                    while (pi + 1 < pat.length && pat[pi + 1] == '*') {
                        pi++;
                    }
                    if (pi + 1 == pat.length) {
                        return true;
                    }
                    for (int k = si; k <= end; k++) {
                        if (match(pat, pi + 1, s, k, end, nocase, nesting + 1)) {
                            return true;
                        }
                    }
                    return false;
                }
                case '?' -> {
                    if (si >= end) {
                        return false;
                    }
                    si++;
                }
                case '[' -> {
                    if (si >= end) {
                        return false;
                    }
                    int p = pi + 1;
                    boolean not = p < pat.length && pat[p] == '^';
                    if (not) {
                        p++;
                    }
                    boolean found = false;
                    int sc = lower(s.getByte(si) & 0xff, nocase);
                    while (p < pat.length && pat[p] != ']') {
                        if (pat[p] == '\\' && p + 1 < pat.length) {
                            p++;
                            found |= lower(pat[p] & 0xff, nocase) == sc;
                        } else if (p + 2 < pat.length && pat[p + 1] == '-') {
                            int lo = lower(pat[p] & 0xff, nocase);
                            int hi = lower(pat[p + 2] & 0xff, nocase);
                            found |= lo <= hi ? sc >= lo && sc <= hi : sc >= hi && sc <= lo;
                            p += 2;
                        } else {
                            found |= lower(pat[p] & 0xff, nocase) == sc;
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
                        c = pat[pi] & 0xff;
                    }
                    if (si >= end || lower(c, nocase) != lower(s.getByte(si) & 0xff, nocase)) {
                        return false;
                    }
                    si++;
                }
            }
            pi++;
        }
        return si == end;
    }
}
