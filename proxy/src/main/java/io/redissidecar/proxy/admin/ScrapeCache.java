package io.redissidecar.proxy.admin;

import io.redissidecar.proxy.metrics.MetricsRegistry;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The metrics exposition, made at most once a second per format: scrapes that come faster (a caller in a loop, or
 * many at once) get the last one, so that they cost nothing and never queue up behind each other for long. Used from
 * the metrics thread only.
 */
final class ScrapeCache implements AdminServer.Metrics {
    private static final long MAX_AGE_NANOS = 1_000_000_000L;

    private record Made(MetricsRegistry.Scrape scrape, long atNanos) {
    }

    private final AdminServer.Metrics source;
    /** By the request's Accept header (it picks the format); a handful of distinct values in practice. */
    private final Map<String, Made> last = new HashMap<>();

    ScrapeCache(AdminServer.Metrics source) {
        this.source = source;
    }

    @Override
    public MetricsRegistry.Scrape scrape(String accept) throws IOException {
        String key = accept == null ? "" : accept;
        long now = System.nanoTime();
        Made m = last.get(key);
        if (m == null || now - m.atNanos() > MAX_AGE_NANOS) {
            if (last.size() >= 16) {
                last.clear(); // many distinct Accept headers: a caller playing games; start over
            }
            m = new Made(source.scrape(accept), now);
            last.put(key, m);
        }
        return m.scrape();
    }
}
