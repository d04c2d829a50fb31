package io.redissidecar.proxy.logging;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A strict reader for what {@link JsonLayout} writes: one JSON object whose values are all strings, in field order.
 * Anything else (a raw control character in a string, an unknown escape, a repeated key, trailing text) fails.
 */
final class FlatJson {
    private final String s;
    private int i;

    private FlatJson(String s) {
        this.s = s;
    }

    static Map<String, String> parse(String line) {
        FlatJson p = new FlatJson(line);
        Map<String, String> fields = new LinkedHashMap<>();
        p.expect('{');
        if (p.peek() != '}') {
            do {
                String key = p.string();
                p.expect(':');
                if (fields.put(key, p.string()) != null) {
                    throw new IllegalArgumentException("repeated key " + key + " in " + line);
                }
            } while (p.accept(','));
        }
        p.expect('}');
        if (p.i != line.length()) {
            throw new IllegalArgumentException("text after the object at " + p.i + " in " + line);
        }
        return fields;
    }

    private char peek() {
        if (i >= s.length()) {
            throw new IllegalArgumentException("unexpected end of " + s);
        }
        return s.charAt(i);
    }

    private boolean accept(char c) {
        if (i < s.length() && s.charAt(i) == c) {
            i++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!accept(c)) {
            throw new IllegalArgumentException("expected '" + c + "' at " + i + " in " + s);
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = peek();
            i++;
            if (c == '"') {
                return b.toString();
            }
            if (c < 0x20) {
                throw new IllegalArgumentException("raw control character at " + (i - 1) + " in " + s);
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            char e = peek();
            i++;
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    if (i + 4 > s.length()) {
                        throw new IllegalArgumentException("short \\u escape in " + s);
                    }
                    b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    i += 4;
                }
                default -> throw new IllegalArgumentException("bad escape \\" + e + " in " + s);
            }
        }
    }
}
