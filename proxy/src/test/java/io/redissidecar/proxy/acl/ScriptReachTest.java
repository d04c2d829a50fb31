package io.redissidecar.proxy.acl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.Options;
import io.redissidecar.proxy.commands.CommandTable;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which proxy users' scripts could do, as the backend user, what the proxy denies them. */
class ScriptReachTest {
    private static final CommandTable TABLE = CommandTable.load(Arrays.asList(Options.DEFAULT_DENY.split(",")));

    @Test
    void warnsOfScriptingUsersOnly() {
        AclUsers users = AclUsers.load(List.of("user app on >a ~app:* +@all -@dangerous",
                "user noscript on >n ~* +@all -@dangerous -@scripting", "user all on >x ~* &* +@all"), null, null,
                TABLE);
        List<String> w = ScriptReach.warnings(users, "proxy", "+@all", true, TABLE);
        assertEquals(3, w.size(), w.toString()); // app, all (the deny list), default (the deny list)
        String app = w.stream().filter(s -> s.startsWith("proxy user 'app'")).findFirst().orElseThrow();
        assertTrue(app.contains("flushall") && app.contains("on any key") && app.contains("-@scripting"), app);
        assertTrue(w.stream().noneMatch(s -> s.contains("'noscript'")));
        // a backend user with only what the applications need: nothing to say of 'app' but its keys
        List<String> narrow = ScriptReach.warnings(users, "proxy", "-@all +@read +@write +@scripting -@dangerous",
                false, TABLE);
        assertTrue(narrow.stream().noneMatch(s -> s.startsWith("proxy user 'app'")), narrow.toString());
    }
}
