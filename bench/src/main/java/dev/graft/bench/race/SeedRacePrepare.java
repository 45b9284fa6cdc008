package dev.graft.bench.race;

import dev.graft.data.Dataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the seed race's starting point once (issue 19): {@code <out>/data.bin}, the 60,000 seeded
 * synthetic samples every peer reads ({@link SeedRaceData}); and, as {@link RacePrepare} does for
 * Fashion-MNIST, the user's "original" 500-300-100-50-5 network trained briefly on the first 20,000
 * of them, saved as a TF V2 checkpoint (what the Graft peer loads), plus {@code weights.bin} with
 * hidden1–3 and the new head's initial values, so every peer starts from the same numbers.
 *
 * <p>Usage: {@code SeedRacePrepare <out dir> [seed]}
 */
public final class SeedRacePrepare {

    private SeedRacePrepare() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        long seed = args.length > 1 ? Long.parseLong(args[1]) : SeedRaceData.SEED;
        Files.createDirectories(out);
        RaceData.Split data = SeedRaceData.generate(SeedRaceData.SAMPLES, seed);
        SeedRaceData.write(data, seed, out.resolve("data.bin"));
        Dataset train = Dataset.wrapClassification(data.x(), SeedRaceData.WIDTH, data.y(), SeedRaceData.CLASSES);
        RacePrepare.prepare(train.head(20_000), out);
    }
}
