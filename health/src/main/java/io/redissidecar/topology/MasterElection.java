package io.redissidecar.topology;

import io.redissidecar.config.HostPort;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sentinel mode's rules for the master writes go to, from what one round of checks found. No I/O and no clock: the
 * Sentinels' answers, the nodes' states, the current master, the failover flag and the time come in as arguments.
 *
 * <p>The rules, in order:
 * <ol>
 * <li>The <em>majority</em> is the node that more than half of the reachable Sentinels name. The <em>newest</em> is
 * the named node with the highest config epoch (on a tie, the first in the epoch map's iteration order).</li>
 * <li>If the newest is not the majority, and there is no majority or the newest's epoch is strictly higher than the
 * majority's, and the newest's ROLE says master: the newest. Epochs rise only through an elected failover, so a
 * Sentinel naming a newer epoch is ahead of the others, not astray.</li>
 * <li>Otherwise, with a majority: the majority, if its ROLE says master; none if not (a promotion not confirmed
 * yet).</li>
 * <li>Otherwise (no majority): the current master, while it is known, reachable and still says master; none if
 * not.</li>
 * <li>While a failover is flagged and the flag has not expired, a result of rule 3, or no master at all, is replaced:
 * the replica being promoted once its ROLE says master (from a check made for the purpose), none until then.</li>
 * </ol>
 * Rules 1 to 4 are {@link #decide}; rule 5 is {@link #failoverOverrides} and {@link #duringFailover}, two steps
 * because the caller checks the promoted replica afresh in between, and only when the rule applies.
 */
final class MasterElection {

    /** Why the master is the node it is, or why there is none. */
    enum Reason {
        /** A Sentinel majority names it and its ROLE says master. */
        MAJORITY,
        /**
         * A Sentinel names it with the newest config epoch (newer than the majority's node's, or there is no
         * majority), and its ROLE says master.
         */
        NEWEST_EPOCH,
        /** None: the majority's node is down or its ROLE does not say master (a promotion not confirmed yet). */
        MAJORITY_NOT_MASTER,
        /** No Sentinel majority: the current master is kept, since it is reachable and still says master. */
        KEPT_WITHOUT_MAJORITY,
        /** None: no Sentinel majority, and no current master that is reachable and still says master. */
        NO_MAJORITY,
        /** A failover is under way and the replica being promoted says master. */
        PROMOTED,
        /** None: a failover is under way and no replica has been selected yet, or it does not say master yet. */
        FAILOVER_UNDER_WAY,
        /** None: the node the other rules gave is an old master, fenced ({@link MasterFence}). */
        FENCED
    }

    /** The node writes go to, null when none; and why. */
    record Decision(HostPort master, Reason reason) {
    }

    private final Map<HostPort, Long> epochs;
    private final HostPort majority;
    private final HostPort newest;

    /**
     * @param reachable the Sentinels that answered {@code SENTINEL MASTER} this round (an answer that could not be
     *                  read still counts)
     * @param votes     per named master, how many Sentinels name it
     * @param epochs    per named master, the highest config epoch a Sentinel gave with it
     */
    MasterElection(int reachable, Map<HostPort, Integer> votes, Map<HostPort, Long> epochs) {
        // a copy that iterates in the caller's order: a tie between epochs goes to the first in that order
        this.epochs = Collections.unmodifiableMap(new LinkedHashMap<>(epochs));
        HostPort candidate = null;
        for (Map.Entry<HostPort, Integer> v : votes.entrySet()) {
            if (v.getValue() * 2 > reachable) {
                candidate = v.getKey();
            }
        }
        this.majority = candidate;
        HostPort highest = null;
        for (Map.Entry<HostPort, Long> e : this.epochs.entrySet()) {
            if (highest == null || e.getValue() > this.epochs.get(highest)) {
                highest = e.getKey();
            }
        }
        this.newest = highest;
    }

    /** The node more than half of the reachable Sentinels name, or null. */
    HostPort majority() {
        return majority;
    }

    /** The named node with the highest config epoch, or null when no Sentinel named one. */
    HostPort newest() {
        return newest;
    }

    /**
     * Rules 1 to 4: the master from the Sentinels' answers and the nodes' states, before any failover under way.
     *
     * @param states  every node's state from this round's checks (every named node among them)
     * @param current the master until now, or null
     */
    Decision decide(Map<HostPort, NodeState> states, HostPort current) {
        // the Sentinels learn a new master one by one: one naming a master with a newer config epoch (raised only
        // by an elected failover) is ahead of a majority that still names the old one
        boolean ahead = newest != null && !newest.equals(majority)
                && (majority == null || epochs.get(newest) > epochs.get(majority));
        if (ahead && isMaster(states, newest)) {
            return new Decision(newest, Reason.NEWEST_EPOCH);
        } else if (majority != null) {
            return isMaster(states, majority) ? new Decision(majority, Reason.MAJORITY)
                    : new Decision(null, Reason.MAJORITY_NOT_MASTER); // promotion not confirmed yet: hold
        } else if (current != null && isMaster(states, current)) {
            // no Sentinel majority: keep the old master only while it is reachable and still says master
            return new Decision(current, Reason.KEPT_WITHOUT_MAJORITY);
        } else {
            return new Decision(null, Reason.NO_MAJORITY);
        }
    }

    /**
     * Whether rule 5 replaces {@code decision}: a failover is flagged ({@code failoverUntil}, a
     * {@link System#nanoTime()} deadline, is not 0), the flag has not expired at {@code nowNanos}, and the decision
     * is no master or the majority's node. When true, the caller checks the replica being promoted and asks
     * {@link #duringFailover}.
     */
    boolean failoverOverrides(Decision decision, long failoverUntil, long nowNanos) {
        HostPort master = decision.master();
        return failoverUntil != 0 && nowNanos - failoverUntil < 0 && (master == null || master.equals(majority));
    }

    /**
     * Rule 5: a replica is being promoted: writes go to it once it says master; until then they are held, since the
     * old master's writes from now on would be lost when it is turned into a replica.
     *
     * @param promoting      the replica a Sentinel selected, or null when none has been announced
     * @param promotingState its state from a check made after {@link #failoverOverrides} said true
     */
    static Decision duringFailover(HostPort promoting, NodeState promotingState) {
        return promoting != null && promotingState != null && promotingState.isMaster()
                ? new Decision(promoting, Reason.PROMOTED) : new Decision(null, Reason.FAILOVER_UNDER_WAY);
    }

    private static boolean isMaster(Map<HostPort, NodeState> states, HostPort node) {
        NodeState s = states.get(node);
        return s != null && s.isMaster();
    }
}
