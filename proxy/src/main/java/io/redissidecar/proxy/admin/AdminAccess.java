package io.redissidecar.proxy.admin;

import java.net.InetAddress;
import java.util.function.Predicate;

/**
 * Who may call which admin endpoint. The probes ({@code /health/live}, {@code /health/ready}) and {@code /metrics}
 * are open to every caller. Everything under {@code /admin/} (today {@code POST /admin/switchover}) changes the
 * system: with a token file it needs {@code Authorization: Bearer <token>} from every caller, loopback included;
 * without one it is served to loopback callers only (a process in the same host, container or pod), and refused to
 * any other.
 */
public final class AdminAccess {
    private AdminAccess() {
    }

    /** The answer to one request. */
    public enum Verdict {
        /** Serve it. */
        ALLOW,
        /** 401 with {@code WWW-Authenticate: Bearer}: a token is set and the request does not carry it. */
        UNAUTHORIZED,
        /** 403: no token is set and the caller is not on a loopback address. */
        FORBIDDEN
    }

    /** Whether {@code path} (without its query) is one of the endpoints that change the system. */
    public static boolean protectedPath(String path) {
        return path.equals("/admin") || path.startsWith("/admin/");
    }

    /**
     * @param path          the request's path, without its query
     * @param peer          the caller's address
     * @param authorization the request's {@code Authorization} header, or null
     * @param token         checks a presented token against the token file's; null when there is no token file
     */
    public static Verdict decide(String path, InetAddress peer, String authorization, Predicate<String> token) {
        if (!protectedPath(path)) {
            return Verdict.ALLOW;
        }
        if (token == null) {
            return peer != null && peer.isLoopbackAddress() ? Verdict.ALLOW : Verdict.FORBIDDEN;
        }
        String presented = bearer(authorization);
        return presented != null && token.test(presented) ? Verdict.ALLOW : Verdict.UNAUTHORIZED;
    }

    /** The token of an {@code Authorization: Bearer <token>} header (scheme case-insensitive), or null. */
    static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        String a = authorization.trim();
        if (a.length() < 7 || !a.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String t = a.substring(7).trim();
        return t.isEmpty() ? null : t;
    }
}
