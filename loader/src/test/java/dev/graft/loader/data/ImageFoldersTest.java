package dev.graft.loader.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Model;
import dev.graft.cache.DiskCache;
import dev.graft.cache.FeatureSource;
import dev.graft.conformance.TestData;
import dev.graft.data.Dataset;
import dev.graft.loader.Datasets;
import dev.graft.loader.ModelFileException;
import dev.graft.reference.ReferenceBackend;
import dev.graft.train.Optimizer;
import dev.graft.train.Trainer;
import dev.graft.train.TrainingListener;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image folders written from the bundled Fashion-MNIST images: PNG (lossless) decodes to the IDX
 * bytes and trains bit for bit like the IDX files; JPEG (baseline, progressive, grayscale, CMYK)
 * decodes close to them; corrupt files are named or, when asked, skipped and counted.
 */
class ImageFoldersTest {

    static final String[] NAMES = {"0-tshirt", "1-trouser", "2-pullover", "3-dress", "4-coat",
        "5-sandal", "6-shirt", "7-sneaker", "8-bag", "9-boot"};
    static final int N = 300;

    @TempDir
    static Path tmp;
    static Dataset idx;
    static Path png;

    @BeforeAll
    static void writeFolders() throws IOException {
        idx = TestData.fashionTrain().head(N);
        png = ImageFiles.writeTree(idx, tmp.resolve("png"), NAMES, "png");
    }

    /** The IDX samples in folder order: by class, then by index (the file names are zero-padded indices). */
    static Dataset idxInFolderOrder() {
        int[] order = IntStream.range(0, idx.size()).boxed()
                .sorted((a, b) -> idx.label(a) != idx.label(b) ? Integer.compare(idx.label(a), idx.label(b)) : Integer.compare(a, b))
                .mapToInt(Integer::intValue).toArray();
        return idx.subset(order);
    }

    private static ImageFolders.Options gray() {
        return ImageFolders.Options.defaults().grayscale(true);
    }

    @Test
    void pngFolderDecodesToTheIdxBytesWithSortedClassNames() throws IOException {
        ImageFolders.ImageDataset images = Datasets.images(png, gray());
        Dataset expected = idxInFolderOrder();
        assertEquals(List.of(NAMES), images.classNames());
        assertEquals(28, images.height());
        assertEquals(1, images.channels());
        assertArrayEquals(expected.labels(), images.data().labels());
        assertArrayEquals(expected.features(), images.data().features());
    }

    @Test
    void trainingFromThePngFolderEqualsTrainingFromIdxBitForBit() throws IOException {
        Dataset fromPng = ImageFolders.labelled(png, gray()).data();
        Dataset fromIdx = idxInFolderOrder();
        try (ReferenceBackend backend = new ReferenceBackend()) {
            Trainer trainer = Trainer.builder(backend).optimizer(Optimizer.momentum(0.05f, 0.9f)).epochs(2).batchSize(32).seed(9).build();
            Model model = Model.builder(784, 5).dense("h", 32, Activation.RELU).dense("out", 10, Activation.IDENTITY).build();
            Model a = trainer.fit(model, fromPng).model();
            Model b = trainer.fit(model, fromIdx).model();
            for (int i = 0; i < model.size(); i++) {
                assertArrayEquals(((Dense) b.layer(i)).weights(), ((Dense) a.layer(i)).weights(), "layer " + i);
                assertArrayEquals(((Dense) b.layer(i)).bias(), ((Dense) a.layer(i)).bias(), "layer " + i);
            }
            assertTrue(!Arrays.equals(((Dense) model.layer(0)).weights(), ((Dense) a.layer(0)).weights()), "training changed the weights");
        }
    }

