package io.redissidecar.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Text-to-value parsers for {@link OptionSpec}; each failure message says what is allowed. */
final class Parsers {
    private Parsers() {
    }

    static Function<String, Object> longBetween(long min, long max) {
        return text -> {
            long v;
            try {
                v = parseSize(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("must be an integer between " + min + " and " + max);
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException("must be an integer between " + min + " and " + max);
            }
            return v;
        };
    }

    static Function<String, Object> intBetween(int min, int max) {
        Function<String, Object> p = longBetween(min, max);
        return text -> ((Long) p.apply(text)).intValue();
    }

    /** Integers, with Redis-style size suffixes ({@code 512mb}, {@code 64kb}, {@code 1gb}). */
    private static long parseSize(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        long mult = 1;
        for (String[] suf : new String[][] {{"kb", "1024"}, {"mb", "1048576"}, {"gb", "1073741824"}}) {
            if (lower.endsWith(suf[0])) {
                mult = Long.parseLong(suf[1]);
                lower = lower.substring(0, lower.length() - 2);
                break;
            }
        }
        return Math.multiplyExact(Long.parseLong(lower), mult);
    }

    static Function<String, Object> oneOf(String... allowed) {
        return text -> {
            String v = text.trim().toLowerCase(Locale.ROOT);
            if (!Arrays.asList(allowed).contains(v)) {
                throw new IllegalArgumentException("must be one of: " + String.join(", ", allowed));
            }
            return v;
        };
    }

    /**
     * One of {@code type}'s constants, by the spelling its {@code toString} gives (case-insensitive): the same check
     * and message as {@link #oneOf(String...)} with those spellings, in declaration order.
     */
    static <E extends Enum<E>> Function<String, Object> oneOf(Class<E> type) {
        E[] constants = type.getEnumConstants();
        String[] spellings = Arrays.stream(constants).map(E::toString).toArray(String[]::new);
        Function<String, Object> check = oneOf(spellings);
        return text -> constants[Arrays.asList(spellings).indexOf((String) check.apply(text))];
    }

    static Object hostPort(String text) {
        return HostPort.parse(text);
    }

    static Object hostPortList(String text) {
        List<HostPort> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(HostPort.parse(part));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("must be a comma-separated list of HOST:PORT");
        }
        return List.copyOf(out);
    }

    static Object string(String text) {
        return text;
    }

    /** ACL user lines ({@code user <name> <rules...>}), one per line; blank lines are skipped. */
    static Object userLines(String text) {
        List<String> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String l = line.trim();
            if (l.isEmpty()) {
                continue;
            }
            if (!l.startsWith("user ")) {
                throw new IllegalArgumentException("each user must be written 'user <name> <rules...>', as in a Redis "
                        + "ACL file");
            }
            out.add(l);
        }
        return List.copyOf(out);
    }

    /** Lower-case command names, {@code container|subcommand} allowed; empty text gives an empty list. */
    static Object commandList(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String c = part.trim().toLowerCase(Locale.ROOT);
            if (c.isEmpty()) {
                continue;
            }
            if (!c.matches("[a-z0-9_\\-]+(\\|[a-z0-9_\\-]+)?")) {
                throw new IllegalArgumentException("must be a comma-separated list of command names such as "
                        + "'monitor' or 'config|set'");
            }
            out.add(c);
        }
        return List.copyOf(out);
    }
}
