package io.redissidecar.topology;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.redissidecar.config.HostPort;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Resilience4j circuit breaker per node, fed by the data plane's passive signals: a connection that opens is a
 * success; a connect that fails, or a connection lost unexpectedly, is a failure. While a node's breaker is open the
 * data plane opens no connection to it (requests wait, and are retried, instead of hammering a dead node); after
 * {@code openFor} one trial connection is let through. Thread-safe: shared by all event loops.
 */
public final class NodeBreakers {
    private static final Logger log = LoggerFactory.getLogger(NodeBreakers.class);
    private final CircuitBreakerRegistry registry;
    private final ConcurrentHashMap<HostPort, CircuitBreaker> breakers =
            new ConcurrentHashMap<>();

    public NodeBreakers(Duration openFor) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(4)
                .minimumNumberOfCalls(2)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(1)
                .build();
        registry = CircuitBreakerRegistry.of(config);
    }

    private CircuitBreaker breaker(HostPort node) {
        return breakers.computeIfAbsent(node, n -> {
            CircuitBreaker cb = registry.circuitBreaker(n.toString());
            cb.getEventPublisher().onStateTransition(e -> log.info("node {} circuit {}", n, e.getStateTransition()));
            return cb;
        });
    }

    /** Whether a new connection to {@code node} may be attempted now; if so, report its outcome. */
    public boolean allowConnect(HostPort node) {
        return breaker(node).tryAcquirePermission();
    }

    public void connected(HostPort node) {
        breaker(node).onSuccess(0, TimeUnit.NANOSECONDS);
    }

    public void failed(HostPort node, String reason) {
        breaker(node).onError(0, TimeUnit.NANOSECONDS, new NodeFailure(reason));
    }

    /** CLOSED, OPEN, HALF_OPEN... for logs, INFO and metrics. */
    public String state(HostPort node) {
        return breaker(node).getState().name();
    }

    private static final class NodeFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NodeFailure(String reason) {
            super(reason, null, false, false);
        }
    }
}
