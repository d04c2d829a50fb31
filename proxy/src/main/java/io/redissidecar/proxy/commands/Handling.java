package io.redissidecar.proxy.commands;

/** How the proxy treats a command. The README's command-support table lists these by name. */
public enum Handling {
    /** Sent on the client's current backend connection (shared and multiplexed unless the client is pinned). */
    FORWARD,
    /** Answered by the proxy from per-client state; never reaches Redis (HELLO, SELECT, AUTH, CLIENT SETNAME...). */
    EMULATED,
    /** MULTI/EXEC/DISCARD/WATCH/UNWATCH: the client is pinned to its private backend connection meanwhile. */
    TRANSACTION,
    /** Blocking commands: sent on the client's private connection so they never stall shared connections. */
    BLOCKING,
    /**
     * SCRIPT KILL, FUNCTION KILL, SHUTDOWN (where not denied): sent at once on a connection of their own, never behind
     * a busy script on a shared or private one.
     */
    SIDE,
    /** (P|S)(UN)SUBSCRIBE: the client's private connection becomes a pass-through pub/sub connection. */
    PUBSUB,
    /** Cannot work through a multiplexing proxy (CLIENT REPLY, CLIENT TRACKING...): refused with -ERR. */
    UNSUPPORTED,
    /** On the configured deny list (server-admin commands by default): refused with -ERR. */
    DENIED
}
