package io.redissidecar.proxy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.redissidecar.proxy.admin.AdminAccess.Verdict;
import java.net.InetAddress;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Who may call which admin endpoint, with and without a token file. */
class AdminAccessTest {
    private static final Predicate<String> TOKEN = "s3cret"::equals;

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // a literal: no lookup
    }

    @Test
    void probesAndMetricsAreOpenToEveryCaller() throws Exception {
        for (String path : new String[] {"/health/live", "/health/ready", "/metrics", "/nothing", "/administer"}) {
            assertEquals(Verdict.ALLOW, AdminAccess.decide(path, ip("10.1.2.3"), null, TOKEN), path);
            assertEquals(Verdict.ALLOW, AdminAccess.decide(path, ip("10.1.2.3"), null, null), path);
        }
    }

    @Test
    void withoutATokenFileAdminIsForLoopbackOnly() throws Exception {
        assertEquals(Verdict.ALLOW, AdminAccess.decide("/admin/switchover", ip("127.0.0.1"), null, null));
        assertEquals(Verdict.ALLOW, AdminAccess.decide("/admin/switchover", ip("127.0.0.2"), null, null));
        assertEquals(Verdict.ALLOW, AdminAccess.decide("/admin/switchover", ip("::1"), null, null));
        assertEquals(Verdict.FORBIDDEN, AdminAccess.decide("/admin/switchover", ip("10.1.2.3"), null, null));
        assertEquals(Verdict.FORBIDDEN, AdminAccess.decide("/admin/switchover", ip("0.0.0.0"), null, null));
        assertEquals(Verdict.FORBIDDEN, AdminAccess.decide("/admin", ip("192.168.0.9"), "Bearer x", null));
        assertEquals(Verdict.FORBIDDEN, AdminAccess.decide("/admin/switchover", null, null, null));
    }

    @Test
    void withATokenFileEveryCallerNeedsTheToken() throws Exception {
        for (String peer : new String[] {"127.0.0.1", "10.1.2.3"}) {
            assertEquals(Verdict.UNAUTHORIZED, AdminAccess.decide("/admin/switchover", ip(peer), null, TOKEN));
            assertEquals(Verdict.UNAUTHORIZED, AdminAccess.decide("/admin/switchover", ip(peer), "Bearer wrong",
                    TOKEN));
            assertEquals(Verdict.UNAUTHORIZED, AdminAccess.decide("/admin/switchover", ip(peer), "Basic s3cret",
                    TOKEN));
            assertEquals(Verdict.UNAUTHORIZED, AdminAccess.decide("/admin/switchover", ip(peer), "s3cret", TOKEN));
            assertEquals(Verdict.ALLOW, AdminAccess.decide("/admin/switchover", ip(peer), "Bearer s3cret", TOKEN));
            assertEquals(Verdict.ALLOW, AdminAccess.decide("/admin/switchover", ip(peer), "bearer  s3cret ", TOKEN));
        }
    }

    @Test
    void bearerParsing() {
        assertNull(AdminAccess.bearer(null));
        assertNull(AdminAccess.bearer("Bearer "));
        assertNull(AdminAccess.bearer("Bearer"));
        assertNull(AdminAccess.bearer("Bearerx abc"));
        assertEquals("abc", AdminAccess.bearer("BEARER abc"));
    }

    /** An attacker's review: a percent-encoded newline in a refused path forged a log line. */
    @Test
    void refusedPathsAreLoggedWithoutControlCharacters() {
        assertEquals("/admin/x\\x0a[main] INFO forged", AdminHandler.printable("/admin/x\n[main] INFO forged"));
        assertEquals(200, AdminHandler.printable("/" + "a".repeat(10_000)).length());
    }
}
