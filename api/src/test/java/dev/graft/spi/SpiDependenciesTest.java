package dev.graft.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The backend SPI stands on its own: its sources import nothing else of graft-api but the
 * {@code Activation} value (no {@code exec}, {@code train}, {@code cache}, layers or models), so a
 * backend built against it cannot come to depend on the executor's internals.
 */
class SpiDependenciesTest {

    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?(dev\\.graft\\.[\\w.]+);", Pattern.MULTILINE);
    private static final Pattern QUALIFIED = Pattern.compile("\\bdev\\.graft\\.(?!spi\\.)[a-z]+\\.[A-Z]\\w*");

    @Test
    void spiImportsOnlyItselfAndActivation() throws IOException {
        Path spi = Path.of("src/main/java/dev/graft/spi");
        assertTrue(Files.isDirectory(spi), "run from the api module: " + spi.toAbsolutePath());
        TreeSet<String> outside = new TreeSet<>();
        List<Path> sources;
        try (Stream<Path> files = Files.list(spi)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertTrue(sources.size() > 5, "found the SPI sources");
        for (Path file : sources) {
            String text = Files.readString(file);
            Matcher m = IMPORT.matcher(text);
            while (m.find()) {
                String imported = m.group(1);
                if (!imported.startsWith("dev.graft.spi.") && !imported.equals("dev.graft.Activation")) {
                    outside.add(file.getFileName() + " imports " + imported);
                }
            }
            // Code only: comments may mention other packages (Javadoc links in {@code} form).
            String code = text.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "").replaceAll("(?m)^import .*$", "");
            Matcher q = QUALIFIED.matcher(code);
            while (q.find()) {
                outside.add(file.getFileName() + " names " + q.group());
            }
        }
        assertEquals(new TreeSet<>(), outside, "the SPI must not depend on the rest of graft-api");
    }
}
