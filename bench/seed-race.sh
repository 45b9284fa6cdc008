#!/usr/bin/env bash
# The seed race (issue 19): the seed question's job, 500-300-100-50-5 dense ReLU network on 60,000
# seeded synthetic samples of 5 classes, hidden1-2 frozen, hidden3 trainable, new output layer, plain
# SGD, in Graft (cpu backend, Trainer + MemoryCache), TensorFlow Java used directly, and OpenBLAS's own
# time for exactly the GEMMs of each epoch kind (the floor); each peer in its own JVM, same data, same
# starting weights, same batches. Rows: featurize (batch 256), epoch without cache (b64), cached epoch
# (b64, b256), the original network with every layer trainable (b64): the minimum of EPOCHS epochs
# each, every epoch kept; start -> first result; peak RSS. Graft's and TF's losses are compared.
# Usage: bench/seed-race.sh [out-dir]   (env: THREADS="1 2" PEERS="graft tf openblas" EPOCHS=5
#                                        ROUNDS=1: repeat all peers, interleaved; the table takes the min
#                                        SEED=19: the data generator's seed   XMX=2g
#                                        VECTOR_OPTS="--add-modules jdk.incubator.vector": graft with the Vector API kernels
#                                        NATIVE_BLAS=1: every peer with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
#                                        unset, so OpenBLAS picks its kernels for this CPU (see race.sh)
#                                        CDS=1: every peer with an AppCDS archive of its own classes, written
#                                        by one unmeasured run first, as a deployed application (or the graft
#                                        launcher) starts; use another out-dir, the rows are not comparable)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/target/seed-race}
THREADS=${THREADS:-"1 2"}
PEERS=${PEERS:-"graft tf openblas"}
EPOCHS=${EPOCHS:-5}
ROUNDS=${ROUNDS:-1}
SEED=${SEED:-19}
XMX=${XMX:-2g}
PREP="$OUT/prep-seed$SEED"
mkdir -p "$OUT"

[ -f bench/target/benchmarks.jar ] || mvn -B -o -q -pl bench -am package -DskipTests
[ -f "$PREP/data.bin" ] || java -Xmx$XMX -cp bench/target/benchmarks.jar dev.graft.bench.race.SeedRacePrepare "$PREP" "$SEED"

cds() { :; }
if [ "${CDS:-0}" = 1 ]; then
  # -XX:SharedArchiveFile with the archive of classes one earlier run of the same peer loaded.
  cds() { echo "-XX:SharedArchiveFile=$OUT/$1.jsa"; }
  for peer in $PEERS; do
    case $peer in graft) main=SeedGraftRace ;; tf) main=SeedTfRace ;; openblas) main=SeedBlasFloor ;; *) continue ;; esac
    rm -f "$OUT/$peer.jsa" # written anew: an archive of another build of the jar is silently ignored
    env GRAFT_THREADS=1 java -Xmx$XMX -XX:ArchiveClassesAtExit="$OUT/$peer.jsa" \
        -cp bench/target/benchmarks.jar dev.graft.bench.race.$main "$PREP" 1 1 > "$OUT/$peer-cds-dump.log" 2>&1
  done
fi

RESULTS="$OUT/seed-race.jsonl"
: > "$RESULTS"
export TF_CPP_MIN_LOG_LEVEL=2
blas=()
[ "${NATIVE_BLAS:-0}" = 1 ] && blas=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
for round in $(seq 1 "$ROUNDS"); do
  for threads in $THREADS; do
    for peer in $PEERS; do
      args=("$PREP" "$threads" "$EPOCHS")
      load=$(cut -d' ' -f1 /proc/loadavg)
      launch=$(date +%s%3N)
      case $peer in
        graft)    cmd=(env "${blas[@]}" GRAFT_THREADS="$threads" java ${VECTOR_OPTS:-} -Xmx$XMX $(cds graft) -Drace.launchMillis=$launch -cp bench/target/benchmarks.jar dev.graft.bench.race.SeedGraftRace "${args[@]}") ;;
        tf)       cmd=(env "${blas[@]}" java -Xmx$XMX $(cds tf) -Drace.launchMillis=$launch -cp bench/target/benchmarks.jar dev.graft.bench.race.SeedTfRace "${args[@]}") ;;
        openblas) cmd=(env "${blas[@]}" java -Xmx$XMX $(cds openblas) -Drace.launchMillis=$launch -cp bench/target/benchmarks.jar dev.graft.bench.race.SeedBlasFloor "${args[@]}") ;;
        *) echo "unknown peer $peer (graft, tf, openblas)" >&2; exit 1 ;;
      esac
      log="$OUT/$peer-t$threads-r$round.log"
      if "${cmd[@]}" > "$log" 2>&1; then
        grep '^RACE ' "$log" | sed "s/^RACE {/{\"round\":$round,\"loadBefore\":$load,/" >> "$RESULTS"
        echo "done $peer threads $threads round $round (load $load before, $(cut -d' ' -f1 /proc/loadavg) after)"
      else
        echo "FAILED $peer threads $threads round $round: see $log" >&2
      fi
    done
  done
done
python3 bench/seed_race_table.py "$RESULTS" | tee "$OUT/seed-race.md"
