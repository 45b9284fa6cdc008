package dev.graft.cuda;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the CUDA toolkit's {@code nvcc} for tests that check kernel sources without a GPU. */
final class Nvcc {

    private Nvcc() {
    }

    /** The nvcc on PATH (or under CUDA_HOME, /usr/local/cuda, /usr/local/cuda-*), or null. */
    static Path find() {
        List<Path> candidates = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                candidates.add(Path.of(dir, "nvcc"));
            }
        }
        String home = System.getenv("CUDA_HOME");
        if (home != null) {
            candidates.add(Path.of(home, "bin", "nvcc"));
        }
        candidates.add(Path.of("/usr/local/cuda/bin/nvcc"));
        try (var dirs = Files.newDirectoryStream(Path.of("/usr/local"), "cuda-*")) {
            for (Path d : dirs) {
                candidates.add(d.resolve("bin/nvcc"));
            }
        } catch (IOException | RuntimeException e) {
            // no /usr/local/cuda-* installations
        }
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Runs nvcc with {@code args} in {@code dir}; returns its combined output, throwing with it on failure. */
    static String run(Path nvcc, Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(nvcc.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!done) {
            p.destroyForcibly();
            throw new AssertionError("nvcc timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("nvcc failed (" + p.exitValue() + "): " + String.join(" ", command) + "\n" + out);
        }
        return out;
    }

    /** Copies a kernel source from the classpath into {@code dir}. */
    static Path copySource(String file, Path dir) throws IOException {
        Path target = dir.resolve(file);
        Files.writeString(target, CudaKernels.source(file), StandardCharsets.UTF_8);
        return target;
    }
}
