package io.redissidecar.proxy.acl;

import io.redissidecar.proxy.commands.AclCategories;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.commands.KeySpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Redis's ACL rule syntax ({@code ACL SETUSER}, ACL files), applied left to right to a new user as Redis applies
 * them: {@code on}/{@code off}, {@code >pw}, {@code <pw}, {@code #hash}, {@code !hash}, {@code nopass},
 * {@code resetpass}, {@code ~pat}, {@code %R~pat}, {@code %W~pat}, {@code %RW~pat}, {@code allkeys},
 * {@code resetkeys}, {@code &pat}, {@code allchannels}, {@code resetchannels}, {@code +cmd}, {@code -cmd},
 * {@code +cmd|sub}, {@code -cmd|sub}, {@code +@cat}, {@code -@cat}, {@code allcommands}, {@code nocommands},
 * {@code reset}. A new user starts as Redis 7.0 starts one: off, no password, no command, key or channel
 * ({@code acl-pubsub-default resetchannels}). Selectors ({@code (...)}) are not supported.
 */
public final class AclRules {
    private static final String ALL_KEYS_AFTER = "Adding a pattern after the * pattern (or the 'allkeys' flag) is not "
            + "valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    private static final String ALL_CHANNELS_AFTER = "Adding a pattern after the * pattern (or the 'allchannels' "
            + "flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of "
            + "channels";

    private final CommandTable table;
    private final String name;
    private boolean enabled;
    private boolean nopass;
    private final Set<String> passwords = new LinkedHashSet<>();
    private boolean allCommands;
    private long[] commands;
    private boolean allKeys;
    private final List<AclUser.KeyPattern> keys = new ArrayList<>();
    private boolean allChannels;
    private final List<byte[]> channels = new ArrayList<>();

    private AclRules(String name, CommandTable table) {
        this.name = name;
        this.table = table;
        this.commands = new long[words()];
    }

    private static int words() {
        int n = 1;
        while (CommandInfo.nameOf(n) != null) {
            n++;
        }
        return (n >> 6) + 2;
    }

    /** The user {@code name} made by applying {@code rules} in order to a new user. */
    public static AclUser user(String name, List<String> rules, CommandTable table) {
        AclRules r = new AclRules(name, table);
        for (String rule : rules) {
            r.apply(rule);
        }
        return r.build();
    }

    /** The user Redis has when nothing else is said: {@code on nopass ~* &* +@all}, or with {@code >password}. */
    public static AclUser defaultUser(String password, CommandTable table) {
        return user("default", List.of("on", password == null ? "nopass" : ">" + password, "~*", "&*", "+@all"),
                table);
    }

    private AclUser build() {
        return new AclUser(name, enabled, nopass, passwords, allCommands, commands.clone(), allKeys, keys,
                allChannels, channels);
    }

    private void apply(String rule) {
        String lower = rule.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "on" -> enabled = true;
            case "off" -> enabled = false;
            case "nopass" -> {
                nopass = true;
                passwords.clear();
            }
            case "resetpass" -> {
                nopass = false;
                passwords.clear();
            }
            case "allkeys", "~*" -> {
                allKeys = true;
                keys.clear();
            }
            case "resetkeys" -> {
                allKeys = false;
                keys.clear();
            }
            case "allchannels", "&*" -> {
                allChannels = true;
                channels.clear();
            }
            case "resetchannels" -> {
                allChannels = false;
                channels.clear();
            }
            case "allcommands", "+@all" -> {
                allCommands = true;
                java.util.Arrays.fill(commands, -1L);
            }
            case "nocommands", "-@all" -> {
                allCommands = false;
                java.util.Arrays.fill(commands, 0L);
            }
            case "reset" -> {
                apply("resetpass");
                apply("resetkeys");
                apply("resetchannels");
                apply("off");
                apply("-@all");
            }
            case "sanitize-payload", "skip-sanitize-payload", "clearselectors" -> {
                // no effect through the proxy (Redis checks payloads; the proxy supports no selectors)
            }
            default -> applyWithOperand(rule, lower);
        }
    }

    private void applyWithOperand(String rule, String lower) {
        if (rule.isEmpty()) {
            throw error(rule, "Syntax error");
        }
        char c = rule.charAt(0);
        switch (c) {
            case '>' -> {
                passwords.add(AclUser.sha256Hex(rule.substring(1).getBytes(StandardCharsets.UTF_8)));
                nopass = false;
            }
            case '#' -> {
                String hash = rule.substring(1);
                if (!hash.matches("[0-9a-f]{64}")) {
                    throw error(rule, "The password hash must be exactly 64 characters and contain only lowercase "
                            + "hexadecimal characters");
                }
                passwords.add(hash);
                nopass = false;
            }
            case '<' -> {
                if (!passwords.remove(AclUser.sha256Hex(rule.substring(1).getBytes(StandardCharsets.UTF_8)))) {
                    throw error(rule, "The password you are trying to remove from the user does not exist");
                }
            }
            case '!' -> {
                String hash = rule.substring(1);
                if (!hash.matches("[0-9a-f]{64}")) {
                    throw error(rule, "The password hash must be exactly 64 characters and contain only lowercase "
                            + "hexadecimal characters");
                }
                if (!passwords.remove(hash)) {
                    throw error(rule, "The password you are trying to remove from the user does not exist");
                }
            }
            case '~', '%' -> keyPattern(rule);
            case '&' -> {
                if (allChannels) {
                    throw error(rule, ALL_CHANNELS_AFTER);
                }
                channels.add(rule.substring(1).getBytes(StandardCharsets.UTF_8));
            }
            case '+', '-' -> commandRule(rule, lower.substring(1), c == '+');
            case '(' -> throw error(rule, "selectors are not supported by redis-sidecar");
            default -> throw error(rule, "Syntax error");
        }
    }

    private void keyPattern(String rule) {
        int perms = KeySpec.ACL_READ | KeySpec.ACL_WRITE;
        int tilde = rule.indexOf('~');
        if (rule.charAt(0) == '%') {
            perms = 0;
            for (int i = 1; i < rule.length() && rule.charAt(i) != '~'; i++) {
                char p = Character.toUpperCase(rule.charAt(i));
                if (p == 'R') {
                    perms |= KeySpec.ACL_READ;
                } else if (p == 'W') {
                    perms |= KeySpec.ACL_WRITE;
                } else {
                    throw error(rule, "Syntax error");
                }
            }
            if (tilde < 0 || perms == 0) {
                throw error(rule, "Syntax error");
            }
        }
        String pattern = rule.substring(tilde + 1);
        if (allKeys) {
            throw error(rule, ALL_KEYS_AFTER);
        }
        if (pattern.equals("*") && perms == (KeySpec.ACL_READ | KeySpec.ACL_WRITE)) {
            allKeys = true;
            keys.clear();
            return;
        }
        keys.add(new AclUser.KeyPattern(pattern.getBytes(StandardCharsets.UTF_8), perms));
    }

    private void commandRule(String rule, String what, boolean allow) {
        if (what.startsWith("@")) {
            String category = what.substring(1);
            if (category.equals("all")) {
                apply(allow ? "+@all" : "-@all");
                return;
            }
            int bit = AclCategories.bit(category);
            if (bit == 0) {
                throw error(rule, "Unknown command or category name in ACL");
            }
            for (CommandInfo cmd : table.all()) {
                if ((cmd.aclCategories() & bit) != 0) {
                    change(cmd, allow);
                }
                if (cmd.subcommands() != null) {
                    for (CommandInfo sub : cmd.subcommands().all()) {
                        if ((sub.aclCategories() & bit) != 0) {
                            change(sub, allow);
                        }
                    }
                }
            }
            return;
        }
        CommandInfo cmd = table.get(what);
        if (cmd == null || what.indexOf('|') > 0 && table.get(what.substring(0, what.indexOf('|'))) == null) {
            throw error(rule, "Unknown command or category name in ACL");
        }
        change(cmd, allow);
    }

    /** Allows or denies {@code cmd} and, for a container, every one of its subcommands (as Redis does). */
    private void change(CommandInfo cmd, boolean allow) {
        bit(cmd.index(), allow);
        if (cmd.subcommands() != null) {
            for (CommandInfo sub : cmd.subcommands().all()) {
                bit(sub.index(), allow);
            }
        }
    }

    private void bit(int i, boolean allow) {
        if (i >> 6 >= commands.length) {
            commands = java.util.Arrays.copyOf(commands, (i >> 6) + 1);
        }
        if (allow) {
            commands[i >> 6] |= 1L << i;
        } else {
            commands[i >> 6] &= ~(1L << i);
            allCommands = false;
        }
    }

    private static AclException error(String rule, String why) {
        String shown = rule.startsWith(">") || rule.startsWith("<") ? rule.charAt(0) + "***" : rule; // never a password
        return new AclException("Error in ACL SETUSER modifier '" + shown + "': " + why);
    }
}
