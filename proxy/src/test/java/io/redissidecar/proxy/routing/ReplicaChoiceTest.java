package io.redissidecar.proxy.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.redissidecar.config.HostPort;
import io.redissidecar.config.ReadFrom;
import io.redissidecar.topology.NodeState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --read-from}: which node serves a client's reads. One master {@code m} and two replicas {@code r1},
 * {@code r2}, in that order in the topology's node map (spreading by client id follows that order);
 * {@code --max-replica-lag-ms} is 1000 throughout.
 *
 * <p>A node cell is a few words: {@code up} or {@code down}; {@code lag=N} (ms behind the master, default 0 for a
 * replica; -1 = unknown); {@code lat=N} (health-check latency in µs, default 100; -1 = unknown); {@code role=R}
 * (default {@code slave} for the replicas, {@code master} for m). {@code none} in the master column: no master is
 * known (null, and not in the map). {@code prev} is the client's previous choice ({@code -}: none), {@code id} its
 * client id; an empty {@code chosen} means null (the read is held).
 */
class ReplicaChoiceTest {
    private static final int MAX_LAG_MS = 1000;
    private static final Map<String, HostPort> NODES = Map.of(
            "m", new HostPort("10.0.0.1", 6379),
            "r1", new HostPort("10.0.0.2", 6379),
            "r2", new HostPort("10.0.0.3", 6379));

    @ParameterizedTest(name = "[{index}] {6}")
    @CsvSource(delimiter = '|', textBlock = """
            # an eligible replica (up, role slave, lag known and within the limit), else the master
            # m     | r1             | r2          | prev | id | chosen | rule
            up      | up             | up          | -  | 0 | r1 | two eligible replicas: client 0 gets the first
            up      | up             | up          | -  | 1 | r2 | client 1 gets the second
            up      | up             | up          | -  | 2 | r1 | client 2 wraps around (id % eligible)
            up      | down           | up          | -  | 0 | r2 | a replica that is down is skipped
            up      | up lag=1001    | up          | -  | 0 | r2 | lag beyond the limit: skipped
            up      | up lag=1000    | down        | -  | 0 | r1 | lag equal to the limit: eligible
            up      | up lag=-1      | up          | -  | 0 | r2 | lag unknown (never caught up): skipped
            up      | up role=master | up          | -  | 0 | r2 | ROLE says master: no replica
            up      | down           | down        | -  | 0 | m  | no replica up: the master
            up      | up lag=5000    | up lag=-1   | -  | 0 | m  | every replica lagging: the master
            down    | down           | down        | -  | 0 | m  | master down too: the master (held)
            none    | down           | down        | -  | 0 |    | no master known, no replica: null (held)
            up      | up             | up          | r2 | 0 | r2 | previous still eligible: kept, any id
            up      | up             | down        | r2 | 1 | r1 | previous down: by id again (1 % 1)
            up      | up             | up lag=2000 | r2 | 0 | r1 | previous lagging: by id again
            up      | up             | up          | m  | 1 | r2 | previous was the master: by id again
            """)
    void replicaPreferred(String m, String r1, String r2, String previous, long id, String chosen, String rule) {
        assertChoice("replica-preferred", "all", m, r1, r2, previous, id, chosen, rule);
    }

    @ParameterizedTest(name = "[{index}] {6}")
    @CsvSource(delimiter = '|', textBlock = """
            # replicas only; null when none is eligible, even with the master up
            # m     | r1             | r2          | prev | id | chosen | rule
            up      | up             | up          | -  | 0 | r1 | client 0: the first replica
            up      | up             | up          | -  | 1 | r2 | client 1: the second replica
            up      | down           | up          | -  | 0 | r2 | a replica that is down is skipped
            up      | down           | down        | -  | 0 |    | no replica up: null (held), not the master
            up      | up lag=1001    | up lag=-1   | -  | 0 |    | every replica lagging: null (held)
            up      | up             | up          | r2 | 0 | r2 | previous still eligible: kept
            up      | up             | up          | m  | 0 | r1 | previous was the master: not kept
            """)
    void replica(String m, String r1, String r2, String previous, long id, String chosen, String rule) {
        assertChoice("replica", "all", m, r1, r2, previous, id, chosen, rule);
    }

    /**
     * The session never asks with {@code master} ({@code ProxyContext.readFromReplicas} is false then); asked, the
     * class answers as for replica-preferred.
     */
    @ParameterizedTest(name = "[{index}] {6}")
    @CsvSource(delimiter = '|', textBlock = """
            # m     | r1             | r2          | prev | id | chosen | rule
            up      | up             | up          | -  | 0 | r1 | as it is: a replica, not the master
            up      | down           | down        | -  | 0 | m  | no eligible replica: the master
            """)
    void master(String m, String r1, String r2, String previous, long id, String chosen, String rule) {
        assertChoice("master", "all", m, r1, r2, previous, id, chosen, rule);
    }

