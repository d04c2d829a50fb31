package io.redissidecar.config;

/** {@code --read-from}: where read-only commands outside transactions go. Printed as the option is written. */
public enum ReadFrom {
    /** The master only. */
    MASTER("master"),
    /** A replica within {@code --max-replica-lag-ms}, else the master. */
    REPLICA_PREFERRED("replica-preferred"),
    /** Replicas only (a read waits while there is none). */
    REPLICA("replica"),
    /** The lowest check latency among the master and the replicas within the lag. */
    NEAREST("nearest");

    private final String spelling;

    ReadFrom(String spelling) {
        this.spelling = spelling;
    }

    /** True unless reads stay on the master. */
    public boolean fromReplicas() {
        return this != MASTER;
    }

    /** The option's value as written: {@code master}, {@code replica-preferred}, {@code replica}, {@code nearest}. */
    public String spelling() {
        return spelling;
    }

    /** The option's spelling, so that a policy prints as before. */
    @Override
    public String toString() {
        return spelling;
    }
}
