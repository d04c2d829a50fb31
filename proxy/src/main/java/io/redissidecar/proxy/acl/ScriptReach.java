package io.redissidecar.proxy.acl;

import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.commands.Handling;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * What a script may do inside Redis that the proxy cannot see: a script (EVAL, EVALSHA, FCALL and their _RO forms)
 * runs its commands as the proxy's own backend user, on keys the proxy never reads. Given that backend user's rules
 * ({@code ACL GETUSER}'s {@code commands} field), it lists, for each proxy user that may run scripts, the commands
 * the backend user may run although the proxy denies them to that user (its rules or the deny list), and whether the
 * user's key patterns could be bypassed. Control plane only; nothing here runs per request.
 */
public final class ScriptReach {
    static final List<String> SCRIPTS = List.of("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro");
    private static final int EXAMPLES = 6;

    private ScriptReach() {
    }

    /**
     * One warning per proxy user whose scripts reach further than the proxy lets it; empty when none does.
     *
     * @param backendUser the backend user's name (for the text)
     * @param backendCommands the {@code commands} field of its {@code ACL GETUSER} (e.g. {@code +@all -@dangerous})
     * @param backendAllKeys whether it may use every key ({@code ~*})
     */
    public static List<String> warnings(AclUsers users, String backendUser, String backendCommands,
                                        boolean backendAllKeys, CommandTable table) {
        List<String> rules = new ArrayList<>(List.of("on"));
        rules.addAll(Arrays.asList(backendCommands.trim().split(" +")));
        AclUser backend = AclRules.user(backendUser, rules, table);
        List<String> out = new ArrayList<>();
        for (AclUser u : users.all()) {
            String script = null;
            for (String s : SCRIPTS) {
                CommandInfo c = table.get(s);
                if (c != null && u.enabled() && u.mayRun(c)) {
                    script = s;
                    break;
                }
            }
            if (script == null) {
                continue;
            }
            // top-level commands first (FLUSHALL says more than CLUSTER ADDSLOTS), then subcommands
            TreeSet<String> beyond = new TreeSet<>(java.util.Comparator.comparing((String n) -> n.contains("|"))
                    .thenComparing(n -> n));
            for (CommandInfo c : table.all()) {
                collect(c, u, backend, beyond);
                if (c.subcommands() != null) {
                    for (CommandInfo sub : c.subcommands().all()) {
                        collect(sub, u, backend, beyond);
                    }
                }
            }
            boolean keys = !u.allKeys() && backendAllKeys;
            if (beyond.isEmpty() && !keys) {
                continue;
            }
            List<String> examples = new ArrayList<>(beyond).subList(0, Math.min(EXAMPLES, beyond.size()));
            out.add("proxy user '" + u.name() + "' may run scripts (" + script + "), which run as the backend user '"
                    + backendUser + "'"
                    + (beyond.isEmpty() ? "" : ", who may run " + beyond.size() + " commands the proxy denies to '"
                    + u.name() + "' (" + String.join(", ", examples) + (beyond.size() > EXAMPLES ? ", ..." : "")
                    + ")")
                    + (keys ? (beyond.isEmpty() ? "" : ",") + " on any key ('" + u.name() + "' has key patterns)" : "")
                    + ": a script can do that; give the backend user only what the applications need, or deny "
                    + "scripting to '" + u.name() + "' (-@scripting)");
        }
        return out;
    }

    private static void collect(CommandInfo c, AclUser u, AclUser backend, TreeSet<String> beyond) {
        if (c.subcommands() != null) {
            return; // a container runs nothing itself: its subcommands are looked at (MODULE LOAD is noscript)
        }
        if (backend.mayRun(c) && !c.has(CommandInfo.NOSCRIPT) && (c.handling() == Handling.DENIED || !u.mayRun(c))) {
            beyond.add(c.name());
        }
    }
}
