package io.redissidecar.topology;

/**
 * The proxy's own user on the master as {@code ACL GETUSER} describes it: its name, its {@code commands} rules
 * (e.g. {@code +@all -@dangerous}) and whether it may use every key. Scripts run as this user.
 */
public record BackendUser(String name, String commands, boolean allKeys) {
}
