package io.redissidecar.proxy.acl;

/** A user's rules, or an ACL file, that do not parse; the message is Redis's text where Redis has one. */
public final class AclException extends IllegalArgumentException {
    public AclException(String message) {
        super(message);
    }
}
