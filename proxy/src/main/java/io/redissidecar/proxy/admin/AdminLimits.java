package io.redissidecar.proxy.admin;

import java.time.Duration;

/**
 * What one admin connection may cost: the longest request line, header block and body (answered 414, 431, 413),
 * how long a connection may take to send a whole request ({@code readDeadline}, from its first byte, or from its
 * opening for a new connection), how long a kept-alive connection may sit idle between requests, and how many
 * connections may be open at once.
 */
public record AdminLimits(int maxRequestLine, int maxHeaders, int maxBody, Duration readDeadline,
                          Duration keepAliveIdle, int maxConnections) {

    /** 4 KB line, 8 KB headers, 64 KB body, 5 s to send a request, 30 s idle, 64 connections. */
    public static final AdminLimits DEFAULT = new AdminLimits(4096, 8192, 64 * 1024, Duration.ofSeconds(5),
            Duration.ofSeconds(30), 64);
}
