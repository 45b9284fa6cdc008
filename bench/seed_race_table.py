#!/usr/bin/env python3
"""Turns seed-race.jsonl (one JSON object per peer run, bench/seed-race.sh) into issue 19's table.

Usage: seed_race_table.py seed-race.jsonl

Per thread count: one row per measurement, one column per peer (Graft, TF Java, OpenBLAS floor),
and the ratios Graft/TF and Graft/floor (below 1: Graft is faster or smaller). Epoch rows are the
minimum over a peer's epochs of that kind (and over rounds, when the script ran several); peak RSS
is the maximum. Then every epoch in order, the loss agreement check (Graft and TF start from the
same weights and see the same batches, so their mean losses must agree to float noise: a mismatch
is flagged and the exit status is 2), the 2-thread/1-thread speed-ups and the issue's targets.
"""
import json, math, sys

REL_TOL = 1e-4  # mean loss over an epoch; float32 noise measured ~1e-6
PEERS = [("graft", "Graft"), ("tf-java", "TF Java"), ("openblas-floor", "OpenBLAS floor")]
ROWS = [  # (label, key, how to combine rounds)
    ("featurize, b256, ms", "featurize", min),
    ("epoch no cache, b64, ms", "uncached64", min),
    ("epoch cached, b64, ms", "cached64", min),
    ("epoch cached, b256, ms", "cached256", min),
    ("original network, full backprop, b64, ms", "full64", min),
    ("start → first result, ms", "firstResultMs", min),
    ("peak RSS MiB", "peakRssMb", max),
]
KINDS = ["uncached64", "cached64", "cached256", "full64"]

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
for r in rows:
    r.setdefault("round", 1)
    if "featurizeMs" not in r and "featurizeEpochMs" in r:
        r["featurizeMs"] = r["featurizeEpochMs"]
threads = sorted({r["threads"] for r in rows})
present = [(p, name) for p, name in PEERS if any(r["peer"] == p for r in rows)]


def value(peer, t, key, combine=min):
    """A peer's value for one row at t threads, combined over rounds; None where not measured."""
    field = key if key in ("firstResultMs", "peakRssMb") else (key + "Ms" if key == "featurize" else key + "EpochMs")
    vals = [r[field] for r in rows if r["peer"] == peer and r["threads"] == t and field in r]
    vals = [v for v in vals if isinstance(v, (int, float)) and not math.isnan(v)]
    return combine(vals) if vals else None


def fmt(v, digits=0):
    return "–" if v is None else f"{v:,.{digits}f}"


def ratio(a, b):
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"


for t in threads:
    before = [r.get("loadBefore", r["load1"]) for r in rows if r["threads"] == t]
    after = [r["load1"] for r in rows if r["threads"] == t]
    print(f"### {t} thread{'s' if t > 1 else ''} (1-minute load average before the runs {min(before)}–{max(before)}, "
          f"after {min(after)}–{max(after)})")
    print()
    print("| | " + " | ".join(name for _, name in present) + " | Graft/TF | Graft/floor |")
    print("|---" * (len(present) + 3) + "|")
    for label, key, combine in ROWS:
        vals = {p: value(p, t, key, combine) for p, _ in present}
        floor = vals.get("openblas-floor") if key not in ("firstResultMs", "peakRssMb") else None
        cells = [fmt(vals[p]) if (p != "openblas-floor" or floor is not None) else "–" for p, _ in present]
        print(f"| {label} | " + " | ".join(cells) + f" | {ratio(vals.get('graft'), vals.get('tf-java'))} "
              f"| {ratio(vals.get('graft'), floor)} |")
    print()
    parts = [("launchToMainMs", "JVM to main"), ("loadDataMs", "data file"), ("loadModelMs", "model"),
             ("backendOpenMs", "backend open")]
    for p, name in present:
        runs = [r for r in rows if r["peer"] == p and r["threads"] == t and "firstResultMs" in r]
        if runs:
            r = min(runs, key=lambda x: x["firstResultMs"])
            known = [(n, r[k]) for k, n in parts if k in r]
            rest = r["firstResultMs"] - sum(v for _, v in known)
            print(f"- {name} start → first result {r['firstResultMs']:,} ms: "
                  + ", ".join(f"{n} {v:,.0f}" for n, v in known) + f", the rest (graph/plan, first step) {rest:,.0f}")
    print()

