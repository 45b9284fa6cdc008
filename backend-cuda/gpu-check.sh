#!/usr/bin/env bash
# GPU check for the CUDA backend, for a GPU machine that has no Maven and maybe no JDK.
#
#   backend-cuda/gpu-check.sh prepare   # here (Maven, JDK 17): builds backend-cuda/target/gpu-bundle
#   backend-cuda/gpu-check.sh run       # on the GPU machine, from the repository root
#
# prepare: builds the module, gathers the jars the tests need (the bytedeco CUDA natives jar cut
# down to the cudart/cuBLAS/NVRTC JNI glue), jlinks a Java runtime from /usr/lib/jvm/java-17-*,
# and prints the bundle's size, which must stay under 64 MiB to be carried.
# run: finds the machine's CUDA 13 libraries, runs dev.graft.cuda.GpuCheck (conformance suite +
# CUDA tests, conv kernel tests included, with -Dgraft.requireBackends=cuda, then throughput next to
# cuBLAS's large-GEMM rate, and conv / CNN throughput next to the host-loop default),
# prints a short table last and exits non-zero on any failure or skip.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bundle="$here/target/gpu-bundle"
limit_mib=64

prepare() {
    local jdk="${GRAFT_JDK:-/usr/lib/jvm/java-17-openjdk-amd64}"
    [[ -x "$jdk/bin/jlink" ]] || { echo "no jlink under $jdk (set GRAFT_JDK)" >&2; exit 1; }
    cd "$root"
    echo "== building backend-cuda and its classpath"
    mvn -B -o -q -pl backend-cuda -am package dependency:build-classpath -DskipTests \
        -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-classpath.txt
    rm -rf "$bundle"
    mkdir -p "$bundle/lib"
    local work; work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN

    local entry
    IFS=":" read -r -a entries < "$here/target/gpu-classpath.txt" || true  # no trailing newline
    for entry in "${entries[@]}"; do
        case "$(basename "$entry")" in
            cuda-*-linux-x86_64.jar)
                # The natives jar holds JNI glue for every CUDA library (~33 MB unpacked); keep the three used.
                mkdir -p "$work/cuda"
                (cd "$work/cuda" && unzip -q "$entry" 'META-INF/MANIFEST.MF' \
                    'org/bytedeco/cuda/linux-x86_64/libjnicudart.so' \
                    'org/bytedeco/cuda/linux-x86_64/libjnicublas.so' \
                    'org/bytedeco/cuda/linux-x86_64/libjninvrtc.so')
                (cd "$work/cuda" && "$jdk/bin/jar" --create --file "$bundle/lib/$(basename "$entry")" \
                    --manifest META-INF/MANIFEST.MF org)
                ;;
            *.jar) cp "$entry" "$bundle/lib/" ;;
            *) echo "unexpected classpath entry $entry" >&2; exit 1 ;;
        esac
    done
    local jar
    for jar in "$here"/target/graft-backend-cuda-*.jar; do
        case "$jar" in *-javadoc.jar|*-sources.jar|*-tests.jar) ;; *) cp "$jar" "$bundle/lib/" ;; esac
    done
    "$jdk/bin/jar" --create --file "$bundle/lib/graft-backend-cuda-tests.jar" -C "$here/target/test-classes" .

    echo "== jlink"
    local modules
    modules="$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$bundle"/lib/*.jar)"
    # JavaCPP reaches sun.misc.Unsafe and JUnit java.util.logging reflectively; jdeps cannot see that.
    modules="$modules,jdk.unsupported,java.logging"
    echo "modules: $modules"
    "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        --compress=2 --output "$bundle/jre"
    cp "$0" "$bundle/gpu-check.sh"

    echo "== bundle"
    du -sh "$bundle/jre" "$bundle/lib"
    ls -l "$bundle/lib" | awk 'NR>1 {printf "  %10d  %s\n", $5, $9}'
    local kib; kib="$(du -sk "$bundle" | cut -f1)"
    printf 'total: %.1f MiB (limit %d MiB)\n' "$(echo "$kib / 1024" | bc -l)" "$limit_mib"
    if (( kib > limit_mib * 1024 )); then
        echo "bundle too large to carry" >&2
        exit 1
    fi
    "$bundle/jre/bin/java" -cp "$bundle/lib/*" dev.graft.cuda.CudaProbeMain || true
}

# Directories holding the CUDA 13 libraries the JNI glue links against, wherever this image keeps them.
find_cuda_libs() {
    local roots=("${CUDA_HOME:-/nonexistent}" /usr/local/cuda /usr/local/cuda-13* /usr/lib/x86_64-linux-gnu /usr/lib64 /opt)
    local py
    for py in python3 python; do
        if command -v "$py" > /dev/null; then
            while IFS= read -r d; do roots+=("$d/nvidia"); done < <("$py" -c 'import site,sys; print("\n".join(site.getsitepackages()+[site.getusersitepackages()]))' 2>/dev/null || true)
        fi
    done
    local lib dirs=()
    for lib in libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libnvrtc.so.13; do
        local found=""
        for r in "${roots[@]}"; do
            [[ -d "$r" ]] || continue
            found="$(find -L "$r" -maxdepth 5 -name "$lib" -print -quit 2>/dev/null || true)"
            [[ -n "$found" ]] && break
        done
        if [[ -z "$found" ]]; then
            echo "MISSING $lib (searched ${roots[*]})" >&2
            find -L "${roots[@]}" -maxdepth 5 -name 'libcublas.so.*' 2>/dev/null | head -3 | sed 's/^/  other cuBLAS: /' >&2 || true
        else
            echo "found $found" >&2
            dirs+=("$(dirname "$found")")
        fi
    done
    printf '%s\n' "${dirs[@]}" | sort -u | paste -sd: -
}

run() {
    local java="$bundle/jre/bin/java"
    if [[ ! -x "$java" ]]; then
        echo "FAIL: no bundle at $bundle: run 'backend-cuda/gpu-check.sh prepare' first and carry backend-cuda/target/gpu-bundle" >&2
        exit 2
    fi
    command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "no nvidia-smi"
    local libs; libs="$(find_cuda_libs)"
    export LD_LIBRARY_PATH="${libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
    "$java" -Xmx4g -cp "$bundle/lib/*" dev.graft.cuda.GpuCheck
}

case "${1:-}" in
    prepare) prepare ;;
    run) run ;;
    *) echo "usage: $0 prepare|run" >&2; exit 2 ;;
esac