    @ParameterizedTest(name = "[{index}] {6}")
    @CsvSource(delimiter = '|', textBlock = """
            # the eligible replica with the lowest check latency; the master when strictly nearer
            # m         | r1                  | r2                | prev | id | chosen | rule
            up lat=300  | up lat=200          | up lat=100        | -  | 0 | r2 | nearest replica, not by id
            up lat=300  | up lat=200          | up lat=100        | -  | 1 | r2 | ...the same for client 1
            up lat=50   | up lat=200          | up lat=100        | -  | 0 | m  | master nearer than all
            up lat=100  | up lat=200          | up lat=100        | -  | 0 | r2 | tie with the master: replica
            up lat=-1   | up lat=200          | up lat=100        | -  | 0 | r2 | master latency unknown
            up lat=300  | up lat=200 lag=1001 | up lat=100 lag=-1 | -  | 0 | m  | replicas lagging: master
            up lat=300  | down                | down              | -  | 0 | m  | no replica up: master
            down lat=-1 | down                | down              | -  | 0 | m  | nothing up: master (held)
            none        | down                | down              | -  | 0 |    | nothing known: null
            up lat=300  | up lat=200          | up lat=100        | r1 | 0 | r1 | previous kept, r2 nearer
            up lat=150  | up lat=200          | up lat=100        | r1 | 0 | m  | master nearer than previous
            up lat=300  | up lat=200          | up lat=100        | m  | 0 | r2 | previous master: not kept
            up lat=300  | up lat=-1           | up lat=100        | -  | 0 | r1 | unknown (-1) sorts first
            """)
    void nearest(String m, String r1, String r2, String previous, long id, String chosen, String rule) {
        assertChoice("nearest", "all", m, r1, r2, previous, id, chosen, rule);
    }

    /** Cluster mode: only the replicas of the slot's master count (the list; "" = it has none). */
    @ParameterizedTest(name = "[{index}] {0}: {8}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # policy          | list  | m          | r1         | r2         | prev | id | chosen | rule
            replica-preferred | r2    | up         | up         | up         | -  | 0 | r2 | r1 is not listed
            replica-preferred | r1 r2 | up         | up         | up         | -  | 1 | r2 | both listed: by id
            replica-preferred | ""    | up         | up         | up         | -  | 0 | m  | none listed: master
            replica           | ""    | up         | up         | up         | -  | 0 |    | none listed: null
            replica           | r1    | up         | up         | up         | r2 | 0 | r1 | previous not listed
            nearest           | r1    | up lat=300 | up lat=200 | up lat=100 | -  | 0 | r1 | nearest listed
            nearest           | r1    | up lat=150 | up lat=200 | up lat=100 | -  | 0 | m  | master nearer
            """)
    void clusterReplicasOfOneMaster(String policy, String replicas, String m, String r1, String r2, String previous,
                                    long id, String chosen, String rule) {
        assertChoice(policy, replicas, m, r1, r2, previous, id, chosen, rule);
    }

    private static void assertChoice(String policy, String replicas, String m, String r1, String r2, String previous,
                                     long clientId, String chosen, String rule) {
        Map<HostPort, NodeState> nodes = new LinkedHashMap<>();
        HostPort master = null;
        if (!m.equals("none")) {
            master = NODES.get("m");
            nodes.put(master, node("m", m, "master"));
        }
        nodes.put(NODES.get("r1"), node("r1", r1, "slave"));
        nodes.put(NODES.get("r2"), node("r2", r2, "slave"));
        HostPort prev = previous.equals("-") ? null : NODES.get(previous);

        HostPort choice;
        if (replicas.equals("all")) {
            choice = ReplicaChoice.choose(nodes, master, readFrom(policy), MAX_LAG_MS, prev, clientId);
        } else {
            List<HostPort> listed = new ArrayList<>();
            for (String r : replicas.split(" ")) {
                if (!r.isEmpty()) {
                    listed.add(NODES.get(r));
                }
            }
            choice = ReplicaChoice.choose(nodes, listed, master, readFrom(policy), MAX_LAG_MS, prev, clientId);
        }
        assertEquals(chosen == null ? null : NODES.get(chosen), choice, policy + ": " + rule);
    }

    /** A node from its cell, e.g. {@code up lat=200 lag=1001}. */
    private static NodeState node(String name, String cell, String defaultRole) {
        boolean up = false;
        long lag = defaultRole.equals("slave") ? 0 : -1;
        long latency = 100;
        String role = defaultRole;
        for (String word : cell.trim().split(" +")) {
            if (word.equals("up") || word.equals("down")) {
                up = word.equals("up");
            } else if (word.startsWith("lag=")) {
                lag = Long.parseLong(word.substring(4));
            } else if (word.startsWith("lat=")) {
                latency = Long.parseLong(word.substring(4));
            } else if (word.startsWith("role=")) {
                role = word.substring(5);
            } else {
                throw new IllegalArgumentException("bad node cell word: " + word);
            }
        }
        return new NodeState(NODES.get(name), up, role, 0, latency, up ? null : "down", -1, lag);
    }

    /** The policy as the option spells it. */
    private static ReadFrom readFrom(String spelling) {
        for (ReadFrom r : ReadFrom.values()) {
            if (r.spelling().equals(spelling)) {
                return r;
            }
        }
        throw new IllegalArgumentException(spelling);
    }
}