    /** A small CNN (conv, pool, flatten, dense) with its lowest conv frozen and cached: PNG folder vs IDX, bit for bit. */
    @Test
    void cnnTrainingFromThePngFolderEqualsTrainingFromIdxBitForBit() throws IOException {
        Dataset fromPng = ImageFolders.labelled(png, gray()).data().head(120);
        Dataset fromIdx = idxInFolderOrder().head(120);
        Model base = Model.builder(dev.graft.Shape.of(28, 28, 1), 3).conv2d("conv1", 4, 3, Activation.RELU).maxPool("pool1", 2)
                .conv2d("conv2", 4, 3, Activation.RELU).maxPool("pool2", 2).flatten("flat").dense("out", 10, Activation.IDENTITY).build();
        Model model = dev.graft.Transfer.from(base).freezeThrough("pool1").build();
        try (ReferenceBackend backend = new ReferenceBackend()) {
            Trainer trainer = Trainer.builder(backend).optimizer(Optimizer.momentum(0.05f, 0.9f)).epochs(2).batchSize(16).seed(9)
                    .cache(new dev.graft.cache.MemoryCache()).build();
            Model a = trainer.fit(model, fromPng).model();
            Model b = trainer.fit(model, fromIdx).model();
            boolean changed = false;
            for (int i = 0; i < model.size(); i++) {
                for (dev.graft.Parameter p : model.layer(i).parameters()) {
                    float[] expected = b.layer(i).parameterValues(p.name());
                    assertArrayEquals(expected, a.layer(i).parameterValues(p.name()), model.layer(i).name() + "." + p.name());
                    changed |= !Arrays.equals(expected, model.layer(i).parameterValues(p.name()));
                }
            }
            assertTrue(changed, "training changed the trainable layers");
        }
    }

    @Test
    void decodingIsDeterministicWhateverTheThreadCount() throws IOException {
        Dataset one = ImageFolders.labelled(png, gray().threads(1)).data();
        Dataset four = ImageFolders.labelled(png, gray().threads(4)).data();
        assertArrayEquals(one.features(), four.features());
    }

