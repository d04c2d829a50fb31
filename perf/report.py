#!/usr/bin/env python3
"""Summarises perf/e2e.sh's raw.csv: per workload and endpoint, median ops/s, median per-round ratio to direct,
median p50/p99 latency, and CPU-seconds per million requests of the process behind the endpoint."""
import csv
import statistics
import sys
from collections import defaultdict


def main(path):
    rows = list(csv.DictReader(open(path)))
    by = defaultdict(list)
    for r in rows:
        r['rps'] = float(r['rps'].strip('"'))
        by[(r['workload'], r['endpoint'])].append(r)
    direct = {(r['workload'], r['round']): r['rps'] for r in rows if r['endpoint'] == 'direct'}
    workloads = list(dict.fromkeys(r['workload'] for r in rows))
    endpoints = list(dict.fromkeys(r['endpoint'] for r in rows))
    rounds = len({r['round'] for r in rows})
    print('| workload | endpoint | ops/s (median) | ratio to direct (median of rounds) | p50 ms | p99 ms | CPU-s per M req |')
    print('|---|---|---:|---:|---:|---:|---:|')
    for wl in workloads:
        for ep in endpoints:
            rs = by[(wl, ep)]
            if not rs:
                continue
            med = statistics.median(r['rps'] for r in rs)
            ratio = statistics.median(r['rps'] / direct[(wl, r['round'])] for r in rs)
            p50 = statistics.median(float(r['p50_ms'].strip('"')) for r in rs)
            p99 = statistics.median(float(r['p99_ms'].strip('"')) for r in rs)
            cpu = statistics.median(int(r['cpu_ticks']) / int(r['clk_tck']) / int(r['requests']) * 1e6 for r in rs)
            print('| %s | %s | %.0f | %.2f | %.3f | %.3f | %.2f |' % (wl, ep, med, ratio, p50, p99, cpu))
    print()
    print('%d rounds; CPU for "direct" is redis-server\'s own; for proxies, the proxy process only.' % rounds)


if __name__ == '__main__':
    main(sys.argv[1])
