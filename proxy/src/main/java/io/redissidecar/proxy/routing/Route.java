package io.redissidecar.proxy.routing;

/** Where one request goes; decided by {@link Router}, carried out by the client session. */
public enum Route {
    /** The client's shared (multiplexed) connection to the master. */
    SHARED,
    /** The client's private connection, replies in FIFO order (transactions, WATCH, blocking commands). */
    PRIVATE,
    /** The client's private connection in pub/sub pass-through mode. */
    PASSTHROUGH,
    /** A connection of its own, opened for this request (SCRIPT KILL, FUNCTION KILL, SHUTDOWN). */
    SIDE,
    /** Answered by the proxy (emulated connection state). */
    LOCAL,
    /** Refused: on the deny list. */
    DENIED,
    /** Refused: cannot work through a multiplexing proxy. */
    UNSUPPORTED,
    /** Refused: not allowed inside MULTI by the proxy (the transaction is then aborted, as Redis would). */
    NOT_IN_MULTI,
    /** Cluster: keys in several slots, split into one request per key and merged (MGET, MSET, DEL, ...). */
    SPLIT,
    /** Cluster: sent to every master and merged (KEYS, DBSIZE, SCRIPT LOAD, ...); SCAN visits them one by one. */
    FAN_OUT,
    /** INFO: the proxy's own section, then the master's (in cluster mode: the master of slot 0). */
    INFO,
    /** Cluster: keys in several slots for a command that must be atomic: Redis's CROSSSLOT error. */
    CROSSSLOT,
    /** Refused: MULTI on a connection that has subscribed (pass-through), where the proxy could not order its replies. */
    NOT_AFTER_SUBSCRIBE,
    /** Refused: CONFIG GET of a pattern that matches a parameter holding a password (the backend's credentials). */
    SECRET;

    /** The error a client gets for {@code command} on a refusing route (DENIED, UNSUPPORTED, NOT_IN_MULTI, CROSSSLOT). */
    public String refusal(String command) {
        return switch (this) {
            case DENIED -> "ERR redis-sidecar: command '" + command + "' is refused by the proxy (deny-commands)";
            case UNSUPPORTED -> "ERR redis-sidecar: command '" + command + "' is not supported through the proxy "
                    + "(it changes how a shared connection replies)";
            case NOT_IN_MULTI -> "ERR redis-sidecar: command '" + command + "' is not supported inside MULTI";
            case CROSSSLOT -> "CROSSSLOT Keys in request don't hash to the same slot";
            case NOT_AFTER_SUBSCRIBE -> "ERR redis-sidecar: command '" + command + "' is not supported on a connection "
                    + "that has subscribed; send RESET first";
            case SECRET -> "ERR redis-sidecar: CONFIG GET of a parameter that holds a password (requirepass, "
                    + "masterauth, tls-*-pass) is refused by the proxy";
            default -> throw new IllegalArgumentException(this + " refuses nothing");
        };
    }
}
