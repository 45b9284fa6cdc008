#!/usr/bin/env bash
# Start -> first trained batch of the harness-style job (issue 19): StartupProbe reads a 500-300-100-50-5
# TF checkpoint, transfers it (hidden1-2 frozen, fresh 5-way head), opens the cpu backend and trains one
# batch, each run in a fresh JVM. Runs are interleaved across the configurations:
#   jars      java -cp <the module jars, as `mvn dependency:build-classpath` on cli gives them>
#   jars+cds  the same with -XX:SharedArchiveFile (an archive recorded once with -XX:ArchiveClassesAtExit)
#   fat       java -cp <the probe>:cli/target/graft-cli-*-all.jar, the jar the `graft` launcher runs (200 MB;
#             only when it exists: ./graft builds it)
#   fat+cds   the same with its own archive, as the launcher does from a command's second run on
# Usage: bench/startup.sh [runs]   (env: THREADS=1 BATCH=64 OUT=bench/target/startup EXTRA="-D..."
#                                   CKPT=DIR: another checkpoint (DIR/model.ckpt.*), e.g. one written by
#                                   bench/startup_tf_checkpoint.py; SKIP_BUILD=1: use the jars as they are; CPU=1: also the main thread's
#                                   CPU time per step, steadier than wall time on a busy machine, at the
#                                   price of ~20 ms of management classes before main)
# Prints every run's milestones (ms since JVM start) and the median of each per configuration, with the
# load average; trust only medians from an idle machine, or A/B ratios from interleaved runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
THREADS=${THREADS:-1}
BATCH=${BATCH:-64}
OUT=${OUT:-bench/target/startup}
mkdir -p "$OUT"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  mvn -B -q -o -pl cli -am package dependency:build-classpath -DskipTests -Dmaven.javadoc.skip=true \
      -Dmaven.source.skip=true -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
  mvn -B -q -o -pl bench -am compile
fi
# CDS maps jars only (no class directories), so the probe travels in its own small jar.
jar cf "$OUT/startup-probe.jar" -C bench/target/classes dev/graft/bench/StartupProbe.class \
    -C bench/target/classes 'dev/graft/bench/StartupProbe$1.class'
CP="$OUT/startup-probe.jar:$(cat cli/target/classpath.txt)"
CKPT=${CKPT:-$OUT/ckpt}
[[ -f "$CKPT/model.ckpt.index" ]] || java -cp "$CP" dev.graft.bench.StartupProbe prepare "$CKPT" >/dev/null

export TF_CPP_MIN_LOG_LEVEL=2
common=(-Dgraft.threads="$THREADS" ${EXTRA:-})
[[ "${CPU:-0}" == 1 ]] && common+=(-Dprobe.cpu=true)
FAT="$(compgen -G 'cli/target/graft-cli-*-all.jar' | head -n 1 || true)"
FAT_CP="$OUT/startup-probe.jar:$FAT"
record() { # archive, class path: one recording run
  rm -f "$1"
  java -XX:ArchiveClassesAtExit="$1" -Xlog:cds=off -Xlog:cds+dynamic=off "${common[@]}" -cp "$2" \
      dev.graft.bench.StartupProbe run "$CKPT" "$BATCH" >/dev/null 2>&1
}
record "$OUT/probe.jsa" "$CP"
configs=(jars jars+cds)
if [[ -n "$FAT" ]]; then
  record "$OUT/fat.jsa" "$FAT_CP"
  configs+=(fat fat+cds)
fi
: > "$OUT/startup.jsonl"
for ((i = 1; i <= RUNS; i++)); do
  for config in "${configs[@]}"; do
    case $config in
      jars)     cmd=(java "${common[@]}" -cp "$CP") ;;
      jars+cds) cmd=(java -XX:SharedArchiveFile="$OUT/probe.jsa" -Xshare:auto "${common[@]}" -cp "$CP") ;;
      fat)      cmd=(java "${common[@]}" -cp "$FAT_CP") ;;
      fat+cds)  cmd=(java -XX:SharedArchiveFile="$OUT/fat.jsa" -Xshare:auto "${common[@]}" -cp "$FAT_CP") ;;
    esac
    line=$("${cmd[@]}" -Dprobe.launchMillis="$(date +%s%3N)" dev.graft.bench.StartupProbe run "$CKPT" "$BATCH" 2>/dev/null \
        | grep '^STARTUP ' | sed 's/^STARTUP //')
    echo "{\"config\":\"$config\",${line#\{}" | tee -a "$OUT/startup.jsonl"
  done
done
python3 - "$OUT/startup.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
keys = ["main", "checkpoint", "model+data", "backend", "firstBatch"]
print("\nmedian ms since JVM start (steps in parentheses)")
print("| config | runs | " + " | ".join(keys) + " | load |")
print("|---|---|" + "---|" * (len(keys) + 1))
for config in dict.fromkeys(r["config"] for r in rows):
    rs = [r for r in rows if r["config"] == config]
    med = {k: statistics.median(r[k] for r in rs) for k in keys}
    cells, prev = [], 0.0
    for k in keys:
        cells.append(f"{med[k]:.0f} (+{med[k] - prev:.0f})")
        prev = med[k]
    load = statistics.median(float(r["load"]) for r in rs)
    print(f"| {config} | {len(rs)} | " + " | ".join(cells) + f" | {load:.2f} |")
if all(k + "Cpu" in r for r in rows for k in keys):
    print("\nmedian main-thread CPU ms per step")
    for config in dict.fromkeys(r["config"] for r in rows):
        rs = [r for r in rows if r["config"] == config]
        med = {k: statistics.median(r[k + "Cpu"] for r in rs) for k in keys}
        prev, cells = 0.0, []
        for k in keys:
            cells.append(f"{k} {med[k] - prev:.0f}")
            prev = med[k]
        print(f"{config}: " + ", ".join(cells) + f"; total {med['firstBatch']:.0f}")
EOF
