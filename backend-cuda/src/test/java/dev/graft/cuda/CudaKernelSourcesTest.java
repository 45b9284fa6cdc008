package dev.graft.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.graft.spi.DropoutMask;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel sources compile with the CUDA toolkit's nvcc (same options as the NVRTC build), to
 * PTX for compute_75 and sm_90, and define exactly the entry points the backend looks up; the dropout hash compiled by nvcc for the
 * host reproduces {@link DropoutMask} bit for bit. Skipped, with the reason, where nvcc is absent.
 */
class CudaKernelSourcesTest {

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(");

    @Test
    void sourcesCompileToPtxWithTheExpectedEntries(@TempDir Path dir) throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "nvcc not found on PATH, CUDA_HOME or /usr/local/cuda: kernel sources not compiled here");
        // compute_75 is the oldest architecture CUDA 13 still targets, sm_90 a current one (Hopper);
        // the options mirror CudaKernels.options (nvcc has no -default-device: helpers say __device__).
        for (String arch : new String[] {"compute_75", "sm_90"}) {
            for (String file : CudaKernel.SOURCES) {
                Nvcc.copySource(file, dir);
                Path ptx = dir.resolve(file.replace(".cu", "." + arch + ".ptx"));
                Nvcc.run(nvcc, dir, "-ptx", "-arch=" + arch, "--fmad=false", "-std=c++17", "-Werror=all-warnings",
                        "-o", ptx.toString(), file);
                Set<String> entries = new TreeSet<>();
                Matcher m = ENTRY.matcher(Files.readString(ptx));
                while (m.find()) {
                    entries.add(m.group(1));
                }
                Set<String> expected = new TreeSet<>();
                for (CudaKernel k : CudaKernel.values()) {
                    if (k.source.equals(file)) {
                        expected.add(k.entry);
                    }
                }
                assertEquals(expected, entries, file + " for " + arch + ": extern \"C\" entries vs CudaKernel");
            }
        }
    }

    @Test
    void dropoutHashMatchesDropoutMaskBitForBit(@TempDir Path dir) throws Exception {
        Path nvcc = Nvcc.find();
        assumeTrue(nvcc != null, "nvcc not found on PATH, CUDA_HOME or /usr/local/cuda: dropout hash not compiled here");
        Nvcc.copySource("elementwise.cu", dir);
        long[] seeds = {0L, 1L, -1L, 42L, 0x9E3779B97F4A7C15L, Long.MIN_VALUE, 123456789012345L};
        long[] indices = {0L, 1L, 2L, 255L, 4096L, 1_000_003L, (1L << 32) + 5, Long.MAX_VALUE - 1};
        StringBuilder main = new StringBuilder("#include <cstdio>\n#include <cstring>\n#include \"elementwise.cu\"\n")
                .append("int main() {\n  unsigned long long seeds[] = {");
        for (long s : seeds) {
            main.append(Long.toUnsignedString(s)).append("ULL,");
        }
        main.append("};\n  unsigned long long idx[] = {");
        for (long i : indices) {
            main.append(Long.toUnsignedString(i)).append("ULL,");
        }
        main.append("};\n  for (int s = 0; s < ").append(seeds.length).append("; s++) for (int i = 0; i < ")
                .append(indices.length).append("; i++) {\n")
                .append("    float u = graft_dropout_uniform(seeds[s], idx[i]); unsigned int bits; memcpy(&bits, &u, 4);\n")
                .append("    printf(\"%u\\n\", bits);\n  }\n  return 0;\n}\n");
        Files.writeString(dir.resolve("hash_main.cu"), main);
        Nvcc.run(nvcc, dir, "-arch=sm_75", "-o", "hash_main", "hash_main.cu");
        Process p = new ProcessBuilder(dir.resolve("hash_main").toString()).redirectErrorStream(true).start();
        String[] lines = new String(p.getInputStream().readAllBytes()).trim().split("\\s+");
        assertEquals(0, p.waitFor());
        assertEquals(seeds.length * indices.length, lines.length);
        int n = 0;
        for (long s : seeds) {
            for (long i : indices) {
                int expected = Float.floatToRawIntBits(DropoutMask.uniform(s, i));
                assertEquals(expected, Integer.parseUnsignedInt(lines[n++]), "seed " + s + " index " + i);
            }
        }
        assertTrue(n > 0);
    }
}