    @Test
    void rgbOfAGrayPngRepeatsTheGrayValueAndResizeIsTheAreaAverage() throws IOException {
        ImageFolders.ImageDataset rgb = ImageFolders.labelled(png, ImageFolders.Options.defaults().size(14, 14)
                .resize(ImageResize.Method.AREA).preprocessing(ImagePreprocessing.RAW));
        Dataset expected = idxInFolderOrder();
        float[] image = new float[784];
        float[] row = new float[14 * 14 * 3];
        for (int s = 0; s < 5; s++) {
            expected.copyFeatures(s, image, 0);
            for (int i = 0; i < image.length; i++) {
                image[i] = Math.round(image[i] * 255);
            }
            float[] area = ImageResize.area(image, 28, 28, 1, 14, 14);
            rgb.data().copyFeatures(s, row, 0);
            for (int p = 0; p < 14 * 14; p++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(Math.round(area[p]), row[p * 3 + c], "sample " + s + " pixel " + p + " channel " + c);
                }
            }
        }
    }

    @Test
    void jpegVariantsDecodeCloseToTheOriginals() throws IOException {
        Path dir = tmp.resolve("jpeg");
        Dataset first = idx.head(20);
        ImageFiles.writeTree(first, dir, NAMES, "jpg");
        BufferedImage sample = ImageFiles.gray(first, 0);
        Path classDir = dir.resolve(NAMES[first.label(0)]);
        ImageFiles.writeJpeg(sample, classDir.resolve("zz-progressive-jdk.jpg"), true);
        for (String fixture : List.of("cmyk.jpg", "progressive-gray.jpg", "progressive-rgb.jpg")) {
            try (var in = ImageFoldersTest.class.getResourceAsStream("/images/" + fixture)) {
                Files.copy(in, classDir.resolve("zz-" + fixture));
            }
        }
        ImageFolders.ImageDataset read = ImageFolders.labelled(dir, gray());
        assertEquals(24, read.data().size());
        float[] original = new float[784];
        first.copyFeatures(0, original, 0);
        float[] row = new float[784];
        for (Path f : read.files()) {
            read.data().copyFeatures(read.files().indexOf(f), row, 0);
            if (f.getFileName().toString().startsWith("zz-")) {
                double error = 0;
                for (int i = 0; i < 784; i++) {
                    error += Math.abs(row[i] - original[i]);
                }
                assertTrue(error / 784 < 6 / 255.0, f.getFileName() + ": mean error " + error / 784 * 255 + " levels");
            }
        }
        double jdkError = jdkDecodeError(classDir.resolve("zz-cmyk.jpg"), original);
        assertTrue(jdkError > 10 / 255.0, "the JDK's own JPEG reader gets the CMYK file wrong or refuses it (mean error "
                + jdkError * 255 + " levels): the reason for the TwelveMonkeys plug-in");
    }

    /** Mean absolute error of the JDK's own JPEG reader on {@code file} (infinite when it refuses the file). */
    private static double jdkDecodeError(Path file, float[] original) throws IOException {
        var readers = ImageIO.getImageReadersByFormatName("jpeg");
        while (readers.hasNext()) {
            var reader = readers.next();
            if (reader.getClass().getName().startsWith("com.sun")) {
                try (var in = ImageIO.createImageInputStream(file.toFile())) {
                    reader.setInput(in);
                    float[] got = ImageDecoder.toFloats(reader.read(0), 1);
                    double error = 0;
                    for (int i = 0; i < 784; i++) {
                        error += Math.abs(got[i] / 255 - original[i]);
                    }
                    return error / 784;
                } catch (IOException | RuntimeException e) {
                    return Double.POSITIVE_INFINITY;
                } finally {
                    reader.dispose();
                }
            }
        }
        throw new IllegalStateException("no JDK JPEG reader registered");
    }

    @Test
    void corruptFilesAreNamedOrSkippedAndCounted() throws IOException {
        Path dir = tmp.resolve("corrupt");
        ImageFiles.writeTree(idx.head(12), dir, NAMES, "png");
        Path broken = dir.resolve(NAMES[0]).resolve("broken.png");
        Files.write(broken, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3});
        Path text = Files.createDirectories(dir.resolve(NAMES[1])).resolve("notes.jpg");
        Files.writeString(text, "not an image");
        ModelFileException e = assertThrows(ModelFileException.class, () -> ImageFolders.labelled(dir, gray()));
        assertTrue(e.getMessage().contains("broken.png") && e.getMessage().contains("--skip-unreadable"), e.getMessage());
        ImageFolders.ImageDataset read = ImageFolders.labelled(dir, gray().skipUnreadable(true));
        assertEquals(12, read.data().size());
        assertEquals(Math.max(2, read.classNames().size()), read.data().classes());
        assertEquals(List.of(broken, text), read.skipped().stream().map(ImageFolders.Skipped::file).toList());
        assertTrue(read.summary().contains("2 unreadable"), read.summary());
    }

    @Test
    void streamedFolderMatchesTheDecodedOneAndIsDecodedOnceWithTheDiskCache(@TempDir Path cacheDir) throws IOException {
        ImageFolders.Options options = gray().size(28, 28).preprocessing(ImagePreprocessing.MOBILENET);
        Dataset decoded = ImageFolders.labelled(png, options).data();
        ImageStream stream = ImageStream.labelled(png, options);
        assertArrayEquals(decoded.labels(), stream.labels());
        float[] a = new float[7 * 784];
        float[] b = new float[7 * 784];
        decoded.gather(IntStream.range(40, 47).toArray(), 0, 7, a, new float[7]);
        stream.copyRows(40, 7, b, 0);
        assertArrayEquals(a, b);
        Model prefix = Model.builder(784, 2).dense("h", 8, Activation.RELU).build();
        List<Boolean> hits = new ArrayList<>();
        TrainingListener listener = new TrainingListener() {
            @Override public void onFeatures(FeaturesEvent event) { hits.add(event.hit()); }
        };
        try (ReferenceBackend backend = new ReferenceBackend()) {
            FeatureSource first = DiskCache.open(cacheDir).featurize(prefix, stream, stream.fingerprint(), stream.preprocessingId(), backend, listener);
            FeatureSource second = DiskCache.open(cacheDir).featurize(prefix, ImageStream.labelled(png, options),
                    ImageStream.labelled(png, options).fingerprint(), stream.preprocessingId(), backend, listener);
            float[] x = new float[8];
            float[] y = new float[8];
            first.copyRows(N - 1, 1, x, 0);
            second.copyRows(N - 1, 1, y, 0);
            assertArrayEquals(x, y);
        }
        assertEquals(List.of(false, true), hits, "decoded and featurized once, then read from the cache");
    }
}
