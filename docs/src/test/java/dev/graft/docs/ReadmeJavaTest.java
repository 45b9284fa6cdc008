package dev.graft.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user does with the README: a fresh Maven project that imports {@code graft-bom} and
 * depends on {@code graft-api}, {@code graft-loader} and {@code graft-backend-cpu} exactly as the
 * README's {@code xml} block says, with every {@code java} block of the README as a source file,
 * unchanged. The artifacts this build made are installed into a throw-away local repository (never
 * the shared {@code ~/.m2}); third-party jars come from the build's own local repository, declared
 * as a {@code file:} repository ahead of Maven Central, so the check needs no network when the
 * build has run once. The program must print the accuracy the README states (on the reference
 * backend, whose arithmetic is the same on every machine); without that override the CPU backend
 * must open (its natives came through the platform profile, no fallback warning). Then api +
 * loader, and api + loader + cpu, start on the module path, as a modular application would.
 */
class ReadmeJavaTest {

    private static final Pattern BLOCK = Pattern.compile("```(java|xml)\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern STATED = Pattern.compile("prints `(test accuracy: \\d+\\.\\d %)`");
    private static final Pattern CLASS = Pattern.compile("public (?:final )?class (\\w+)");

    private final Path root = Path.of(System.getProperty("graft.repoRoot", "..")).toAbsolutePath().normalize();
    private final String version = System.getProperty("graft.version");

    @Test
    void theReadmesJavaCompilesInAFreshProjectAndPrintsTheStatedAccuracy(@TempDir Path tmp) throws Exception {
        String readme = Files.readString(root.resolve("README.md"));
        List<String> javaBlocks = new ArrayList<>();
        List<String> xml = new ArrayList<>();
        Matcher m = BLOCK.matcher(readme);
        while (m.find()) {
            (m.group(1).equals("java") ? javaBlocks : xml).add(m.group(2));
        }
        assertFalse(javaBlocks.isEmpty(), "README.md has no ```java block");
        Matcher stated = STATED.matcher(readme);
        assertTrue(stated.find(), "README.md must say what the example prints: \"prints `test accuracy: NN.N %`\"");
        String coordinates = xml.stream().filter(x -> x.contains("graft-bom")).findFirst()
                .orElseThrow(() -> new AssertionError("README.md has no ```xml block with the Maven coordinates (graft-bom)"));
        assertTrue(coordinates.contains("<version>" + version + "</version>"), "the README's coordinates name version " + version);

        Path repo = tmp.resolve("repo");
        Path settings = tmp.resolve("settings.xml");
        Files.writeString(settings, """
                <settings>
                  <profiles>
                    <profile>
                      <id>m2</id>
                      <repositories>
                        <repository><id>m2</id><url>%1$s</url><snapshots><enabled>false</enabled></snapshots></repository>
                      </repositories>
                      <pluginRepositories>
                        <pluginRepository><id>m2</id><url>%1$s</url><snapshots><enabled>false</enabled></snapshots></pluginRepository>
                      </pluginRepositories>
                    </profile>
                  </profiles>
                  <activeProfiles><activeProfile>m2</activeProfile></activeProfiles>
                </settings>
                """.formatted(Path.of(System.getProperty("graft.localRepository")).toUri()));
        install(tmp, settings, repo, root.resolve("pom.xml"), root.resolve("pom.xml"));
        install(tmp, settings, repo, root.resolve("bom/pom.xml"), root.resolve("bom/pom.xml"));
        for (String module : List.of("api", "backend-cpu", "loader")) {
            Path jar = root.resolve(module + "/target/graft-" + module + "-" + version + ".jar");
            assertTrue(Files.isRegularFile(jar), jar + " is missing: this check runs in 'mvn verify', after 'package'");
            install(tmp, settings, repo, jar, root.resolve(module + "/pom.xml"));
        }

        Path project = tmp.resolve("project");
        Files.createDirectories(project.resolve("src/main/java"));
        Files.writeString(project.resolve("pom.xml"), """
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>readme</artifactId>
                  <version>1</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                %s
                  <build>
                    <pluginManagement>
                      <plugins>
                        <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
                        <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                      </plugins>
                    </pluginManagement>
                  </build>
                </project>
                """.formatted(coordinates));
        List<String> mains = new ArrayList<>();
        for (String source : javaBlocks) {
            Matcher c = CLASS.matcher(source);
            assertTrue(c.find(), "a ```java block of README.md is not a whole compilation unit (no public class):\n" + source);
            Files.writeString(project.resolve("src/main/java/" + c.group(1) + ".java"), source);
            if (source.contains("public static void main(")) {
                mains.add(c.group(1));
            }
        }
        Result build = run(project, List.of(mvn(), "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + repo,
                "compile", "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath",
                "-Dmdep.outputFile=cp.txt"), 600, java.util.Map.of());
        assertEquals(0, build.code(), "the fresh project does not build:\n" + build);
        String classpath = project.resolve("target/classes") + java.io.File.pathSeparator
                + Files.readString(project.resolve("cp.txt")).strip();

        // The number depends on the backend's float arithmetic (OpenBLAS picks kernels per CPU): the README states
        // the reference backend's, which is the same on every machine, and says so.
        for (String main : mains) {
            // Run from the repository root with no arguments: the README's code as a reader would run it.
            Result r = run(root, List.of(javaBin(), "-cp", classpath, main), 900, java.util.Map.of("GRAFT_BACKEND", "reference"));
            assertEquals(0, r.code(), main + " failed:\n" + r);
            assertTrue(r.out().contains(stated.group(1)), "README.md says the example prints '" + stated.group(1)
                    + "'; it printed:\n" + r.out());
        }

        // Without the override the CPU backend opens: its natives came with graft-backend-cpu through the platform profile.
        Path backendCheck = tmp.resolve("BackendCheck.java");
        Files.writeString(backendCheck, """
                public class BackendCheck {
                    public static void main(String[] args) {
                        try (dev.graft.spi.Backend b = dev.graft.Backends.open()) {
                            System.out.println(b.name());
                        }
                    }
                }
                """);
        Result cpu = run(tmp, List.of(javaBin(), "-cp", classpath, backendCheck.toString()), 120, java.util.Map.of());
        assertEquals("cpu", cpu.out().strip(), cpu.toString());
        assertFalse(cpu.err().contains("falling back"), cpu.err());

        // The same jars on the module path: every automatic module name resolves, with their dependencies.
        Path check = tmp.resolve("ModuleCheck.java");
        Files.writeString(check, """
                public class ModuleCheck {
                    public static void main(String[] args) {
                        for (String name : args) {
                            System.out.println(name + " " + ModuleLayer.boot().findModule(name).isPresent());
                        }
                        System.out.println(dev.graft.loader.Models.class.getModule().getName());
                    }
                }
                """);
        String all = classpath.substring(classpath.indexOf(java.io.File.pathSeparator) + 1);
        String apiAndLoader = java.util.Arrays.stream(all.split(java.io.File.pathSeparator))
                .filter(jar -> !jar.contains("graft-backend-cpu") && !jar.contains("openblas"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        assertModulesStart(tmp, check, apiAndLoader, "dev.graft.api", "dev.graft.loader");
        assertModulesStart(tmp, check, all, "dev.graft.api", "dev.graft.loader", "dev.graft.backend.cpu");
    }

    private static void assertModulesStart(Path dir, Path check, String modulePath, String... modules) throws Exception {
        List<String> command = new ArrayList<>(List.of(javaBin(), "--module-path", modulePath,
                "--add-modules", String.join(",", modules), check.toString()));
        command.addAll(List.of(modules));
        Result r = run(dir, command, 120, java.util.Map.of());
        assertEquals(0, r.code(), String.join(" + ", modules) + " on the module path:\n" + r);
        StringBuilder expected = new StringBuilder();
        for (String m : modules) {
            expected.append(m).append(" true\n");
        }
        assertEquals(expected + "dev.graft.loader", r.out().strip());
    }

    private void install(Path tmp, Path settings, Path repo, Path file, Path pom) throws Exception {
        Result r = run(tmp, List.of(mvn(), "-B", "-q", "-s", settings.toString(), "-Dmaven.repo.local=" + repo,
                "org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file", "-Dfile=" + file, "-DpomFile=" + pom), 300,
                java.util.Map.of());
        assertEquals(0, r.code(), "installing " + file + " into the throw-away repository failed:\n" + r);
    }

    private static String mvn() {
        String home = System.getProperty("graft.mavenHome");
        return home == null || home.isBlank() ? "mvn" : Path.of(home, "bin", "mvn").toString();
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    private static Result run(Path dir, List<String> command, long timeoutSeconds, java.util.Map<String, String> env)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("graft-docs", ".out");
        Path err = Files.createTempFile("graft-docs", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().remove("MAVEN_OPTS");
            pb.environment().remove("MAVEN_ARGS");
            pb.environment().remove("GRAFT_BACKEND");
            pb.environment().putAll(env);
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, Files.readString(out), Files.readString(err) + "\n(timed out after " + timeoutSeconds + " s)");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
