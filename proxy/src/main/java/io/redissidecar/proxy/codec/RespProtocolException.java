package io.redissidecar.proxy.codec;

/** Malformed RESP. The message is the text after {@code -ERR }, worded as Redis words it. */
public final class RespProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public RespProtocolException(String message) {
        super(message, null, false, false);
    }
}
