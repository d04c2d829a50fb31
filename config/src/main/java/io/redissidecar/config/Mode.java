package io.redissidecar.config;

/** {@code --mode}: where the proxy learns its backends. Printed (INFO, logs) as the option is written. */
public enum Mode {
    /** A fixed list of nodes; the master is the first whose {@code ROLE} says master. */
    STATIC("static"),
    /** The master that Redis Sentinel names. */
    SENTINEL("sentinel"),
    /** Redis Cluster, routed by hash slot. */
    CLUSTER("cluster");

    private final String spelling;

    Mode(String spelling) {
        this.spelling = spelling;
    }

    /** The option's value as written: {@code static}, {@code sentinel}, {@code cluster}. */
    public String spelling() {
        return spelling;
    }

    /** The option's spelling, so that a mode prints as before. */
    @Override
    public String toString() {
        return spelling;
    }
}
