package dev.graft.bench.race;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedRaceDataTest {

    @TempDir
    Path dir;

    @Test
    void theSameSeedGivesTheSameSamplesAndAnotherSeedOthers() {
        RaceData.Split a = SeedRaceData.generate(200, 19);
        RaceData.Split b = SeedRaceData.generate(200, 19);
        RaceData.Split c = SeedRaceData.generate(200, 20);
        assertArrayEquals(a.x(), b.x());
        assertArrayEquals(a.y(), b.y());
        assertFalse(Arrays.equals(a.x(), c.x()));
        assertEquals(200 * SeedRaceData.WIDTH, a.x().length);
        assertEquals(SeedRaceData.CLASSES, Arrays.stream(a.y()).distinct().count());
    }

    @Test
    void whatIsWrittenIsReadBackWithItsSeedInTheFingerprint() throws IOException {
        RaceData.Split data = SeedRaceData.generate(100, 5);
        Path file = dir.resolve("data.bin");
        SeedRaceData.write(data, 5, file);
        RaceData.Split read = SeedRaceData.read(file);
        assertEquals(100, read.n());
        assertArrayEquals(data.x(), read.x());
        assertArrayEquals(data.y(), read.y());
        assertTrue(SeedRaceData.fingerprint(file).contains("seed=5"), SeedRaceData.fingerprint(file));
        assertFalse(Files.exists(dir.resolve("data.bin.tmp")));
    }

    @Test
    void aTruncatedOrForeignFileIsRefusedWithItsName() throws IOException {
        Path file = dir.resolve("data.bin");
        SeedRaceData.write(SeedRaceData.generate(10, 1), 1, file);
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 4));
        IOException truncated = assertThrows(IOException.class, () -> SeedRaceData.read(file));
        assertTrue(truncated.getMessage().contains(file.toString()), truncated.getMessage());
        Files.write(file, new byte[64]);
        IOException foreign = assertThrows(IOException.class, () -> SeedRaceData.read(file));
        assertTrue(foreign.getMessage().contains("not a seed-race data file"), foreign.getMessage());
    }
}
