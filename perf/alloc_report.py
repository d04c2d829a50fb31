"""Summarises a JFR recording for perf/alloc.sh: allocated bytes per request on the event loop, and the sites."""
import collections
import json
import sys

requests, workload = int(sys.argv[1]), sys.argv[2]
events = json.load(sys.stdin)["recording"]["events"]
per_thread = collections.defaultdict(list)
sites = collections.Counter()
classes = collections.Counter()
total_weight = 0
for e in events:
    v = e["values"]
    if e["type"] == "jdk.ThreadAllocationStatistics":
        name = (v.get("thread") or {}).get("javaName") or "?"
        per_thread[name].append(v["allocated"])
    elif e["type"] == "jdk.ObjectAllocationSample":
        thread = (v.get("eventThread") or {}).get("javaName") or "?"
        if "EventLoop" not in thread or thread.startswith("lettuce"):
            continue  # the proxy's event loops only (not the health checks' Lettuce threads)
        w = v["weight"]
        total_weight += w
        cls = v["objectClass"]["name"].replace("/", ".")
        raw = (v.get("stackTrace") or {}).get("frames", [])
        types = [f["method"]["type"]["name"].replace("/", ".") for f in raw]
        frames = [t.split(".")[-1] + "." + f["method"]["name"] for t, f in zip(types, raw)]
        # the frame that allocated, and the first of the proxy's own code below it
        proj = [f for f, t in zip(frames, types) if t.startswith("io.redissidecar")]
        sites[(cls, frames[0] if frames else "?", proj[0] if proj else "-")] += w
        classes[cls] += w
loop = {t: max(a) - min(a) for t, a in per_thread.items()
        if len(a) >= 2 and "EventLoop" in t and not t.startswith("lettuce")}
loop_bytes = sum(loop.values())
print(f"{workload}: {requests} requests in the recording; event loop threads allocated {loop_bytes} bytes, "
      f"{loop_bytes / max(requests, 1):.1f} bytes per request")
for t, b in sorted(loop.items(), key=lambda x: -x[1]):
    print(f"  {t}: {b} bytes")
print()
print("| share of sampled weight | class | allocated in | first redis-sidecar frame |")
print("|---:|---|---|---|")
for (cls, top, proj), w in sites.most_common(15):
    print(f"| {100 * w / max(total_weight, 1):.1f} % | {cls} | {top} | {proj} |")
