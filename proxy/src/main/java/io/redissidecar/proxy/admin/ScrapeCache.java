package io.redissidecar.proxy.admin;

import io.redissidecar.proxy.metrics.MetricsRegistry;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The metrics exposition, shared by scrapes that wait at once: a scrape gets the last exposition made if that one was
 * begun after the scrape was asked for (so it is never older than the request), else a new one. Scrapes that pile up
 * behind one another (callers in a loop, many at once) cost one exposition per batch. Used from the metrics thread
 * only.
 */
final class ScrapeCache {
    /** An exposition and when it was begun. */
    private record Made(MetricsRegistry.Scrape scrape, long begunNanos) {
    }

    private final AdminServer.Metrics source;
    /** By the request's Accept header (it picks the format); a handful of distinct values in practice. */
    private final Map<String, Made> last = new HashMap<>();

    ScrapeCache(AdminServer.Metrics source) {
        this.source = source;
    }

    /** The exposition for {@code accept}, begun no earlier than {@code askedNanos}. */
    MetricsRegistry.Scrape scrape(String accept, long askedNanos) throws IOException {
        String key = accept == null ? "" : accept;
        long now = System.nanoTime();
        Made m = last.get(key);
        if (m == null || m.begunNanos() - askedNanos < 0) {
            if (last.size() >= 16) {
                last.clear(); // many distinct Accept headers: a caller playing games; start over
            }
            m = new Made(source.scrape(accept), now);
            last.put(key, m);
        }
        return m.scrape();
    }
}
