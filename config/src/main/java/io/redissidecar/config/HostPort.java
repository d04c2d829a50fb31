package io.redissidecar.config;

/** A TCP endpoint as written in options: {@code HOST:PORT}, {@code [v6]:PORT}. */
public record HostPort(String host, int port) {

    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535");
        }
    }

    /** Parses {@code HOST:PORT} or {@code [IPV6]:PORT}; the message of the exception says what is allowed. */
    public static HostPort parse(String text) {
        String s = text.trim();
        int colon = s.lastIndexOf(':');
        if (colon <= 0 || colon == s.length() - 1) {
            throw new IllegalArgumentException("must be HOST:PORT");
        }
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be HOST:PORT with a numeric port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535");
        }
        return new HostPort(host, port);
    }

    // written out instead of the records' generated ones (an invokedynamic bootstrap): nodes key the data plane's
    // maps (backend pools, node states, open-connection counts)
    @Override
    public int hashCode() {
        return 31 * host.hashCode() + port;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof HostPort h && port == h.port && host.equals(h.host);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
