package dev.graft.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.conformance.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTest {

    @Test
    void labelsOutOfRangeNameTheSampleAndTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.classification(new float[6], 2, new int[] {0, 5, 1}, 3));
        assertTrue(e.getMessage().contains("label 5 of sample 1") && e.getMessage().contains("0..2"), e.getMessage());
    }

    @Test
    void nanFeaturesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Dataset.classification(new float[] {0, Float.NaN, 0, 0}, 2, new int[] {0, 1}, 2));
        assertTrue(e.getMessage().contains("feature 1 of sample 0 is NaN"), e.getMessage());
    }

    @Test
    void filterClassesRemapsInTheGivenOrder() {
        Dataset d = Dataset.classification(new float[] {0, 1, 2, 3, 4}, 1, new int[] {9, 5, 7, 5, 2}, 10);
        Dataset f = d.filterClasses(5, 7, 9);
        assertEquals(4, f.size());
        assertArrayEquals(new int[] {2, 0, 1, 0}, f.labels());
        assertArrayEquals(new float[] {0, 1, 2, 3}, f.features());
        assertEquals(3, f.classes());
    }

    @Test
    void relabelMergesAndDropsClasses() {
        Dataset d = Dataset.classification(new float[] {0, 1, 2, 3, 4, 5}, 1, new int[] {0, 1, 2, 3, 2, 1}, 4);
        Dataset folded = d.relabel(0, 0, 1, 1);
        assertArrayEquals(new int[] {0, 0, 1, 1, 1, 0}, folded.labels());
        assertEquals(2, folded.classes());
        Dataset dropped = d.relabel(-1, 0, 1, -1);
        assertArrayEquals(new float[] {1, 2, 4, 5}, dropped.features());
        assertArrayEquals(new int[] {0, 1, 1, 0}, dropped.labels());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.relabel(0, 1));
        assertTrue(e.getMessage().contains("4 classes") && e.getMessage().contains("2 labels"), e.getMessage());
    }

    @Test
    void pixelDatasetsReadAsScaledFloatsEverywhere() {
        byte[] pixels = {0, (byte) 255, (byte) 128, 7, (byte) 200, 1};
        Dataset p = Dataset.wrapPixels(pixels, 2, new int[] {1, 0, 1}, 2);
        float[] expected = new float[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = (pixels[i] & 0xFF) / 255f;
        }
        Dataset f = Dataset.classification(expected, 2, new int[] {1, 0, 1}, 2);
        assertArrayEquals(expected, p.features());
        float[] x = new float[4];
        float[] y = new float[2];
        p.gather(new int[] {2, 0}, 0, 2, x, y);
        assertArrayEquals(new float[] {expected[4], expected[5], expected[0], expected[1]}, x);
        assertArrayEquals(new float[] {1, 1}, y);
        assertArrayEquals(f.subset(new int[] {2, 1}).features(), p.subset(new int[] {2, 1}).features());
        assertArrayEquals(f.filterClasses(1).features(), p.filterClasses(1).features());
        assertNotEquals(p.fingerprint(), Dataset.wrapPixels(new byte[] {0, (byte) 255, (byte) 128, 7, (byte) 200, 2}, 2,
                new int[] {1, 0, 1}, 2).fingerprint());
    }

    @Test
    void splitIsSeededDisjointAndComplete() {
        float[] x = new float[100];
        int[] y = new int[100];
        for (int i = 0; i < 100; i++) {
            x[i] = i;
            y[i] = i % 2;
        }
        Dataset d = Dataset.classification(x, 1, y, 2);
        Dataset.Split a = d.split(0.2, 1);
        Dataset.Split b = d.split(0.2, 1);
        assertArrayEquals(a.validation().features(), b.validation().features());
        assertEquals(20, a.validation().size());
        float[] all = new float[100];
        System.arraycopy(a.train().features(), 0, all, 0, 80);
        System.arraycopy(a.validation().features(), 0, all, 80, 20);
        Arrays.sort(all);
        assertArrayEquals(x, all, "train + validation must be a partition");
        assertNotEquals(Arrays.toString(a.validation().features()), Arrays.toString(d.split(0.2, 2).validation().features()));
    }

    @Test
    void samplePerClassCapsEachClass() {
        Dataset d = TestData.fashionTrain().filterClasses(5, 6, 7, 8, 9);
        Dataset s = d.samplePerClass(7, 3);
        int[] counts = new int[5];
        for (int l : s.labels()) {
            counts[l]++;
        }
        assertArrayEquals(new int[] {7, 7, 7, 7, 7}, counts);
    }

    @Test
    void fingerprintChangesWithOneValue() {
        Dataset a = Dataset.classification(new float[] {1, 2, 3, 4}, 2, new int[] {0, 1}, 2);
        Dataset b = Dataset.classification(new float[] {1, 2, 3, 4.0001f}, 2, new int[] {0, 1}, 2);
        Dataset c = Dataset.classification(new float[] {1, 2, 3, 4}, 2, new int[] {1, 1}, 2);
        assertNotEquals(a.fingerprint(), b.fingerprint());
        assertNotEquals(a.fingerprint(), c.fingerprint());
        assertEquals(a.fingerprint(), Dataset.classification(new float[] {1, 2, 3, 4}, 2, new int[] {0, 1}, 2).fingerprint());
    }

    @Test
    void idxDatasetsAreFingerprintedByTheirFilesAndDerivedSetsByTheirParents(@TempDir Path dir) throws IOException {
        Dataset a = TestData.fashionTest();
        Dataset b = TestData.fashionTest();
        assertEquals(a.fingerprint(), b.fingerprint(), "the same files give the same fingerprint");
        Dataset byContent = Dataset.classification(a.features(), a.width(), a.labels(), a.classes());
        assertNotEquals(byContent.fingerprint(), a.fingerprint(), "an IDX dataset is keyed by its files, not re-hashed");
        assertEquals(a.filterClasses(5, 6, 7).head(50).fingerprint(), b.filterClasses(5, 6, 7).head(50).fingerprint());
        assertNotEquals(a.filterClasses(5, 6, 7).fingerprint(), a.filterClasses(5, 6, 8).fingerprint());
        assertNotEquals(a.head(50).fingerprint(), a.head(51).fingerprint());
        assertNotEquals(a.samplePerClass(3, 1).fingerprint(), a.samplePerClass(3, 2).fingerprint());

        Path images = TestData.fashionMnist().resolve("t10k-images-idx3-ubyte.gz");
        byte[] raw = new java.util.zip.GZIPInputStream(Files.newInputStream(images)).readAllBytes();
        raw[16 + 400] ^= 1;
        Path changed = dir.resolve("t10k-images-idx3-ubyte");
        Files.write(changed, raw);
        Dataset c = Idx.read(changed, TestData.fashionMnist().resolve("t10k-labels-idx1-ubyte.gz"), 10);
        assertNotEquals(a.fingerprint(), c.fingerprint(), "one changed pixel must change the fingerprint");
    }

    @Test
    void committedFashionSubsetReadsWithScaledPixels() {
        Dataset train = TestData.fashionTrain();
        Dataset test = TestData.fashionTest();
        assertEquals(10000, train.size());
        assertEquals(2000, test.size());
        assertEquals(784, train.width());
        float[] f = train.features();
        float max = 0;
        for (float v : f) {
            assertTrue(v >= 0 && v <= 1);
            max = Math.max(max, v);
        }
        assertEquals(1f, max);
    }

    @Test
    void truncatedIdxNamesTheFile(@TempDir Path dir) throws IOException {
        Path images = TestData.fashionMnist().resolve("t10k-images-idx3-ubyte.gz");
        byte[] raw = new java.util.zip.GZIPInputStream(Files.newInputStream(images)).readAllBytes();
        Path cut = dir.resolve("cut-images-idx3-ubyte");
        Files.write(cut, Arrays.copyOf(raw, 5000));
        IOException e = assertThrows(IOException.class,
                () -> Idx.read(cut, TestData.fashionMnist().resolve("t10k-labels-idx1-ubyte.gz"), 10));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
        Path junk = dir.resolve("junk");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        IOException j = assertThrows(IOException.class, () -> Idx.read(junk, junk, 10));
        assertTrue(j.getMessage().contains("not an unsigned-byte IDX file"), j.getMessage());
    }

    @Test
    void featureFingerprintIgnoresLabelsAndFollowsTheImageFile(@TempDir Path dir) throws IOException {
        Path labels = TestData.fashionMnist().resolve("t10k-labels-idx1-ubyte.gz");
        byte[] raw = new java.util.zip.GZIPInputStream(Files.newInputStream(labels)).readAllBytes();
        raw[8] = (byte) ((raw[8] + 1) % 10);
        Path otherLabels = dir.resolve("t10k-labels-idx1-ubyte");
        Files.write(otherLabels, raw);
        Dataset a = TestData.fashionTest();
        Dataset b = Idx.read(TestData.fashionMnist().resolve("t10k-images-idx3-ubyte.gz"), otherLabels, 10);
        assertNotEquals(a.fingerprint(), b.fingerprint(), "one changed label changes the whole fingerprint");
        assertEquals(a.featureFingerprint(), b.featureFingerprint(), "but not the features'");
        assertEquals(a.head(40).featureFingerprint(), b.head(40).featureFingerprint());

        Dataset small = Dataset.classification(new float[] {1, 2, 3, 4}, 2, new int[] {0, 1}, 2);
        Dataset flipped = Dataset.classification(new float[] {1, 2, 3, 4}, 2, new int[] {1, 0}, 2);
        assertEquals(small.featureFingerprint(), flipped.featureFingerprint());
        assertEquals(small.featureFingerprint(), Dataset.unlabelled(new float[][] {{1, 2}, {3, 4}}).featureFingerprint());
        assertNotEquals(small.featureFingerprint(), Dataset.unlabelled(new float[] {1, 2, 3, 5}, 2).featureFingerprint());
    }

    @Test
    void unlabelledDataCanBeSubsetButNotTrainedOn() {
        Dataset u = Dataset.unlabelled(new float[][] {{1, 2}, {3, 4}, {5, 6}});
        assertEquals(false, u.isLabelled());
        assertEquals(0, u.targetWidth());
        Dataset s = u.subset(new int[] {2, 0});
        float[] row = new float[2];
        s.copyFeatures(0, row, 0);
        assertArrayEquals(new float[] {5, 6}, row);
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> u.gatherTargets(new int[] {0}, 0, 1, new float[1]));
        assertTrue(e.getMessage().contains("no labels"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Dataset.unlabelled(new float[][] {{1, 2}, {3}}));
        assertNotEquals(u.fingerprint(), Dataset.unlabelled(new float[][] {{1, 2}, {3, 4}, {5, 7}}).fingerprint());
    }
    /** Every byte value of every channel reads as the float the formula gives, through rows and through features(). */
    @Test
    void pixelsReadAsTheFormulasFloatsForEveryByteValue() {
        float[] divisor = {127.5f, 58.395f, 1f};
        float[] subtract = {1f, 2.1179f, 103.939f};
        byte[] bytes = new byte[256 * 3];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i / 3);
        }
        int width = 24;
        Dataset images = Dataset.wrapImages(bytes, width, divisor, subtract, new int[bytes.length / width], 2);
        Dataset plain = Dataset.wrapPixels(bytes, width, new int[bytes.length / width], 2);
        float[] fromRows = new float[bytes.length];
        float[] plainRows = new float[bytes.length];
        int rows = bytes.length / width;
        int[] order = java.util.stream.IntStream.range(0, rows).toArray();
        images.gather(order, 0, rows, fromRows, new float[rows * images.targetWidth()]);
        plain.gather(order, 0, rows, plainRows, new float[rows * plain.targetWidth()]);
        float[] all = images.features();
        for (int i = 0; i < bytes.length; i++) {
            int v = bytes[i] & 0xFF;
            int c = i % 3;
            assertEquals(v / divisor[c] - subtract[c], fromRows[i], 0f, "value " + v + " channel " + c + " via rows");
            assertEquals(v / divisor[c] - subtract[c], all[i], 0f, "value " + v + " channel " + c + " via features()");
            assertEquals(v / 255f, plainRows[i], 0f, "plain value " + v);
        }
    }
}
