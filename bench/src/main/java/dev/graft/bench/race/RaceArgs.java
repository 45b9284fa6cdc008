package dev.graft.bench.race;

import java.nio.file.Path;

/**
 * The command line every MLP and CNN race peer takes (the race scripts pass it):
 * {@code <fashion-mnist dir> <prepared dir> <batch> <threads> <cached epochs> <uncached epochs>}.
 */
record RaceArgs(Path dataDir, Path prepared, int batch, int threads, int cachedEpochs, int uncachedEpochs) {

    static RaceArgs parse(String[] args) {
        return new RaceArgs(Path.of(args[0]), Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                Integer.parseInt(args[4]), Integer.parseInt(args[5]));
    }
}
