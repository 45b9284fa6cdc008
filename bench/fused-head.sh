#!/usr/bin/env bash
# Issue 19's fused dense head and elementwise fixes, measured paired in one JVM per run (FusedHeadPaired:
# fused head, the same network layer by layer over OpenBLAS, and the same GEMMs alone, in rotation).
# About 2 minutes on an idle machine once bench/target/benchmarks.jar exists (REBUILD=1 rebuilds it).
# Usage: bench/fused-head.sh [out-dir]      (env: ROUNDS=400 THREADS=1)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-bench/target/fused-head}
ROUNDS=${ROUNDS:-400}
THREADS=${THREADS:-1}
mkdir -p "$OUT"
if [[ "${REBUILD:-0}" == "1" || ! -f bench/target/benchmarks.jar ]]; then
  mvn -B -o -q -pl bench -am package -DskipTests -Dmaven.javadoc.skip=true
fi
run() { # name, extra JVM flags, shapes and properties...
  local name=$1 flags=$2
  shift 2
  echo "== $name (load $(cut -d' ' -f1-3 /proc/loadavg), OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset})" | tee "$OUT/$name.txt"
  # shellcheck disable=SC2086
  java --add-modules jdk.incubator.vector $flags -Dthreads="$THREADS" -cp bench/target/benchmarks.jar \
      dev.graft.bench.FusedHeadPaired "$@" 2>&1 | grep -v '^WARNING\|^INFO\|^[A-Z][a-z][a-z] [0-9]' | tee -a "$OUT/$name.txt"
}
# the seed's cached head: the issue's targets (fused <= 0.8x the GEMMs alone; per sample b256 <= b64)
run seed-head "-Drounds=$ROUNDS" 100-50-5
# past the auto rule's size limit
run larger-heads "-Drounds=$((ROUNDS / 2))" 300-100-5 512-256-10
# full training, all layers trainable (the layer-by-layer step against its GEMMs: the non-GEMM share)
run full-training "-Drounds=$((ROUNDS / 4)) -Dbatches=64,256" 500-300-100-50-5
# 256-bit vectors (what an AVX2 machine gets): auto does not fuse there
run avx2-vectors "-XX:MaxVectorSize=32 -Drounds=$((ROUNDS / 2)) -Dbatches=64" 100-50-5
echo "results in $OUT"
