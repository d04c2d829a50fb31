package io.redissidecar.proxy.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.proxy.commands.CommandTable;
import io.redissidecar.proxy.testing.FramedRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Redis's ACL rule syntax, applied left to right, and the checks a compiled user makes (no Redis needed). */
class AclRulesTest {
    private static final CommandTable TABLE = CommandTable.load(List.of());

    private static AclUser user(String rules) {
        return AclRules.user("u", Arrays.asList(rules.split(" ")), TABLE);
    }

    private static int check(AclUser u, String request) {
        try (FramedRequest r = FramedRequest.of(request)) {
            return new AclCheck().check(u, r.lookup(TABLE), r.framer());
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void newUserIsOffWithNothingAndDefaultUserHasEverything() {
        AclUser u = AclRules.user("u", List.of(), TABLE);
        assertFalse(u.enabled());
        assertFalse(u.accepts(b("x")));
        assertEquals(AclCheck.DENIED_COMMAND, check(u, "GET a"));
        AclUser d = AclRules.defaultUser(null, TABLE);
        assertTrue(d.unrestricted() && d.nopass() && d.enabled());
        AclUser p = AclRules.defaultUser("pw", TABLE);
        assertTrue(p.accepts(b("pw")));
        assertFalse(p.accepts(b("other")));
    }

    @Test
    void passwordsAndHashes() {
        String hash = AclUser.sha256Hex(b("two"));
        AclUser u = user("on >one #" + hash + " >three <three");
        assertTrue(u.accepts(b("one")));
        assertTrue(u.accepts(b("two")));
        assertFalse(u.accepts(b("three")));
        assertFalse(user("on >one !" + AclUser.sha256Hex(b("one"))).accepts(b("one")));
        assertTrue(user("on >one nopass").accepts(b("anything")));
        assertFalse(user("on nopass resetpass").accepts(b("anything")));
        assertFalse(user("on >one off").accepts(b("one")));
        assertTrue(user("on >one").stillAccepts(AclUser.sha256Hex(b("one"))));
        assertFalse(user("on nopass").enabled() && !user("on nopass").stillAccepts(null));
    }

    @Test
    void errorsHaveRedisTextsAndNeverShowAPassword() {
        assertEquals("Error in ACL SETUSER modifier '<***': The password you are trying to remove from the user does "
                + "not exist", assertThrows(AclException.class, () -> user("<secret")).getMessage());
        assertEquals("Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and "
                + "contain only lowercase hexadecimal characters",
                assertThrows(AclException.class, () -> user("#abc")).getMessage());
        assertEquals("Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
                assertThrows(AclException.class, () -> user("+nosuch")).getMessage());
        assertEquals("Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL",
                assertThrows(AclException.class, () -> user("+@nosuch")).getMessage());
        assertEquals("Error in ACL SETUSER modifier '+config|nosuch': Unknown command or category name in ACL",
                assertThrows(AclException.class, () -> user("+config|nosuch")).getMessage());
        assertEquals("Error in ACL SETUSER modifier 'bogus': Syntax error",
                assertThrows(AclException.class, () -> user("bogus")).getMessage());
        assertTrue(assertThrows(AclException.class, () -> user("~* ~c")).getMessage()
                .contains("Adding a pattern after the * pattern (or the 'allkeys' flag)"));
        assertTrue(assertThrows(AclException.class, () -> user("(+get ~x)")).getMessage().contains("selectors"));
    }

    @Test
    void commandsSubcommandsAndCategoriesLeftToRight() {
        AclUser u = user("on +@all -@dangerous +config|get -get ~*");
        assertEquals(AclCheck.OK, check(u, "SET a b"));
        assertEquals(AclCheck.DENIED_COMMAND, check(u, "GET a"));
        assertEquals(AclCheck.DENIED_COMMAND, check(u, "KEYS *"));
        assertEquals(AclCheck.OK, check(u, "CONFIG GET maxmemory"));
        assertEquals(AclCheck.DENIED_COMMAND, check(u, "CONFIG SET maxmemory 1"));
        assertEquals(AclCheck.OK, check(u, "AUTH x"), "no_auth commands are never checked");
        assertEquals(AclCheck.OK, check(user("on nocommands"), "RESET"));
        assertEquals(AclCheck.DENIED_COMMAND, check(user("on +@all reset on"), "PING"));
        AclUser c = user("on +config -config|set");
        assertEquals(AclCheck.OK, check(c, "CONFIG GET x"), "a container gives its subcommands");
        assertEquals(AclCheck.DENIED_COMMAND, check(c, "CONFIG SET x y"));
        assertFalse(user("on +@all -get ~* &*").unrestricted());
        assertTrue(user("on allcommands allkeys allchannels").unrestricted());
    }

    @Test
    void keysByTheirSpecsReadAndWritePermissions() {
        AclUser u = user("on +@all ~cache:* %R~ro:* %W~wo:* %RW~rw:*");
        assertEquals(AclCheck.OK, check(u, "GET cache:1"));
        assertEquals(AclCheck.DENIED_KEY, check(u, "GET other"));
        assertEquals(AclCheck.OK, check(u, "GET ro:1"));
        assertEquals(AclCheck.DENIED_KEY, check(u, "SET ro:1 v"));
        assertEquals(AclCheck.OK, check(u, "SET wo:1 v"));
        assertEquals(AclCheck.DENIED_KEY, check(u, "SET wo:1 v GET"), "SET ... GET reads the key too");
        assertEquals(AclCheck.DENIED_KEY, check(u, "GET wo:1"));
        assertEquals(AclCheck.OK, check(u, "OBJECT ENCODING wo:1"), "a spec with neither access nor write flags");
        assertEquals(AclCheck.DENIED_KEY, check(u, "MGET cache:1 other"));
        assertEquals(AclCheck.OK, check(u, "ZUNIONSTORE wo:z 2 ro:a cache:b"));
        assertEquals(AclCheck.DENIED_KEY, check(u, "ZUNIONSTORE wo:z 2 ro:a wo:b"));
        assertEquals(AclCheck.OK, check(u, "EVAL return 2 rw:a cache:b"));
        assertEquals(AclCheck.DENIED_KEY, check(u, "EVAL return 2 ro:a cache:b"), "a script's keys are read-write");
        assertEquals(AclCheck.OK, check(u, "SORT ro:l LIMIT 0 1 BY nosort STORE wo:x"));
        assertEquals(AclCheck.DENIED_KEY, check(u, "SORT ro:l STORE ro:x"));
        assertEquals(AclCheck.OK, check(u, "LMOVE rw:a cache:b LEFT RIGHT"));
        assertEquals(AclCheck.OK, check(user("on +@all resetkeys ~a?[bc]\\*"), "GET axc*"));
        assertEquals(AclCheck.DENIED_KEY, check(user("on +@all resetkeys ~a?[bc]\\*"), "GET axd*"));
    }

    @Test
    void channelsAndLiteralPatterns() {
        AclUser u = user("on +@all ~* &chan:* &news");
        assertEquals(AclCheck.OK, check(u, "PUBLISH chan:1 m"));
        assertEquals(AclCheck.DENIED_CHANNEL, check(u, "PUBLISH other m"));
        assertEquals(AclCheck.OK, check(u, "SUBSCRIBE chan:1 news"));
        assertEquals(AclCheck.DENIED_CHANNEL, check(u, "SUBSCRIBE chan:1 other"));
        assertEquals(AclCheck.OK, check(u, "PSUBSCRIBE chan:*"), "a pattern must equal one of the user's");
        assertEquals(AclCheck.DENIED_CHANNEL, check(u, "PSUBSCRIBE chan:1*"));
        assertEquals(AclCheck.OK, check(u, "UNSUBSCRIBE other"), "unsubscribing is never checked");
        assertEquals(AclCheck.DENIED_CHANNEL, check(user("on +@all ~* resetchannels"), "SPUBLISH x m"));
    }

    @Test
    void usersFromLinesAndFileAndTheDefaultUser(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("users.acl");
        Files.writeString(file, "user bob on >b +@all ~*\n\nuser carol on nopass +get ~x\n");
        AclUsers users = AclUsers.load(List.of("user alice on >a +get ~*"), file.toString(), "client", TABLE);
        assertTrue(users.get("alice").accepts(b("a")));
        assertTrue(users.get("bob").accepts(b("b")));
        assertTrue(users.get("carol").accepts(b("zzz")));
        assertTrue(users.defaultUser().accepts(b("client")), "--client-password is the default user's password");
        assertTrue(users.authRequired());
        AclUsers withDefault = AclUsers.load(List.of("user default on nopass +@all ~* &*"), null, "client", TABLE);
        assertTrue(withDefault.defaultFromLine());
        assertFalse(withDefault.authRequired(), "a default line wins over --client-password");
        assertTrue(assertThrows(AclException.class, () -> AclUsers.load(List.of("user a on", "user a off"), null,
                null, TABLE)).getMessage().contains("Duplicate user 'a'"));
        assertTrue(assertThrows(AclException.class, () -> AclUsers.load(List.of("alice on"), null, null, TABLE))
                .getMessage().contains("should start with user keyword"));
        assertTrue(assertThrows(AclException.class, () -> AclUsers.load(List.of(), dir.resolve("none").toString(),
                null, TABLE)).getMessage().contains("cannot read the ACL file"));
    }
}
