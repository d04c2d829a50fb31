package io.redissidecar.topology;

import io.redissidecar.config.HostPort;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which master owns each of Redis Cluster's 16,384 hash slots, and that master's replicas. Immutable: the cluster
 * monitor publishes a new one (through {@link Topology#slots()}) and the data plane reads it without locks.
 */
public final class SlotMap {
    public static final int SLOTS = 16384;
    private static final HostPort[] NONE = new HostPort[0];

    private final HostPort[] owners;
    private final HostPort[][] replicas;
    private final List<HostPort> masters;
    /** Per slot, the index of its owner in {@link #masters} (-1 for none): lets the data plane keep arrays. */
    private final short[] ownerIndex;
    private final int covered;

    SlotMap(HostPort[] owners, HostPort[][] replicas) {
        if (owners.length != SLOTS || replicas.length != SLOTS) {
            throw new IllegalArgumentException("a slot map has " + SLOTS + " slots");
        }
        this.owners = owners;
        this.replicas = replicas;
        Set<HostPort> m = new LinkedHashSet<>(); // in slot order: masters().get(i) is stable while owners are
        int c = 0;
        for (HostPort o : owners) {
            if (o != null) {
                m.add(o);
                c++;
            }
        }
        this.masters = List.copyOf(m);
        this.covered = c;
        this.ownerIndex = new short[SLOTS];
        Map<HostPort, Integer> index = new HashMap<>();
        for (int i = 0; i < masters.size(); i++) {
            index.put(masters.get(i), i);
        }
        for (int i = 0; i < SLOTS; i++) {
            ownerIndex[i] = (short) (owners[i] == null ? -1 : index.get(owners[i]));
        }
    }

    /** The index in {@link #masters()} of the master owning {@code slot}, or -1 while none does. */
    public int ownerIndex(int slot) {
        return ownerIndex[slot];
    }

    /** The master owning {@code slot}, or null while none does (not assigned, or its master failed). */
    public HostPort owner(int slot) {
        return owners[slot];
    }

    /** The replicas of the master owning {@code slot} (never null). */
    public HostPort[] replicas(int slot) {
        HostPort[] r = replicas[slot];
        return r == null ? NONE : r;
    }

    /** The masters owning at least one slot, ordered by the first slot they own. */
    public List<HostPort> masters() {
        return masters;
    }

    /** The first slot {@code master} owns (-1 if none): requests meant for "that master" follow its slots. */
    public int firstSlot(HostPort master) {
        for (int i = 0; i < SLOTS; i++) {
            if (master.equals(owners[i])) {
                return i;
            }
        }
        return -1;
    }

    /** How many slots have an owner; {@link #SLOTS} when the cluster is fully covered. */
    public int covered() {
        return covered;
    }

    public boolean fullyCovered() {
        return covered == SLOTS;
    }

    /** Whether {@code o} sends every slot to the same master (replicas aside). */
    public boolean sameOwners(SlotMap o) {
        return o != null && Arrays.equals(owners, o.owners);
    }

    /** The same map with every slot of the masters in {@code failed} uncovered (requests for them are held). */
    SlotMap without(Set<HostPort> failed) {
        if (failed.isEmpty()) {
            return this;
        }
        HostPort[] o = owners.clone();
        for (int i = 0; i < SLOTS; i++) {
            if (o[i] != null && failed.contains(o[i])) {
                o[i] = null;
            }
        }
        return new SlotMap(o, replicas);
    }

    /** Every node named in the map: masters, then replicas. */
    public List<HostPort> nodes() {
        Set<HostPort> all = new LinkedHashSet<>(masters);
        for (HostPort[] r : replicas) {
            if (r != null) {
                all.addAll(Arrays.asList(r));
            }
        }
        return new ArrayList<>(all);
    }

    /** Builds a map slot range by slot range. */
    static final class Builder {
        private final HostPort[] owners = new HostPort[SLOTS];
        private final HostPort[][] replicas = new HostPort[SLOTS][];

        Builder assign(int from, int to, HostPort master, List<HostPort> replicasOfMaster) {
            HostPort[] r = replicasOfMaster.toArray(new HostPort[0]);
            for (int s = Math.max(0, from); s <= Math.min(SLOTS - 1, to); s++) {
                owners[s] = master;
                replicas[s] = r;
            }
            return this;
        }

        SlotMap build() {
            return new SlotMap(owners, replicas);
        }
    }

    @Override
    public String toString() {
        return "SlotMap{masters=" + masters + ", covered=" + covered + "}";
    }
}
