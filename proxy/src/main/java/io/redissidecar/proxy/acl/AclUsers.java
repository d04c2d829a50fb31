package io.redissidecar.proxy.acl;

import io.redissidecar.proxy.commands.CommandTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The proxy's users: those of the {@code users} option and of the {@code --aclfile} (Redis's ACL file format, one
 * {@code user <name> <rules...>} per line), and the {@code default} user. Without a {@code default} line the default
 * user is Redis's: {@code on nopass ~* &* +@all}, with {@code >client-password} instead of {@code nopass} when
 * {@code --client-password} is set (as {@code requirepass} sets it in Redis); a {@code default} line, when there is
 * one, wins over {@code --client-password}. Immutable; compiled against one command table ({@link #with}).
 */
public final class AclUsers {
    /** A user line and where it came from, for error messages. */
    private record Line(String text, String source) {
    }

    private final List<Line> lines;
    private final String clientPassword;
    private final Map<String, AclUser> users;
    private final AclUser defaultUser;
    private final boolean defaultLine;

    private AclUsers(List<Line> lines, String clientPassword, CommandTable table) {
        this.lines = lines;
        this.clientPassword = clientPassword;
        Map<String, AclUser> m = new LinkedHashMap<>();
        for (Line l : lines) {
            String[] words = l.text().trim().split("[ \t]+");
            if (!words[0].equals("user") || words.length < 2) {
                throw new AclException(l.source() + ": should start with user keyword: '" + l.text() + "'");
            }
            if (m.containsKey(words[1])) {
                throw new AclException(l.source() + ": Duplicate user '" + words[1] + "' found");
            }
            try {
                m.put(words[1], AclRules.user(words[1], Arrays.asList(words).subList(2, words.length), table));
            } catch (AclException e) {
                throw new AclException(l.source() + ": " + e.getMessage());
            }
        }
        this.defaultLine = m.containsKey("default");
        if (!defaultLine) {
            m.put("default", AclRules.defaultUser(clientPassword, table));
        }
        this.users = Collections.unmodifiableMap(m);
        this.defaultUser = m.get("default");
    }

    /**
     * The users of {@code userLines} (the {@code users} option) and of {@code aclFile} (read now; null: none), with
     * {@code clientPassword} for a default user that no line names.
     */
    public static AclUsers load(List<String> userLines, String aclFile, String clientPassword, CommandTable table) {
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < userLines.size(); i++) {
            lines.add(new Line(userLines.get(i), "users entry " + (i + 1)));
        }
        if (aclFile != null) {
            List<String> file;
            try {
                file = Files.readAllLines(Path.of(aclFile), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AclException("cannot read the ACL file " + aclFile + ": " + e);
            }
            for (int i = 0; i < file.size(); i++) {
                if (!file.get(i).isBlank()) {
                    lines.add(new Line(file.get(i), aclFile + ":" + (i + 1)));
                }
            }
        }
        return new AclUsers(lines, clientPassword, table);
    }

    /** The same users compiled against {@code table} (a table that the master's COMMAND reply extended). */
    public AclUsers with(CommandTable table) {
        return new AclUsers(lines, clientPassword, table);
    }

    /** The user called {@code name}, or null. */
    public AclUser get(String name) {
        return users.get(name);
    }

    public AclUser defaultUser() {
        return defaultUser;
    }

    /** Whether a {@code default} line overrides {@code --client-password}. */
    public boolean defaultFromLine() {
        return defaultLine;
    }

    /** Whether a new client starts logged in (as {@code default}: on, nopass), or must AUTH first. */
    public boolean authRequired() {
        return !(defaultUser.enabled() && defaultUser.nopass());
    }

    public java.util.Collection<AclUser> all() {
        return users.values();
    }
}
