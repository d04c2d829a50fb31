package io.redissidecar.config;

/** A configuration that cannot be used; the message names the option, the value and what is allowed. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
