package io.redissidecar.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.redissidecar.config.HostPort;
import io.redissidecar.topology.MasterElection.Decision;
import io.redissidecar.topology.MasterElection.Reason;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The master-choice rules of sentinel mode, one row per situation. Nodes are A, B and C.
 *
 * <ul>
 * <li>sentinels: one answer to {@code SENTINEL MASTER} per reachable Sentinel, {@code B@2} naming B with config epoch
 * 2, {@code ?} an answer that could not be read (it counts as reachable, names nothing); empty when none answered.</li>
 * <li>nodes: each node's state after this round's checks: {@code master}, {@code slave} (up), {@code down} (was
 * master, now failing its checks), {@code rising} (answers as master again, fewer good checks than rise),
 * {@code unknown} (never checked); a node not listed was not checked at all.</li>
 * <li>current: the master until now (null after a failover event suspended it).</li>
 * <li>failover: {@code none}, {@code active} (flag set, 30 s left), {@code expired}, {@code ends-now} (the deadline
 * is this very instant, which counts as expired).</li>
 * <li>promoting, fresh: the replica a Sentinel selected ({@code +selected-slave}), and what the extra check of it
 * finds. rule5: whether the failover rule took over, which is when that extra check happens.</li>
 * </ul>
 */
class MasterElectionTest {
    private static final long NOW = 1_000_000_000_000L;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        # case                                                         | sentinels       | nodes                     | current | failover | promoting | fresh  | rule5 | master | reason
          all Sentinels agree and the node says master                 | A@1 A@1 A@1     | A=master B=slave          | A       | none     |           |        | false | A      | MAJORITY
          two of three agree                                           | A@1 A@1 B@1     | A=master B=slave          | A       | none     |           |        | false | A      | MAJORITY
          the majority of the reachable ones, the others unreachable   | A@1             | A=master B=slave          |         | none     |           |        | false | A      | MAJORITY
          the majority's node is a new master: the old one is left     | B@2 B@2 B@2     | A=master B=master         | A       | none     |           |        | false | B      | MAJORITY
          ROLE disagrees with the majority: hold                       | A@1 A@1 A@1     | A=slave B=slave           | A       | none     |           |        | false |        | MAJORITY_NOT_MASTER
          the majority's node is down: hold                            | A@1 A@1 A@1     | A=down B=slave            | A       | none     |           |        | false |        | MAJORITY_NOT_MASTER
          the majority's node is back but not risen yet: hold          | A@1 A@1 A@1     | A=rising B=slave          |         | none     |           |        | false |        | MAJORITY_NOT_MASTER
          the majority's node was never checked: hold                  | A@1 A@1 A@1     | A=unknown                 |         | none     |           |        | false |        | MAJORITY_NOT_MASTER
          not the current master against the majority                  | A@1 A@1 A@1     | A=slave B=master          | B       | none     |           |        | false |        | MAJORITY_NOT_MASTER
          a Sentinel with a newer epoch is ahead of the majority       | A@1 A@1 B@2     | A=master B=master         | A       | none     |           |        | false | B      | NEWEST_EPOCH
          a newer epoch whose node is not master yet: the majority     | A@1 A@1 B@2     | A=master B=slave          | A       | none     |           |        | false | A      | MAJORITY
          a newer epoch whose node is down: the majority               | A@1 A@1 B@2     | A=master B=down           | A       | none     |           |        | false | A      | MAJORITY
          a newer epoch not master, the majority not master: hold      | A@1 A@1 B@2     | A=down B=slave            | A       | none     |           |        | false |        | MAJORITY_NOT_MASTER
          the same epoch is not ahead of the majority                  | A@2 A@2 B@2     | A=slave B=master          | A       | none     |           |        | false |        | MAJORITY_NOT_MASTER
          a stale Sentinel naming the restarted old master             | B@2 B@2 A@1     | A=master B=master         | B       | none     |           |        | false | B      | MAJORITY
          old master restarted as master, new master down: hold        | B@2 B@2 A@1     | A=master B=down           | B       | none     |           |        | false |        | MAJORITY_NOT_MASTER
          old master restarted as master, named by no Sentinel         | B@2 B@2 B@2     | A=master B=down           |         | none     |           |        | false |        | MAJORITY_NOT_MASTER
          split vote: the newer epoch wins                             | A@1 B@2         | A=master B=master         | A       | none     |           |        | false | B      | NEWEST_EPOCH
          split vote three ways: the newest epoch wins                 | A@1 B@2 C@3     | A=master B=slave C=master | A       | none     |           |        | false | C      | NEWEST_EPOCH
          split vote, newer node not master: the current one is kept   | A@1 B@2         | A=master B=slave          | A       | none     |           |        | false | A      | KEPT_WITHOUT_MAJORITY
          split vote, newer node not master, current one down          | A@1 B@2         | A=down B=slave            | A       | none     |           |        | false |        | NO_MAJORITY
          split vote, newer node not master, no current master         | A@1 B@2         | A=master B=slave          |         | none     |           |        | false |        | NO_MAJORITY
          two of four is no majority                                   | A@1 A@1 B@2 B@2 | A=master B=slave          | A       | none     |           |        | false | A      | KEPT_WITHOUT_MAJORITY
          unreadable answers count as reachable: no majority           | A@1 ? ?         | A=master                  |         | none     |           |        | false | A      | NEWEST_EPOCH
          unreadable answers, the one named not master                 | A@1 ? ?         | A=slave B=master          | B       | none     |           |        | false | B      | KEPT_WITHOUT_MAJORITY
          no Sentinel answers: the current master is kept              |                 | A=master B=slave          | A       | none     |           |        | false | A      | KEPT_WITHOUT_MAJORITY
          no Sentinel answers, the current master is down              |                 | A=down B=slave            | A       | none     |           |        | false |        | NO_MAJORITY
          no Sentinel answers, the current master now says slave       |                 | A=slave B=master          | A       | none     |           |        | false |        | NO_MAJORITY
          no Sentinel answers, the current master was not checked      |                 | B=master                  | A       | none     |           |        | false |        | NO_MAJORITY
          no Sentinel answers and no current master                    |                 | A=master                  |         | none     |           |        | false |        | NO_MAJORITY
          failover: writes held before a replica is selected           | A@1 A@1 A@1     | A=master B=slave          |         | active   |           |        | true  |        | FAILOVER_UNDER_WAY
          failover: held while the selected replica says slave         | A@1 A@1 A@1     | A=master B=slave          |         | active   | B         | slave  | true  |        | FAILOVER_UNDER_WAY
          failover: held while the selected replica is down            | A@1 A@1 A@1     | A=master B=slave          |         | active   | B         | down   | true  |        | FAILOVER_UNDER_WAY
          failover: the selected replica once it says master           | A@1 A@1 A@1     | A=master B=slave          |         | active   | B         | master | true  | B      | PROMOTED
          failover: the selected replica, though no Sentinel listed it | A@1 A@1 A@1     | A=master                  | A       | active   | C         | master | true  | C      | PROMOTED
          failover: the fresh check of the replica decides             | A@1 A@1 A@1     | A=master B=master         |         | active   | B         | slave  | true  |        | FAILOVER_UNDER_WAY
          failover: overrides a majority whose node is not master      | A@1 A@1 A@1     | A=down B=slave            |         | active   | B         | master | true  | B      | PROMOTED
          failover: overrides no majority and no master                | A@1 B@2         | A=down B=slave C=slave    |         | active   | C         | master | true  | C      | PROMOTED
          failover: a newer epoch whose node says master is not held   | A@1 A@1 B@2     | A=master B=master         |         | active   | C         | master | false | B      | NEWEST_EPOCH
          failover: a current master kept without majority is not held | A@1 B@2         | A=master B=slave          | A       | active   | B         | master | false | A      | KEPT_WITHOUT_MAJORITY
          failover: a switchover's flag holds the new majority too     | B@2 B@2 B@2     | A=slave B=master          |         | active   |           |        | true  |        | FAILOVER_UNDER_WAY
          failover flag expired: the rules as without it               | A@1 A@1 A@1     | A=master B=master         | A       | expired  | B         | master | false | A      | MAJORITY
          failover flag ending this instant counts as expired          | A@1 A@1 A@1     | A=master B=master         | A       | ends-now | B         | master | false | A      | MAJORITY
          no failover flag: a selected replica is not looked at        | A@1 A@1 A@1     | A=master B=master         | A       | none     | B         | master | false | A      | MAJORITY
        """)
    void decides(String situation, String sentinels, String nodes, String current, String failover, String promoting,
                 String fresh, boolean rule5, String master, Reason reason) {
        Map<HostPort, Integer> votes = new HashMap<>();
        Map<HostPort, Long> epochs = new HashMap<>();
        int reachable = 0;
        for (String answer : words(sentinels)) {
            reachable++;
            if (!answer.equals("?")) {
                String[] ne = answer.split("@");
                votes.merge(node(ne[0]), 1, Integer::sum);
                epochs.merge(node(ne[0]), Long.parseLong(ne[1]), Math::max);
            }
        }
        Map<HostPort, NodeState> states = new LinkedHashMap<>();
        for (String ns : words(nodes)) {
            String[] kv = ns.split("=");
            states.put(node(kv[0]), state(node(kv[0]), kv[1]));
        }
        long until = switch (failover) {
            case "none" -> 0;
            case "active" -> NOW + TimeUnit.SECONDS.toNanos(30);
            case "expired" -> NOW - 1;
            case "ends-now" -> NOW;
            default -> throw new IllegalArgumentException(failover);
        };

        // what SentinelTopologyMonitor.check() does with it
        MasterElection election = new MasterElection(reachable, votes, epochs);
        Decision decision = election.decide(states, node(current));
        boolean overrides = election.failoverOverrides(decision, until, NOW);
        if (overrides) {
            HostPort p = node(promoting);
            decision = MasterElection.duringFailover(p, p == null ? null : state(p, fresh));
        }

        assertEquals(rule5, overrides, "failover rule applies");
        assertEquals(node(master), decision.master(), "master");
        assertEquals(reason, decision.reason(), "reason");
    }

    @Test
    void majorityNeedsMoreThanHalfOfTheReachableSentinels() {
        HostPort a = node("A");
        assertEquals(a, new MasterElection(3, Map.of(a, 2), Map.of(a, 1L)).majority());
        assertEquals(a, new MasterElection(1, Map.of(a, 1), Map.of(a, 1L)).majority());
        assertNull(new MasterElection(4, Map.of(a, 2), Map.of(a, 1L)).majority());
        assertNull(new MasterElection(2, Map.of(a, 1), Map.of(a, 1L)).majority());
        assertNull(new MasterElection(0, Map.of(), Map.of()).majority());
        assertNull(new MasterElection(0, Map.of(), Map.of()).newest());
    }

    @Test
    void noFlagMeansNoFailoverWhateverTheClockReads() {
        HostPort a = node("A");
        MasterElection election = new MasterElection(1, Map.of(a, 1), Map.of(a, 1L));
        Decision held = new Decision(null, Reason.MAJORITY_NOT_MASTER);
        // System.nanoTime() may be negative: 0 is "no flag", not a deadline in the past
        assertFalse(election.failoverOverrides(held, 0, -TimeUnit.SECONDS.toNanos(1)));
        assertTrue(election.failoverOverrides(held, -1, -TimeUnit.SECONDS.toNanos(1)));
    }

    @Test
    void aTieBetweenEpochsGoesToTheFirstNodeInTheMapsOrder() {
        HostPort a = node("A");
        HostPort b = node("B");
        Map<HostPort, Long> ab = new LinkedHashMap<>();
        ab.put(a, 2L);
        ab.put(b, 2L);
        Map<HostPort, Long> ba = new LinkedHashMap<>();
        ba.put(b, 2L);
        ba.put(a, 2L);
        Map<HostPort, Integer> votes = Map.of(a, 1, b, 1);
        assertEquals(a, new MasterElection(2, votes, ab).newest());
        assertEquals(b, new MasterElection(2, votes, ba).newest());
        // with no majority the first of the tie is taken when it says master, whatever the other says
        Map<HostPort, NodeState> states = Map.of(a, state(a, "slave"), b, state(b, "master"));
        assertEquals(new Decision(b, Reason.NEWEST_EPOCH), new MasterElection(2, votes, ba).decide(states, null));
        assertEquals(new Decision(null, Reason.NO_MAJORITY), new MasterElection(2, votes, ab).decide(states, null));
    }

    private static String[] words(String s) {
        return s == null || s.isBlank() ? new String[0] : s.trim().split("\\s+");
    }

    private static HostPort node(String name) {
        return name == null ? null : new HostPort("127.0.0.1", 6380 + name.charAt(0) - 'A');
    }

    private static NodeState state(HostPort n, String s) {
        return switch (s) {
            case "master", "slave" -> new NodeState(n, true, s, 1, 100, null);
            case "down" -> new NodeState(n, false, "master", 1, -1, "Connection refused");
            case "rising" -> new NodeState(n, false, "master", 1, 100, "rising (1/2 good checks)");
            case "unknown" -> NodeState.unknown(n);
            default -> throw new IllegalArgumentException(s);
        };
    }
}