print("Every epoch in order, ms (min of each list above):")
print()
for r in rows:
    lists = [f"{k} {', '.join(f'{v:,.0f}' for v in r[k + 'EpochsMs'])}" for k in ["featurize"] + KINDS if k + "EpochsMs" in r]
    rd = f" round {r['round']}" if len({x['round'] for x in rows}) > 1 else ""
    print(f"- {r['peer']}, {r['threads']} thread(s){rd}: " + "; ".join(lists))
print()

mismatch = False
print("| loss check | threads | round | kind | epoch | Graft | TF Java | rel. diff | agree |")
print("|---|---|---|---|---|---|---|---|---|")
for g in rows:
    if g["peer"] != "graft":
        continue
    for o in rows:
        if o["peer"] != "tf-java" or o["threads"] != g["threads"] or o["round"] != g["round"]:
            continue
        for k in KINDS:
            gl, ol = g.get(k + "Losses"), o.get(k + "Losses")
            if not gl or not ol:
                continue
            for e in sorted({0, min(len(gl), len(ol)) - 1}):
                d = abs(gl[e] - ol[e]) / max(abs(ol[e]), 1e-12)
                ok = d <= REL_TOL
                mismatch |= not ok
                print(f"| Graft vs TF | {g['threads']} | {g['round']} | {k} | {e + 1} | {gl[e]:.6f} | {ol[e]:.6f} | {d:.1e} "
                      f"| {'yes' if ok else 'MISMATCH'} |")
    # Same seed, same batches: the cached and uncached runs of the same job must agree with each other too.
    a, b = g.get("cached64Losses"), g.get("uncached64Losses")
    if a and b:
        d = abs(a[0] - b[0]) / max(abs(b[0]), 1e-12)
        mismatch |= d > REL_TOL
        print(f"| Graft cached vs uncached | {g['threads']} | {g['round']} | cached64 | 1 | {a[0]:.6f} | ({b[0]:.6f}) | {d:.1e} "
              f"| {'yes' if d <= REL_TOL else 'MISMATCH'} |")
print()

if len(threads) > 1:
    lo, hi = threads[0], threads[-1]
    print(f"| {hi}-thread speed-up ({lo} thread ms / {hi} threads ms) | " + " | ".join(name for _, name in present) + " |")
    print("|---" * (len(present) + 1) + "|")
    for label, key, _ in ROWS[:5]:
        cells = [ratio(value(p, lo, key), value(p, hi, key)) for p, _ in present]
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()

print("| issue 19 target | threads | value | target | met |")
print("|---|---|---|---|---|")


def target(label, t, v, goal, ok, digits=2):
    if v is not None:
        print(f"| {label} | {t} | {v:,.{digits}f} | {goal} | {'yes' if ok(v) else 'NO'} |")


for t in threads:
    g = {k: value("graft", t, k, c) for _, k, c in ROWS}
    f = {k: value("openblas-floor", t, k) for _, k, _ in ROWS}
    tf = {k: value("tf-java", t, k, c) for _, k, c in ROWS}
    for k in ("cached64", "cached256"):
        if g[k] and f[k]:
            target(f"{k} epoch / OpenBLAS floor", t, g[k] / f[k], "<= 0.8", lambda v: v <= 0.8)
    if g["cached64"] and g["cached256"]:
        target("per-sample cost, cached b256 / b64", t, g["cached256"] / g["cached64"], "<= 1.0", lambda v: v <= 1.0)
    if g["full64"] and tf["full64"]:
        target("full backprop speed, TF / Graft", t, tf["full64"] / g["full64"], ">= 1.1", lambda v: v >= 1.1)
    if g["firstResultMs"]:
        target("start → first result, ms", t, g["firstResultMs"], "<= 250", lambda v: v <= 250, 0)
    if g["peakRssMb"] and tf["peakRssMb"]:
        target("peak RSS, Graft / TF", t, g["peakRssMb"] / tf["peakRssMb"], "<= 0.45", lambda v: v <= 0.45)
if len(threads) > 1:
    for _, k, _ in ROWS[:5]:
        a, b = value("graft", threads[0], k), value("graft", threads[-1], k)
        if a and b:
            target(f"Graft {k}: {threads[-1]}-thread speed-up", threads[-1], a / b, ">= 1.6", lambda v: v >= 1.6)
if mismatch:
    print()
    print(f"LOSS MISMATCH: Graft and TF Java disagree beyond {REL_TOL:g} relative; the race is not comparing the same job.")
    sys.exit(2)
