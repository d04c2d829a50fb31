package io.redissidecar.config;

import java.util.Locale;

/**
 * {@code --client-output-buffer-limit}, in redis.conf's form: {@code <class> <hard> <soft> <soft seconds>} for the
 * classes {@code normal} and {@code pubsub} ({@code replica} is accepted and ignored: no replica connects through
 * the proxy). A client whose replies waiting to be written pass the hard limit, or stay above the soft limit for the
 * soft seconds, is disconnected; 0 turns a limit off.
 */
public record OutputBufferLimits(Limit normal, Limit pubsub) {

    /** One class's limits, in bytes and seconds. */
    public record Limit(long hard, long soft, int softSeconds) {
        public boolean off() {
            return hard == 0 && soft == 0;
        }

        @Override
        public String toString() {
            return hard + " " + soft + " " + softSeconds;
        }
    }

    /** Redis's defaults: normal clients unlimited, subscribers 32 MB hard, 8 MB for 60 s. */
    public static final String DEFAULT = "normal 0 0 0 pubsub 32mb 8mb 60";

    static OutputBufferLimits parse(String text) {
        String[] w = text.trim().toLowerCase(Locale.ROOT).split("\\s+");
        if (w.length == 0 || w.length % 4 != 0) {
            throw new IllegalArgumentException("must be groups of <class> <hard> <soft> <soft seconds>, e.g. '"
                    + DEFAULT + "'");
        }
        Limit normal = new Limit(0, 0, 0);
        Limit pubsub = new Limit(32L << 20, 8L << 20, 60);
        for (int i = 0; i < w.length; i += 4) {
            Limit l = new Limit(size(w[i + 1]), size(w[i + 2]), (int) Math.min(Integer.MAX_VALUE, size(w[i + 3])));
            switch (w[i]) {
                case "normal" -> normal = l;
                case "pubsub" -> pubsub = l;
                case "replica", "slave" -> {
                }
                default -> throw new IllegalArgumentException("unknown class '" + w[i]
                        + "': must be normal, pubsub or replica");
            }
        }
        return new OutputBufferLimits(normal, pubsub);
    }

    private static long size(String s) {
        try {
            return (Long) Parsers.longBetween(0, Long.MAX_VALUE / 2).apply(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "' is not a size (bytes, or with kb, mb, gb)");
        }
    }

    @Override
    public String toString() {
        return "normal " + normal + " pubsub " + pubsub;
    }
}
