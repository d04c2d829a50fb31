package io.redissidecar.topology;

import io.redissidecar.config.HostPort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sentinel mode: the old master of a failover, fenced. Once a failover has begun against a master, or writes have
 * moved from it to another node, it is not accepted as the master again, whatever the Sentinels that have not
 * switched yet say and whatever its ROLE says, until one of these:
 * <ul>
 * <li>its ROLE says slave (Sentinel has demoted it: it can be master again only through a promotion);</li>
 * <li>the Sentinels' {@code failover-timeout} has passed since it was fenced (Sentinel has given the failover up and
 * kept it).</li>
 * </ul>
 * Why: a master killed and restarted quickly, with no persistence, comes back empty and says master, and Sentinels
 * that have not switched yet still name it; a write it took would be lost when Sentinel turns it into a replica. No
 * I/O and no clock: the time comes in as an argument. Control-plane thread only.
 *
 * <p>A newer config epoch does not lift the fence: between the promotion and {@code +switch-master} the leading
 * Sentinel names the <em>old</em> address with the new epoch, while it reconfigures the other replicas.
 */
final class MasterFence {
    /** Per fenced node: when its fence expires ({@link System#nanoTime()}). */
    private final Map<HostPort, Long> fenced = new LinkedHashMap<>();

    /**
     * Fences {@code old} (no-op when null or already fenced) until its ROLE says slave, or {@code timeoutNanos} has
     * passed from {@code nowNanos}.
     *
     * @return whether {@code old} was not fenced before
     */
    boolean fence(HostPort old, long nowNanos, long timeoutNanos) {
        return old != null && fenced.putIfAbsent(old, nowNanos + timeoutNanos) == null;
    }

    /**
     * Lifts each fence that this round's checks allow to lift: its node up with ROLE slave, or the timeout passed.
     *
     * @return the nodes whose fence was lifted
     */
    List<HostPort> lift(Map<HostPort, NodeState> states, long nowNanos) {
        List<HostPort> lifted = new ArrayList<>();
        for (Iterator<Map.Entry<HostPort, Long>> it = fenced.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<HostPort, Long> e = it.next();
            NodeState s = states.get(e.getKey());
            boolean demoted = s != null && s.up() && "slave".equals(s.role());
            if (demoted || nowNanos - e.getValue() >= 0) {
                lifted.add(e.getKey());
                it.remove();
            }
        }
        return lifted;
    }

    /** Whether {@code candidate} may not be the master now. */
    boolean blocks(HostPort candidate) {
        return candidate != null && fenced.containsKey(candidate);
    }

    /** Lifts every fence. */
    void clear() {
        fenced.clear();
    }

    /** The fenced nodes. */
    Set<HostPort> nodes() {
        return Collections.unmodifiableSet(fenced.keySet());
    }
}
