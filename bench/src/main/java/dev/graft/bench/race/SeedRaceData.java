package dev.graft.bench.race;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The seed race's inputs (issue 19): the seed question's network, 500-300-100-50-5, on 60,000
 * synthetic samples of 5 classes. The data is drawn once from a seeded generator and written to one
 * file that every peer reads the same way (plain JDK): a 32-byte header (magic {@code GSRD}, version,
 * samples, width, classes, the generator's seed), then {@code samples × width} float32 and
 * {@code samples} int32 labels, little-endian.
 *
 * <p>Each sample is its class's centre (Gaussian, scaled by {@link #SEPARATION}) plus unit Gaussian
 * noise: learnable, but not in one step, so the losses move over the epochs.
 */
public final class SeedRaceData {

    /** hidden1, hidden2 (frozen), hidden3 (copied, trainable), output (the new head). */
    public static final int[][] LAYERS = {{500, 300}, {300, 100}, {100, 50}, {50, 5}};
    public static final int WIDTH = 500;
    public static final int CLASSES = 5;
    public static final int SAMPLES = 60_000;
    /** The default generator seed (the number). */
    public static final long SEED = 19;
    private static final float SEPARATION = 0.1f;
    private static final int MAGIC = 0x44525347; // "GSRD" little-endian
    private static final int VERSION = 1;
    private static final int HEADER = 32;

    private SeedRaceData() {
    }

    /** {@code samples} seeded samples; the same seed gives the same values on every JVM. */
    public static RaceData.Split generate(int samples, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] centres = new float[CLASSES * WIDTH];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = (float) rnd.nextGaussian() * SEPARATION;
        }
        float[] x = new float[samples * WIDTH];
        int[] y = new int[samples];
        for (int s = 0; s < samples; s++) {
            int c = rnd.nextInt(CLASSES);
            y[s] = c;
            for (int j = 0; j < WIDTH; j++) {
                x[s * WIDTH + j] = centres[c * WIDTH + j] + (float) rnd.nextGaussian();
            }
        }
        return new RaceData.Split(x, y, samples);
    }

    /** Writes {@code data} to {@code file} atomically (a temporary file, then a rename). */
    public static void write(RaceData.Split data, long seed, Path file) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER + 4 * (data.x().length + data.n())).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(MAGIC).putInt(VERSION).putInt(data.n()).putInt(data.x().length / data.n()).putInt(CLASSES).putLong(seed);
        b.position(HEADER);
        b.asFloatBuffer().put(data.x());
        b.position(HEADER + 4 * data.x().length);
        b.asIntBuffer().put(data.y(), 0, data.n());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, b.array());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Reads what {@link #write} wrote; refuses a file of another format or shape. The file is read in
     * 1 MiB chunks rather than mapped: a mapping stays resident until the collector frees it, and it
     * would add the file's 120 MB to every peer's peak RSS.
     */
    public static RaceData.Split read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(header, 0);
            if (ch.size() < HEADER || header.getInt(0) != MAGIC || header.getInt(4) != VERSION) {
                throw new IOException(file + ": not a seed-race data file (run SeedRacePrepare again)");
            }
            int n = header.getInt(8);
            int width = header.getInt(12);
            if (width != WIDTH || header.getInt(16) != CLASSES || ch.size() != HEADER + 4L * n * (width + 1)) {
                throw new IOException(file + ": " + n + " samples of width " + width + " and " + header.getInt(16)
                        + " classes in " + ch.size() + " bytes; expected width " + WIDTH + " and " + CLASSES + " classes");
            }
            float[] x = new float[n * width];
            int[] y = new int[n];
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long position = HEADER;
            for (int done = 0; done < x.length; ) {
                int floats = Math.min(x.length - done, chunk.capacity() / 4);
                position += readFully(ch, chunk, position, 4 * floats, file);
                chunk.asFloatBuffer().get(x, done, floats);
                done += floats;
            }
            for (int done = 0; done < n; ) {
                int ints = Math.min(n - done, chunk.capacity() / 4);
                position += readFully(ch, chunk, position, 4 * ints, file);
                chunk.asIntBuffer().get(y, done, ints);
                done += ints;
            }
            return new RaceData.Split(x, y, n);
        }
    }

    private static int readFully(FileChannel ch, ByteBuffer chunk, long position, int bytes, Path file) throws IOException {
        chunk.clear().limit(bytes);
        while (chunk.hasRemaining()) {
            if (ch.read(chunk, position + chunk.position()) < 0) {
                throw new IOException(file + ": ends at byte " + (position + chunk.position()) + " (truncated)");
            }
        }
        chunk.flip();
        return bytes;
    }

    /**
     * What determines the file's values (format, size, generator seed): the Graft peer declares it as
     * the data's source fingerprint, as a user whose data comes from a file would, so the cache key
     * need not hash 120 MB of features.
     */
    public static String fingerprint(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            return String.format("seed-race v%d n=%d width=%d classes=%d seed=%d", h.getInt(4), h.getInt(8), h.getInt(12),
                    h.getInt(16), h.getLong(20));
        }
    }
}
