package io.redissidecar.proxy.acl;

import io.netty.buffer.ByteBuf;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.Glob;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * One ACL user as the proxy enforces it, compiled against a command table: its commands as a bitset over
 * {@link CommandInfo#index()}, its key patterns with their read/write permissions, its channel patterns, its
 * password hashes (SHA-256, as Redis keeps them). Immutable; a user with every permission is {@link #unrestricted()}
 * and costs the request path one boolean test.
 */
public final class AclUser {
    /** A key pattern: {@code ~pat} (read and write), {@code %R~pat}, {@code %W~pat}. */
    record KeyPattern(byte[] pattern, int permissions) {
    }

    private final String name;
    private final boolean enabled;
    private final boolean nopass;
    private final Set<String> passwordHashes;
    private final boolean allCommands;
    private final long[] commands;
    private final boolean allKeys;
    private final KeyPattern[] keys;
    private final boolean allChannels;
    private final byte[][] channels;
    private final boolean unrestricted;

    AclUser(String name, boolean enabled, boolean nopass, Set<String> passwordHashes,
            boolean allCommands, long[] commands, boolean allKeys, List<KeyPattern> keys, boolean allChannels,
            List<byte[]> channels) {
        this.name = name;
        this.enabled = enabled;
        this.nopass = nopass;
        this.passwordHashes = Set.copyOf(passwordHashes);
        this.allCommands = allCommands;
        this.commands = commands;
        this.allKeys = allKeys;
        this.keys = keys.toArray(new KeyPattern[0]);
        this.allChannels = allChannels;
        this.channels = channels.toArray(new byte[0][]);
        this.unrestricted = allCommands && allKeys && allChannels;
    }

    public String name() {
        return name;
    }

    public boolean enabled() {
        return enabled;
    }

    public boolean nopass() {
        return nopass;
    }

    /** Every command, key and channel: nothing to check per request. */
    public boolean unrestricted() {
        return unrestricted;
    }

    /** Whether {@code password} logs this user in ({@code on}, and {@code nopass} or one of its passwords). */
    public boolean accepts(byte[] password) {
        if (!enabled) {
            return false;
        }
        return nopass || password != null && acceptsHash(sha256Hex(password));
    }

    /** Whether the password with this SHA-256 (hex) is one of the user's; compared without early exit. */
    boolean acceptsHash(String hash) {
        byte[] h = hash.getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String p : passwordHashes) {
            ok |= MessageDigest.isEqual(p.getBytes(StandardCharsets.US_ASCII), h);
        }
        return ok;
    }

    /**
     * Whether a client logged in with a password of this SHA-256 ({@code null}: none, through {@code nopass}) would
     * still be let in.
     */
    public boolean stillAccepts(String passwordHash) {
        return enabled && (nopass || passwordHash != null && acceptsHash(passwordHash));
    }

    /** Whether {@code other} grants exactly the commands, keys and channels this user does. */
    public boolean samePermissions(AclUser other) {
        if (allCommands != other.allCommands || !java.util.Arrays.equals(commands, other.commands)
                || allKeys != other.allKeys || allChannels != other.allChannels
                || keys.length != other.keys.length || channels.length != other.channels.length) {
            return false;
        }
        for (int i = 0; i < keys.length; i++) {
            if (keys[i].permissions() != other.keys[i].permissions()
                    || !java.util.Arrays.equals(keys[i].pattern(), other.keys[i].pattern())) {
                return false;
            }
        }
        for (int i = 0; i < channels.length; i++) {
            if (!java.util.Arrays.equals(channels[i], other.channels[i])) {
                return false;
            }
        }
        return true;
    }

    public boolean mayRun(CommandInfo cmd) {
        if (allCommands || cmd.has(CommandInfo.NO_AUTH)) {
            return true; // AUTH, HELLO, QUIT, RESET: Redis never checks them against the user's commands
        }
        int i = cmd.index();
        return i >> 6 < commands.length && (commands[i >> 6] & 1L << i) != 0;
    }

    boolean allKeys() {
        return allKeys;
    }

    boolean allChannels() {
        return allChannels;
    }

    /** Whether a key ({@code len} bytes at {@code off}) used with these {@code KeySpec.ACL_*} needs may be used. */
    boolean mayUseKey(ByteBuf buf, int off, int len, int needs) {
        if (allKeys) {
            return true;
        }
        for (KeyPattern p : keys) {
            if ((p.permissions() & needs) == needs && Glob.matches(p.pattern(), buf, off, len, false)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a channel may be used; a PSUBSCRIBE pattern ({@code literal}) must equal one of the patterns. */
    boolean mayUseChannel(ByteBuf buf, int off, int len, boolean literal) {
        if (allChannels) {
            return true;
        }
        for (byte[] p : channels) {
            if (literal ? same(p, buf, off, len) : Glob.matches(p, buf, off, len, false)) {
                return true;
            }
        }
        return false;
    }

    private static boolean same(byte[] p, ByteBuf buf, int off, int len) {
        if (p.length != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (p[i] != buf.getByte(off + i)) {
                return false;
            }
        }
        return true;
    }

    /** SHA-256 of {@code password}, in lower-case hex, as Redis keeps passwords. */
    public static String sha256Hex(byte[] password) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(password));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "user " + name;
    }
}
