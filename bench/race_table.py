#!/usr/bin/env python3
"""Turns race.jsonl (one JSON object per peer run) into the race table and the issue's target ratios.

Usage: race_table.py [--cnn] race.jsonl   (--cnn: the CNN race's targets, issue 14; rows carry a round)
"""
import json, sys

cnn = "--cnn" in sys.argv[1:]
path = [a for a in sys.argv[1:] if a != "--cnn"][0]
rows = [json.loads(l) for l in open(path) if l.strip()]
for r in rows:
    r.setdefault('round', 1)
rounds = len({r['round'] for r in rows}) > 1
head = "| round " if rounds else ""
# A peer run on fewer images (the CNN race's quick mode) gets its epoch times scaled to 60,000.
subset = any(r['samples'] != 60000 for r in rows)
for r in rows:
    scale = 60000 / r['samples']
    for k in ('cachedEpochMs', 'uncachedEpochMs'):
        if k in r:
            r[k] *= scale
cpu = cnn and all('featurizeCpuMs' in r for r in rows)
if cpu:
    for r in rows:
        scale = 60000 / r['samples']
        for k in ('cachedEpochCpuMs', 'uncachedEpochCpuMs'):
            if k in r:
                r[k] *= scale
        r['featurizeCpuSamplesPerSec'] = r['samples'] / (r['featurizeCpuMs'] / 1e3)
samples_head, samples_rule = ("| samples ", "|---") if subset else ("", "")
epoch = " (per 60,000)" if subset else ""
print(f"{head}| threads | batch | peer {samples_head}| featurize (samples/s) | cached epoch ms{epoch} | uncached epoch ms{epoch} | test acc | peak RSS MB | first result ms | load |")
print(("|---" if rounds else "") + samples_rule + "|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    lead = f"| {r['round']} " if rounds else ""
    n = f"| {r['samples']:,} " if subset else ""
    print(f"{lead}| {r['threads']} | {r['batch']} | {r['peer']} {n}| {r['featurizeSamplesPerSec']:,.0f} | {r.get('cachedEpochMs', 0):,.0f} "
          f"| {r['uncachedEpochMs']:,.0f} | {100*r['testAccuracy']:.1f}% | {r['peakRssMb']:,.0f} | {r['firstResultMs']:,} | {r['load1']} |")
if cpu:
    print()
    print("Process CPU time (every thread of the peer's JVM), steadier than wall time on a shared machine:")
    print()
    print(f"{head}| threads | batch | peer | featurize (samples per CPU-s) | cached epoch CPU ms{epoch} | uncached epoch CPU ms{epoch} |")
    print(("|---" if rounds else "") + "|---|---|---|---|---|---|")
    for r in rows:
        lead = f"| {r['round']} " if rounds else ""
        print(f"{lead}| {r['threads']} | {r['batch']} | {r['peer']} | {r['featurizeCpuSamplesPerSec']:,.0f} "
              f"| {r.get('cachedEpochCpuMs', 0):,.0f} | {r.get('uncachedEpochCpuMs', 0):,.0f} |")
print()
by = {(r['round'], r['threads'], r['batch'], r['peer']): r for r in rows}
if cnn:
    targets = [  # (label, metric, peer, higher-is-better for Graft?, target ratio or None (reported only), batches)
        ("featurize speed vs TF", "featurizeSamplesPerSec", "tf-java", True, 1.0, None),
        ("featurize speed vs DL4J", "featurizeSamplesPerSec", "dl4j", True, 5.0, None),
        ("cached epoch speed-up vs TF", "cachedEpochMs", "tf-java", False, 3.0, None),
        ("cached epoch speed-up vs DL4J", "cachedEpochMs", "dl4j", False, 5.0, None),
        ("uncached epoch speed-up vs TF", "uncachedEpochMs", "tf-java", False, None, None),
        ("uncached epoch speed-up vs DL4J", "uncachedEpochMs", "dl4j", False, 5.0, None),
        ("time to first result, Graft/TF", "firstResultMs", "tf-java", None, None, None),
        ("peak RSS, Graft/TF", "peakRssMb", "tf-java", None, None, None),
        ("peak RSS, Graft/DL4J", "peakRssMb", "dl4j", None, None, None),
    ]
    if cpu:
        targets += [
            ("featurize CPU efficiency vs TF", "featurizeCpuSamplesPerSec", "tf-java", True, 1.0, None),
            ("featurize CPU efficiency vs DL4J", "featurizeCpuSamplesPerSec", "dl4j", True, 5.0, None),
            ("cached epoch CPU time, TF/Graft", "cachedEpochCpuMs", "tf-java", False, 3.0, None),
            ("cached epoch CPU time, DL4J/Graft", "cachedEpochCpuMs", "dl4j", False, 5.0, None),
            ("uncached epoch CPU time, TF/Graft", "uncachedEpochCpuMs", "tf-java", False, None, None),
            ("uncached epoch CPU time, DL4J/Graft", "uncachedEpochCpuMs", "dl4j", False, 5.0, None),
        ]
else:
    targets = [
        ("featurize speed vs TF", "featurizeSamplesPerSec", "tf-java", True, 1.0, None),
        ("featurize speed vs DL4J", "featurizeSamplesPerSec", "dl4j", True, 2.0, None),
        ("cached epoch speed-up vs TF", "cachedEpochMs", "tf-java", False, 3.0, {64}),
        ("cached epoch speed-up vs DL4J", "cachedEpochMs", "dl4j", False, 20.0, {64}),
        ("uncached epoch speed-up vs TF", "uncachedEpochMs", "tf-java", False, 1.1, None),
        ("uncached epoch speed-up vs DL4J", "uncachedEpochMs", "dl4j", False, 4.0, None),
        ("time to first result, Graft/TF", "firstResultMs", "tf-java", None, 0.5, None),
        ("peak RSS, Graft/TF", "peakRssMb", "tf-java", None, 0.6, None),
    ]
print(f"| target {'| round ' if rounds else ''}| threads | batch | ratio | target | met |")
print(f"|---{'|---' if rounds else ''}|---|---|---|---|---|")
for label, metric, peer, higher, goal, batches in targets:
    for (rd, t, b, p), g in sorted(by.items()):
        if p != "graft" or (batches and b not in batches) or (rd, t, b, peer) not in by:
            continue
        o = by[(rd, t, b, peer)]
        if higher is False:
            ratio = o[metric] / g[metric]
        else:
            ratio = g[metric] / o[metric]
        if goal is None:
            want, met = "(reported)", "-"
        elif higher is None:
            want, met = f"<= {goal}x", 'yes' if ratio <= goal else 'NO'
        else:
            want, met = f">= {goal}x", 'yes' if ratio >= goal else 'NO'
        lead = f"| {rd} " if rounds else ""
        print(f"| {label} {lead}| {t} | {b} | {ratio:.2f}x | {want} | {met} |")
for (rd, t, b, p), g in sorted(by.items()):
    if p == "graft":
        others = [by[k]['testAccuracy'] for k in by if k[:3] == (rd, t, b) and k[3] != "graft"
                  and by[k]['samples'] == g['samples']]
        if others:
            d = max(abs(g['testAccuracy'] - o) for o in others) * 100
            lead = f"| {rd} " if rounds else ""
            print(f"| accuracy within 1 pp of the peers on the same images {lead}| {t} | {b} | {d:.2f} pp | <= 1 pp | {'yes' if d <= 1 else 'NO'} |")
