#!/usr/bin/env python3
"""Turns race.jsonl (one JSON object per peer run) into the race table and the issue's target ratios."""
import json, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| threads | batch | peer | featurize (samples/s) | cached epoch ms | uncached epoch ms | test acc | peak RSS MB | first result ms | load |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['threads']} | {r['batch']} | {r['peer']} | {r['featurizeSamplesPerSec']:,.0f} | {r.get('cachedEpochMs', 0):,.0f} "
          f"| {r['uncachedEpochMs']:,.0f} | {100*r['testAccuracy']:.1f}% | {r['peakRssMb']:,.0f} | {r['firstResultMs']:,} | {r['load1']} |")
print()
by = {(r['threads'], r['batch'], r['peer']): r for r in rows}
targets = [  # (label, metric, peer, higher-is-better for Graft?, target ratio, batches)
    ("featurize speed vs TF", "featurizeSamplesPerSec", "tf-java", True, 1.0, None),
    ("featurize speed vs DL4J", "featurizeSamplesPerSec", "dl4j", True, 2.0, None),
    ("cached epoch speed-up vs TF", "cachedEpochMs", "tf-java", False, 3.0, {64}),
    ("cached epoch speed-up vs DL4J", "cachedEpochMs", "dl4j", False, 20.0, {64}),
    ("uncached epoch speed-up vs TF", "uncachedEpochMs", "tf-java", False, 1.1, None),
    ("uncached epoch speed-up vs DL4J", "uncachedEpochMs", "dl4j", False, 4.0, None),
    ("time to first result, Graft/TF", "firstResultMs", "tf-java", None, 0.5, None),
    ("peak RSS, Graft/TF", "peakRssMb", "tf-java", None, 0.6, None),
]
print("| target | threads | batch | ratio | target | met |")
print("|---|---|---|---|---|---|")
for label, metric, peer, higher, goal, batches in targets:
    for (t, b, p), g in sorted(by.items()):
        if p != "graft" or (batches and b not in batches) or (t, b, peer) not in by:
            continue
        o = by[(t, b, peer)]
        if higher is True:
            ratio = g[metric] / o[metric]; ok = ratio >= goal; want = f">= {goal}x"
        elif higher is False:
            ratio = o[metric] / g[metric]; ok = ratio >= goal; want = f">= {goal}x"
        else:
            ratio = g[metric] / o[metric]; ok = ratio <= goal; want = f"<= {goal}x"
        print(f"| {label} | {t} | {b} | {ratio:.2f}x | {want} | {'yes' if ok else 'NO'} |")
    # accuracy agreement
for (t, b, p), g in sorted(by.items()):
    if p == "graft":
        others = [by[k]['testAccuracy'] for k in by if k[0] == t and k[1] == b and k[2] != "graft"]
        if others:
            d = max(abs(g['testAccuracy'] - o) for o in others) * 100
            print(f"| accuracy within 1 pp of both peers | {t} | {b} | {d:.2f} pp | <= 1 pp | {'yes' if d <= 1 else 'NO'} |")
