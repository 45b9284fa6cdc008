#!/usr/bin/env bash
# The end-to-end race (issue 9): the seed user's transfer-learning job in Graft, TensorFlow Java
# used directly, and Deeplearning4j, each in its own JVM, same data, weights, schedule and threads.
# Usage: bench/race.sh [out-dir]   (env: BATCHES="64 256" THREADS="1 2" PEERS="graft tf dl4j"
#                                   CACHED_EPOCHS=4 UNCACHED_EPOCHS=2 DATA=<fashion-mnist dir> XMX=2g
#                                   VECTOR_OPTS="--add-modules jdk.incubator.vector": graft with the Vector API kernels
#                                   NATIVE_BLAS=1: run every peer with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
#                                   unset, so OpenBLAS picks its kernels for this CPU; some machines set
#                                   them to work around older OpenBLAS builds, which slows current ones)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/target/race}
DATA=${DATA:-../shared/data/fashion-mnist}
BATCHES=${BATCHES:-"64 256"}
THREADS=${THREADS:-"1 2"}
PEERS=${PEERS:-"graft tf dl4j"}
CACHED_EPOCHS=${CACHED_EPOCHS:-4}
UNCACHED_EPOCHS=${UNCACHED_EPOCHS:-2}
XMX=${XMX:-2g}
mkdir -p "$OUT"
[ -f "$DATA/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST in $DATA (set DATA=...)" >&2; exit 1; }

[ -f bench/target/benchmarks.jar ] || mvn -B -o -q -pl bench -am package -DskipTests
if [[ " $PEERS " == *" dl4j "* ]]; then
  # Separate Maven project, never part of the reactor: this is the only place DL4J is downloaded.
  mvn -B -q -f bench/race-dl4j/pom.xml -Djavacpp.platform=linux-x86_64 package dependency:build-classpath \
      -Dmdep.outputFile=target/classpath.txt
  DL4J_CP=bench/race-dl4j/target/graft-race-dl4j-0.1.0-SNAPSHOT.jar:$(cat bench/race-dl4j/target/classpath.txt)
fi
[ -f "$OUT/prep/weights.bin" ] || java -cp bench/target/benchmarks.jar dev.graft.bench.race.RacePrepare "$DATA" "$OUT/prep"

RESULTS="$OUT/race.jsonl"
: > "$RESULTS"
export TF_CPP_MIN_LOG_LEVEL=2
for threads in $THREADS; do
  for batch in $BATCHES; do
    for peer in $PEERS; do
      args=("$DATA" "$OUT/prep" "$batch" "$threads" "$CACHED_EPOCHS" "$UNCACHED_EPOCHS")
      launch=$(date +%s%3N)
      blas=()
      [ "${NATIVE_BLAS:-0}" = 1 ] && blas=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
      case $peer in
        graft) cmd=(env "${blas[@]}" GRAFT_THREADS="$threads" java ${VECTOR_OPTS:-} -Xmx$XMX -Drace.launchMillis=$launch -cp bench/target/benchmarks.jar dev.graft.bench.race.GraftRace "${args[@]}") ;;
        tf)    cmd=(env "${blas[@]}" java -Xmx$XMX -Drace.launchMillis=$launch -cp bench/target/benchmarks.jar dev.graft.bench.race.TfRace "${args[@]}") ;;
        # DL4J's best configuration here: one OpenMP pool of the race's size that sleeps instead of spinning.
        dl4j)  cmd=(env "${blas[@]}" OMP_NUM_THREADS="$threads" OMP_WAIT_POLICY=PASSIVE java -Xmx$XMX -Drace.launchMillis=$launch -cp "$DL4J_CP" dev.graft.bench.race.dl4j.Dl4jRace "${args[@]}") ;;
      esac
      log="$OUT/$peer-b$batch-t$threads.log"
      if "${cmd[@]}" > "$log" 2>&1; then
        grep '^RACE ' "$log" | sed 's/^RACE //' >> "$RESULTS"
        echo "done $peer batch $batch threads $threads (load $(cut -d' ' -f1 /proc/loadavg))"
      else
        echo "FAILED $peer batch $batch threads $threads: see $log" >&2
      fi
    done
  done
done
python3 bench/race_table.py "$RESULTS" | tee "$OUT/race.md"
