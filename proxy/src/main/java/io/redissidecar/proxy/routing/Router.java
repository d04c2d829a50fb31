package io.redissidecar.proxy.routing;

import io.redissidecar.proxy.codec.RequestFramer;
import io.redissidecar.proxy.commands.CommandInfo;
import io.redissidecar.proxy.commands.Handling;

/**
 * The one place that decides where a request goes, from the command's handling and the client's connection state.
 * Stateless; the session applies the state changes that follow (MULTI, WATCH, pass-through).
 */
public final class Router {
    private static final byte[] BLOCK = "block".getBytes();
    private static final byte[] STREAMS = "streams".getBytes();

    private Router() {
    }

    /** The client's per-connection state that routing depends on. */
    public interface State {
        boolean inMulti();

        boolean watching();

        boolean passthrough();
    }

    /**
     * @param cmd the command (the subcommand for containers), or null when Redis itself should answer the request
     *            with an error (unknown command or subcommand, wrong number of arguments)
     */
    public static Route route(CommandInfo cmd, RequestFramer req, State s) {
        boolean pinned = s.inMulti() || s.watching();
        if (cmd == null) {
            return s.passthrough() ? Route.PASSTHROUGH : pinned ? Route.PRIVATE : Route.SHARED;
        }
        Handling h = cmd.handling();
        if (h == Handling.DENIED) {
            return Route.DENIED;
        }
        if (h == Handling.UNSUPPORTED) {
            return Route.UNSUPPORTED;
        }
        if (s.passthrough()) {
            // the private connection is the client's own connection now; only what would break the proxy stays local
            String n = cmd.name();
            return n.equals("hello") || n.equals("auth") ? Route.LOCAL : Route.PASSTHROUGH;
        }
        switch (h) {
            case EMULATED -> {
                if (!s.inMulti()) {
                    return Route.LOCAL;
                }
                String n = cmd.name();
                if (n.equals("quit") || n.equals("reset")) {
                    return Route.LOCAL;
                }
                return n.startsWith("client|") ? Route.PRIVATE : Route.NOT_IN_MULTI;
            }
            case TRANSACTION -> {
                String n = cmd.name();
                if (n.equals("multi") || n.equals("watch")) {
                    return Route.PRIVATE;
                }
                return pinned ? Route.PRIVATE : Route.SHARED;
            }
            case PUBSUB -> {
                return s.inMulti() ? Route.PRIVATE : Route.PASSTHROUGH;
            }
            case BLOCKING -> {
                if (pinned) {
                    return Route.PRIVATE;
                }
                if ((cmd.name().equals("xread") || cmd.name().equals("xreadgroup")) && !hasBlockOption(req)) {
                    return Route.SHARED;
                }
                return Route.PRIVATE;
            }
            default -> {
                return pinned ? Route.PRIVATE : Route.SHARED;
            }
        }
    }

    /** XREAD/XREADGROUP block only when BLOCK comes before STREAMS. */
    private static boolean hasBlockOption(RequestFramer req) {
        for (int i = 1; i < req.argc(); i++) {
            if (req.argEqualsIgnoreCase(i, STREAMS)) {
                return false;
            }
            if (req.argEqualsIgnoreCase(i, BLOCK)) {
                return true;
            }
        }
        return false;
    }
}
