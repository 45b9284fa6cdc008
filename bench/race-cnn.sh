#!/usr/bin/env bash
# The CNN race (issue 14): a Fashion-MNIST CNN with its convolutional base frozen (conv 32 → BN → relu
# → pool → conv 64 → BN → relu → pool, then dense 128 → 5) in Graft (cpu backend), TensorFlow Java
# used directly and Deeplearning4j, each peer in its own JVM, same data, weights, schedule and threads.
# Each measures featurize (the frozen base over the 60,000 training images), the cached head epoch
# (median after the first), the uncached epoch (the base recomputed every step), peak RSS and launch →
# first trained batch. Peers are interleaved inside every (threads, batch) cell, and ROUNDS repeats
# the whole sweep, so a load spike hits one row, not one peer; every row records the load average.
# Usage: bench/race-cnn.sh [out-dir]
#   QUICK=1: 1 thread, batch 64, 2 cached epochs and 1 uncached, one round, DL4J on the first 6,000
#            images only (its epochs are scaled to 60,000 in the table); about 3-5 minutes idle
#   env: THREADS="1 2" BATCHES="64" PEERS="graft tf dl4j" CACHED_EPOCHS=3 UNCACHED_EPOCHS=1 ROUNDS=1
#        VECTOR_OPTS="--add-modules jdk.incubator.vector" (the graft peer with the Vector API kernels)
#        SAMPLES=<first N training images, every peer> DL4J_SAMPLES=<the same, DL4J only>
#        DATA=<fashion-mnist dir> XMX=3g NATIVE_BLAS=1 (as in race.sh: unset OPENBLAS_CORETYPE/L2_SIZE)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/target/race-cnn}
DATA=${DATA:-../shared/data/fashion-mnist}
if [ "${QUICK:-0}" = 1 ]; then
  THREADS=${THREADS:-1}; BATCHES=${BATCHES:-64}; CACHED_EPOCHS=${CACHED_EPOCHS:-2}; UNCACHED_EPOCHS=${UNCACHED_EPOCHS:-1}
  DL4J_SAMPLES=${DL4J_SAMPLES:-6000}
fi
SAMPLES=${SAMPLES:-0}
DL4J_SAMPLES=${DL4J_SAMPLES:-$SAMPLES}
THREADS=${THREADS:-"1 2"}
BATCHES=${BATCHES:-64}
PEERS=${PEERS:-"graft tf dl4j"}
CACHED_EPOCHS=${CACHED_EPOCHS:-3}
UNCACHED_EPOCHS=${UNCACHED_EPOCHS:-1}
ROUNDS=${ROUNDS:-1}
XMX=${XMX:-3g}
mkdir -p "$OUT"
[ -f "$DATA/train-images-idx3-ubyte.gz" ] || { echo "no Fashion-MNIST in $DATA (set DATA=...)" >&2; exit 1; }

[ -f bench/target/benchmarks.jar ] || mvn -B -o -q -pl bench -am package -DskipTests
if [[ " $PEERS " == *" dl4j "* ]]; then
  # Separate Maven project, never part of the reactor: the only place DL4J is downloaded.
  [ -f bench/race-dl4j/target/classpath.txt ] && [ -z "$(find bench/src/main/java/dev/graft/bench/race bench/race-dl4j/src \
      -newer bench/race-dl4j/target/classpath.txt -name '*.java')" ] || \
    mvn -B -q -f bench/race-dl4j/pom.xml -Djavacpp.platform=linux-x86_64 package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt
  DL4J_CP=bench/race-dl4j/target/graft-race-dl4j-0.1.0-SNAPSHOT.jar:$(cat bench/race-dl4j/target/classpath.txt)
fi
[ -f "$OUT/prep/cnn-weights.bin" ] || java -cp bench/target/benchmarks.jar dev.graft.bench.race.CnnRacePrepare "$DATA" "$OUT/prep"

RESULTS="$OUT/race.jsonl"
: > "$RESULTS"
export TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=1
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$ROUNDS"); do
  for threads in $THREADS; do
    for batch in $BATCHES; do
      for peer in $PEERS; do
        args=("$DATA" "$OUT/prep" "$batch" "$threads" "$CACHED_EPOCHS" "$UNCACHED_EPOCHS")
        blas=()
        [ "${NATIVE_BLAS:-0}" = 1 ] && blas=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
        launch=$(date +%s%3N)
        case $peer in
          graft) cmd=(env "${blas[@]}" GRAFT_THREADS="$threads" java ${VECTOR_OPTS:-} -Xmx$XMX -Drace.samples=$SAMPLES -Drace.launchMillis=$launch -cp bench/target/benchmarks.jar dev.graft.bench.race.GraftCnnRace "${args[@]}") ;;
          tf)    cmd=(env "${blas[@]}" java -Xmx$XMX -Drace.samples=$SAMPLES -Drace.launchMillis=$launch -cp bench/target/benchmarks.jar dev.graft.bench.race.TfCnnRace "${args[@]}") ;;
          dl4j)  cmd=(env "${blas[@]}" OMP_NUM_THREADS="$threads" OMP_WAIT_POLICY=PASSIVE java -Xmx$XMX -Dorg.bytedeco.javacpp.maxbytes=6g -Drace.samples=$DL4J_SAMPLES \
                      -Drace.launchMillis=$launch -cp "$DL4J_CP" dev.graft.bench.race.dl4j.Dl4jCnnRace "${args[@]}") ;;
        esac
        log="$OUT/$peer-b$batch-t$threads-r$round.log"
        if "${cmd[@]}" > "$log" 2>&1; then
          grep '^RACE ' "$log" | sed "s/^RACE {/{\"round\":$round,/" >> "$RESULTS"
          echo "done round $round $peer batch $batch threads $threads (load $(cut -d' ' -f1 /proc/loadavg))"
        else
          echo "FAILED $peer batch $batch threads $threads: see $log" >&2
        fi
      done
    done
  done
done
python3 bench/race_table.py --cnn "$RESULTS" | tee "$OUT/race.md"
