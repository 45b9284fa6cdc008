package dev.graft.cuda;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds {@code host_driver}, a CPU executable that runs the convolution family's kernel sources
 * (the very text NVRTC compiles) over their grids with the {@code host_shim.h} header, for
 * {@link HostKernelDevice}. It is compiled with g++ once per JVM, with AddressSanitizer and
 * UBSan where the compiler has them, so an out-of-bounds index in a kernel fails the test.
 * The launch dispatch is generated from the sources' {@code extern "C"} signatures, so a Java
 * launch whose argument count or kinds disagree with the kernel is caught too.
 */
final class HostKernelDriver {

    /** The sources the driver runs (the kernels of the convolution families). */
    static final String[] SOURCES = {"conv.cu", "pooling.cu", "normalization.cu"};
    private static final Pattern ENTRY = Pattern.compile("extern\\s+\"C\"\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static Path driver;
    private static String failure;

    private HostKernelDriver() {
    }

    /** g++ (or c++) on PATH, or null. */
    static Path compiler() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String name : new String[] {"g++", "c++"}) {
            for (String dir : path.split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** The built driver; throws AssertionError with the compiler's output if it does not build. */
    static synchronized Path driver() throws IOException, InterruptedException {
        if (failure != null) {
            throw new AssertionError(failure);
        }
        if (driver == null) {
            try {
                driver = build(compiler());
            } catch (AssertionError e) {
                failure = e.getMessage();
                throw e;
            }
        }
        return driver;
    }

    private static Path build(Path gxx) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("graft-host-kernels");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        StringBuilder dispatch = new StringBuilder("static bool dispatch(const std::string& entry, const std::string& kinds,"
                + " unsigned int blocks, unsigned int threads, const unsigned long long* s) {\n");
        for (String file : SOURCES) {
            Nvcc.copySource(file, dir);
            String expanded = run(dir, gxx.toString(), "-std=c++17", "-E", "-P", "-x", "c++", "-D__global__=",
                    "-D__device__=", "-D__forceinline__=inline", file);
            Matcher m = ENTRY.matcher(expanded);
            while (m.find()) {
                dispatch.append(call(m.group(1), m.group(2)));
            }
        }
        dispatch.append("    return false;\n}\n");
        Files.writeString(dir.resolve("dispatch.inc"), dispatch);
        for (String file : new String[] {"host_shim.h", "host_driver.cpp"}) {
            try (InputStream in = HostKernelDriver.class.getResourceAsStream(file)) {
                if (in == null) {
                    throw new AssertionError("test resource dev/graft/cuda/" + file + " is missing");
                }
                Files.write(dir.resolve(file), in.readAllBytes());
            }
        }
        List<String> command = new ArrayList<>(List.of(gxx.toString(), "-std=c++17", "-O1", "-g", "-Wall", "-Werror",
                "-Wno-unused-function", "-o", "host_driver", "host_driver.cpp"));
        if (sanitizersWork(gxx, dir)) {
            command.addAll(2, List.of("-fsanitize=address,undefined", "-fno-sanitize-recover=all"));
        }
        run(dir, command.toArray(String[]::new));
        return dir.resolve("host_driver");
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // a temporary directory left behind is harmless
        }
    }

    /** One dispatch case: checks the argument kinds, then runs the kernel over the grid. */
    private static String call(String entry, String parameters) {
        StringBuilder kinds = new StringBuilder();
        StringBuilder args = new StringBuilder();
        String[] params = parameters.trim().isEmpty() ? new String[0] : parameters.split(",");
        for (int i = 0; i < params.length; i++) {
            String type = params[i].trim().replaceAll("\\s*\\w+$", "").replace("const", "").replaceAll("\\s+", "");
            String[] kindAndRead = switch (type) {
                case "float*" -> new String[] {"p", "P"};
                case "double*" -> new String[] {"p", "PD"};
                case "int" -> new String[] {"i", "I"};
                case "longlong" -> new String[] {"l", "L"};
                case "float" -> new String[] {"f", "F"};
                case "double" -> new String[] {"d", "D"};
                default -> throw new AssertionError(entry + ": parameter type '" + params[i].trim() + "' has no host mapping");
            };
            kinds.append(kindAndRead[0]);
            args.append(i == 0 ? "" : ", ").append(kindAndRead[1]).append("(s[").append(i).append("])");
        }
        return "    if (entry == \"" + entry + "\") {\n        expect(entry, kinds, \"" + kinds + "\");\n"
                + "        grid(blocks, threads, [&] { " + entry + "(" + args + "); });\n        return true;\n    }\n";
    }

    private static boolean sanitizersWork(Path gxx, Path dir) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("probe.cpp"), "int main() { return 0; }\n");
        Process p = new ProcessBuilder(gxx.toString(), "-fsanitize=address,undefined", "-o", "probe", "probe.cpp")
                .directory(dir.toFile()).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    }

    /** Runs a command in {@code dir}; returns its standard output, throwing with everything on failure. */
    static String run(Path dir, String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("failed (" + p.exitValue() + "): " + String.join(" ", command) + "\n"
                    + Files.readString(err));
        }
        return out;
    }
}
