package io.redissidecar.proxy.commands;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a backend's {@code COMMAND} reply (as Lettuce parses it: nested lists of strings and numbers) into rows of the
 * command table's format ({@code name, arity, flags, acl_categories, key_specs}: see
 * {@code scripts/gen-command-table.py}, which writes the built-in table the same way), so that a newer server's
 * commands join the table and are routed by their key specs instead of being refused as unknown.
 */
public final class BackendCommands {
    private BackendCommands() {
    }

    /** The rows of every command and subcommand in {@code reply}; entries it cannot read are left out. */
    public static List<String[]> rows(List<?> reply) {
        List<String[]> out = new ArrayList<>();
        for (Object o : reply) {
            if (o instanceof List<?> entry) {
                addRows(entry, out);
            }
        }
        return out;
    }

    private static void addRows(List<?> e, List<String[]> out) {
        if (e.size() < 7 || !(e.get(0) instanceof String name) || !(e.get(1) instanceof Number arity)) {
            return;
        }
        List<String> specs = new ArrayList<>();
        if (e.size() > 8 && e.get(8) instanceof List<?> ks) {
            for (Object s : ks) {
                String spec = s instanceof List<?> l ? spec(l) : null;
                if (spec == null) {
                    return; // a key spec this version cannot read: the command stays unknown (refused)
                }
                specs.add(spec);
            }
        }
        out.add(new String[] {name.toLowerCase(Locale.ROOT), Long.toString(arity.longValue()), words(e.get(2), ""),
            words(e.get(6), "@"), specs.isEmpty() ? "-" : String.join(";", specs)});
        if (e.size() > 9 && e.get(9) instanceof List<?> subs) {
            for (Object s : subs) {
                if (s instanceof List<?> sub) {
                    addRows(sub, out);
                }
            }
        }
    }

    private static String words(Object list, String strip) {
        if (!(list instanceof List<?> l)) {
            return "";
        }
        List<String> w = new ArrayList<>();
        for (Object o : l) {
            String s = String.valueOf(o).toLowerCase(Locale.ROOT);
            w.add(s.startsWith(strip) ? s.substring(strip.length()) : s);
        }
        return String.join(",", w);
    }

    /** {@code flags/begin_search/find_keys}, e.g. {@code rw,access/index:1/range:0,1,0}; null if unreadable. */
    private static String spec(List<?> flat) {
        Map<String, Object> m = pairs(flat);
        String flags = words(m.get("flags"), "");
        Map<String, Object> bs = pairs(m.get("begin_search"));
        Map<String, Object> fk = pairs(m.get("find_keys"));
        Map<String, Object> bsSpec = pairs(bs.get("spec"));
        Map<String, Object> fkSpec = pairs(fk.get("spec"));
        try {
            String begin = switch (String.valueOf(bs.get("type"))) {
                case "index" -> "index:" + num(bsSpec, "index");
                case "keyword" -> "keyword:" + bsSpec.get("keyword") + "," + num(bsSpec, "startfrom");
                default -> "unknown";
            };
            String find = switch (String.valueOf(fk.get("type"))) {
                case "range" -> "range:" + num(fkSpec, "lastkey") + "," + num(fkSpec, "keystep") + ","
                        + num(fkSpec, "limit");
                case "keynum" -> "keynum:" + num(fkSpec, "keynumidx") + "," + num(fkSpec, "firstkey") + ","
                        + num(fkSpec, "keystep");
                default -> "unknown";
            };
            return flags + "/" + begin + "/" + find;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static long num(Map<String, Object> m, String key) {
        Object o = m.get(key);
        return o instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(o));
    }

    private static Map<String, Object> pairs(Object list) {
        Map<String, Object> m = new HashMap<>();
        if (list instanceof List<?> l) {
            for (int i = 0; i + 1 < l.size(); i += 2) {
                m.put(String.valueOf(l.get(i)), l.get(i + 1));
            }
        }
        return m;
    }
}
