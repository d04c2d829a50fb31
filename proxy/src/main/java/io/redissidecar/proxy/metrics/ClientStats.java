package io.redissidecar.proxy.metrics;

/**
 * The client side's figures read at scrape time (implemented by the session package's {@code ProxyContext}), so that
 * the metrics depend on no client-session class.
 */
public interface ClientStats {
    int connectedClients();

    long acceptedClients();

    long rejectedClients();

    /** Requests accepted from clients whose replies have not been written yet, over all clients. */
    int pendingReplies();

    /** Clients in pub/sub mode. */
    int subscribedClients();

    /** Subscribed clients moved to a new connection and confirmed there. */
    long resubscriptions();

    long movedRedirections();

    /** Clients disconnected for passing --client-output-buffer-limit. */
    long outputLimitCloses();

    /** Clients closed for sending HTTP (POST or Host:) to the data port. */
    long crossProtocolClients();

    long askRedirections();

    /** Clients with CLIENT TRACKING on. */
    int trackingClients();

    /** Keys the tracking tables remember as read by tracking clients, over all event loops. */
    long trackedKeys();

    /** Keys the tracking tables forgot (and invalidated) because they were full. */
    long trackingEvictions();

    /** Failed AUTH per user label ({@code (unknown)}: a name that is no user of the proxy). */
    java.util.Map<String, Long> authFailuresPerUser();

    /** Clients closed for not authenticating within --auth-timeout-ms. */
    long authTimeouts();
}
