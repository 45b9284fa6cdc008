package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.data.Dataset;
import dev.graft.data.Idx;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train}, {@code transfer}, {@code evaluate} and {@code predict} on a PNG class-folder tree written from Fashion-MNIST. */
class ImageFolderCliTest {

    @TempDir
    static Path dir;
    static Path photos;
    static Path flat;

    @BeforeAll
    static void writeImages() throws IOException {
        Dataset data = Idx.readSplit(Cli.repoRoot().resolve("data/fashion-mnist"), "train", 10).head(400);
        photos = dir.resolve("photos");
        flat = Files.createDirectories(dir.resolve("flat"));
        float[] row = new float[784];
        for (int s = 0; s < data.size(); s++) {
            data.copyFeatures(s, row, 0);
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int i = 0; i < 784; i++) {
                image.getRaster().setSample(i % 28, i / 28, 0, Math.round(row[i] * 255));
            }
            Path classDir = Files.createDirectories(photos.resolve("class-" + data.label(s)));
            ImageIO.write(image, "png", classDir.resolve(String.format("%04d.png", s)).toFile());
            if (s < 7) {
                ImageIO.write(image, "png", flat.resolve(String.format("%04d.png", s)).toFile());
            }
        }
    }

    @Test
    void trainTransferEvaluateAndPredictReadAnImageFolder() throws IOException {
        Path base = dir.resolve("base.graft");
        Cli.Run train = Cli.run("train", "--layers", "32,10", "--data", photos, "--image-size", "20", "--grayscale",
                "--preprocess", "mobilenet", "--epochs", 2, "--out", base, "--backend", "reference", "--progress", "none");
        assertEquals(0, train.code(), train::toString);
        assertTrue(train.out().contains("400 images of 20x20x1 in 10 classes"), train.out());

        Path tuned = dir.resolve("tuned.graft");
        Cli.Run transfer = Cli.run("transfer", base, "--keep", "hidden1", "--freeze", "hidden1", "--head", "10",
                "--data", photos, "--image-size", "20", "--grayscale", "--preprocess", "mobilenet",
                "--augment", "flip,crop,rotate=5", "--views", 3, "--epochs", 2, "--out", tuned, "--backend", "reference",
                "--progress", "none");
        assertEquals(0, transfer.code(), transfer::toString);
        assertTrue(transfer.out().contains("3 view(s) per image"), transfer.out());
        assertTrue(transfer.out().matches("(?s).*bottleneck cache: computed, 1080 samples.*"),
                "360 training images x 3 views featurized once: " + transfer.out());

        Cli.Run evaluate = Cli.run("--json", "evaluate", tuned, "--data", photos, "--image-size", "20", "--grayscale",
                "--preprocess", "mobilenet", "--backend", "reference");
        assertEquals(0, evaluate.code(), evaluate::toString);
        JsonNode e = evaluate.json();
        assertEquals(400, e.get("samples").asInt(), e::toString);
        Cli.Run table = Cli.run("evaluate", tuned, "--data", photos, "--image-size", "20", "--grayscale",
                "--preprocess", "mobilenet", "--backend", "reference");
        assertEquals(0, table.code(), table::toString);
        assertTrue(table.out().contains("class-9"), "the confusion matrix names the folders' classes: " + table.out());

        Path predictions = dir.resolve("p.csv");
        Cli.Run predict = Cli.run("predict", tuned, "--data", flat, "--image-size", "20", "--grayscale",
                "--preprocess", "mobilenet", "--out", predictions, "--backend", "reference");
        assertEquals(0, predict.code(), predict::toString);
        java.util.List<String> lines = Files.readAllLines(predictions);
        assertEquals(1 + 7, lines.size(), "a header and one row per image");
        assertTrue(lines.get(0).startsWith("sample,file,predicted,"), lines.get(0));
        for (int s = 0; s < 7; s++) {
            assertTrue(lines.get(1 + s).startsWith(s + "," + String.format("%04d.png", s) + ","), lines.get(1 + s));
        }
    }

    @Test
    void badImageOptionsAreNamed() {
        Cli.Run views = Cli.run("train", "--layers", "4,10", "--data", photos, "--grayscale", "--views", 3, "--backend", "reference");
        assertEquals(1, views.code(), views::toString);
        assertTrue(views.err().contains("--views 3 without --augment"), views.err());
        Cli.Run caffe = Cli.run("train", "--layers", "4,10", "--data", photos, "--grayscale", "--preprocess", "caffe", "--backend", "reference");
        assertEquals(1, caffe.code(), caffe::toString);
        assertTrue(caffe.err().contains("caffe needs 3-channel"), caffe.err());
        Cli.Run evaluate = Cli.run("evaluate", dir.resolve("none.graft"), "--data", photos, "--augment", "flip");
        assertEquals(1, evaluate.code(), evaluate::toString);
    }
}
