package io.redissidecar.config;

/** {@code --durability}: when a write is acknowledged. Printed as the option is written. */
public enum Durability {
    /** When the master answers. */
    ASYNC("async"),
    /** Once {@code WAIT} confirms {@code --min-replicas} replicas have it. */
    REPLICATED("replicated");

    private final String spelling;

    Durability(String spelling) {
        this.spelling = spelling;
    }

    /** The option's value as written: {@code async}, {@code replicated}. */
    public String spelling() {
        return spelling;
    }

    /** The option's spelling, so that a durability prints as before. */
    @Override
    public String toString() {
        return spelling;
    }
}
