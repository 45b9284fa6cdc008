package dev.graft.loader.tf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.loader.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;

/** Reads the real checkpoints and checks entries against the values recorded in each fixture's SOURCE.txt. */
class TensorBundleTest {

    @Test
    void slatteryTensorsMatchSourceTxt() throws Exception {
        TensorBundle b = TensorBundle.open(Fixtures.slatteryPrefix());
        assertEquals(java.util.List.of("Bias1", "Bias2", "Weights1", "Weights2"), java.util.List.copyOf(b.entries().keySet()));
        assertArrayEquals(new long[] {2, 3}, b.entry("Weights2").shape());
        assertArrayEquals(new float[] {11.04481f, 16.50138f, 8.00568f, -1.88708f}, b.readFloats("Weights1"), 1e-5f);
        assertArrayEquals(new float[] {-5.71117f, -7.42494f, 5.76172f}, b.readFloats("Bias2"), 1e-5f);
    }

    @Test
    void mnistCheckpointHasGlobalStepAndLayers() throws Exception {
        TensorBundle b = TensorBundle.open(CheckpointPaths.resolve(Fixtures.mnistDir()));
        assertEquals("model.ckpt-1999", b.prefix().getFileName().toString());
        assertArrayEquals(new long[] {2000}, b.readLongs("global_step"));
        assertEquals(DataType.DT_INT32, b.entry("global_step").dtype());
        assertArrayEquals(new long[] {784, 128}, b.entry("hidden1/weights").shape());
        float[] w = b.readFloats("hidden1/weights");
        assertEquals(784 * 128, w.length);
        assertArrayEquals(new float[] {0.03022f, 0.01060f, 0.01970f, -0.02410f}, java.util.Arrays.copyOf(w, 4), 1e-5f);
        assertEquals(401408, b.entry("hidden1/weights").size());
    }

    @Test
    void tf2BundleVerifiesStringCrcAndInt64() throws Exception {
        TensorBundle b = TensorBundle.open(Fixtures.savedModelDir().resolve("variables/variables"));
        assertEquals(6964, b.readBytes("_CHECKPOINTABLE_OBJECT_GRAPH").length);
        assertArrayEquals(new long[] {61800}, b.readLongs("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE"));
        assertEquals(0.999f, b.readFloats("optimizer/beta_2/.ATTRIBUTES/VARIABLE_VALUE")[0], 1e-6f);
        assertArrayEquals(new long[] {500, 200}, b.entry("layer_with_weights-1/kernel/.ATTRIBUTES/VARIABLE_VALUE").shape());
    }

    @Test
    void pathsResolveStateFileDirectoryAndSuffixes() throws Exception {
        Path dir = Fixtures.mnistDir();
        Path expected = dir.resolve("model.ckpt-1999");
        assertEquals(expected, CheckpointPaths.resolve(dir).toAbsolutePath());
        assertEquals(expected, CheckpointPaths.resolve(dir.resolve("checkpoint")).toAbsolutePath());
        assertEquals(expected, CheckpointPaths.resolve(dir.resolve("model.ckpt-1999.index")));
        assertEquals(expected, CheckpointPaths.resolve(dir.resolve("model.ckpt-1999.meta")));
        assertEquals(expected, CheckpointPaths.resolve(dir.resolve("model.ckpt-1999.data-00000-of-00001")));
        assertTrue(CheckpointPaths.metaGraph(expected).isPresent());
    }

    @Test
    void writtenBundleReadsBackBitIdentical(@TempDir Path tmp) throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        BundleWriter w = new BundleWriter();
        float[][] values = new float[40][];
        for (int i = 0; i < values.length; i++) {
            values[i] = new float[1 + r.nextInt(300)];
            for (int k = 0; k < values[i].length; k++) {
                values[i][k] = Float.intBitsToFloat(r.nextInt()) ;
            }
            w.add("scope_" + (i % 7) + "/layer" + i + "/weights", new long[] {values[i].length}, values[i]);
        }
        Path prefix = tmp.resolve("sub/model.ckpt");
        w.write(prefix);
        TensorBundle b = TensorBundle.open(prefix);
        assertEquals(values.length, b.entries().size());
        for (int i = 0; i < values.length; i++) {
            float[] back = b.readFloats("scope_" + (i % 7) + "/layer" + i + "/weights");
            assertEquals(values[i].length, back.length);
            for (int k = 0; k < back.length; k++) {
                assertEquals(Float.floatToRawIntBits(values[i][k]), Float.floatToRawIntBits(back[k]));
            }
        }
        try (var files = Files.list(prefix.getParent())) {
            assertEquals(2, files.count(), "no temporary files left behind");
        }
    }
}
