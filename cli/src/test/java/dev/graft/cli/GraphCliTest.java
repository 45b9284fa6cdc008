package dev.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Model;
import dev.graft.loader.Models;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keras graph models on the command line: {@code inspect} names each layer's inputs, and {@code transfer} cuts the
 * Teachable-Machine-style MobileNetV2 file at a block, freezes the base, pools, trains a new head on an image folder
 * and reads the bottleneck cache on the second run.
 */
class GraphCliTest {

    private static final Path CONV = Cli.repoRoot().resolve("loader/src/test/resources/conv");

    @TempDir
    Path dir;

    @Test
    void inspectShowsEachLayersInputsForAGraphAndNoneForAChain() {
        Cli.Run run = Cli.run("inspect", CONV.resolve("keras3-resnet/model.keras"));
        assertEquals(0, run.code(), run::toString);
        String block0 = line(run.out(), "block0_add");
        assertTrue(block0.contains("<- stem_relu + block0_conv2") && block0.contains("[8, 8, 4] -> [8, 8, 4]"), block0);
        assertTrue(line(run.out(), "block1_project").contains("<- block0_out"), "reads a layer other than the row above");
        assertFalse(line(run.out(), "block0_conv2").contains("<-"), "reads the row above: blank");
        assertTrue(line(run.out(), "concat").contains("<- block1_out + side")
                && line(run.out(), "concat").contains("[4, 4, 6] + [4, 4, 2] -> [4, 4, 8]"), line(run.out(), "concat"));
        assertTrue(line(run.out(), "image").contains("input"), line(run.out(), "image"));

        JsonNode json = Cli.run("--json", "inspect", CONV.resolve("keras3-two-inputs/model.h5")).json();
        assertTrue(json.get("graph").asBoolean());
        List<String> joined = new ArrayList<>();
        for (JsonNode l : json.get("layers")) {
            if (l.get("name").asText().equals("joined")) {
                l.get("inputs").forEach(n -> joined.add(n.asText()));
            }
        }
        assertEquals(List.of("gap", "meta_dense"), joined);
        assertEquals(5 + 6 * 6 * 2, json.get("inputWidth").asInt(), "two inputs: meta then image, concatenated");

        Cli.Run chain = Cli.run("inspect", CONV.resolve("keras3-cnn/model.keras"));
        assertFalse(chain.out().contains("inputs") || chain.out().contains("<-"), chain.out());
    }

    @Test
    void transferCutsTheMobileNetV2GraphFreezesPoolsAndReusesTheCache() throws IOException {
        Path photos = images(dir.resolve("photos"));
        Path model = CONV.resolve("keras3-mobilenetv2-tm/model.h5");
        Path cache = dir.resolve("cache");
        Object[] common = {"--json", "transfer", model, "--keep", "block_13_expand", "--pool", "avg", "--head", "3:softmax",
            "--data", photos, "--image-size", "64", "--preprocess", "mobilenet", "--epochs", 2, "--cache", cache,
            "--backend", "reference", "--progress", "none"};
        Cli.Run first = Cli.run(concat(common, "--out", dir.resolve("first.graft")));
        Cli.Run second = Cli.run(concat(common, "--out", dir.resolve("second.graft")));
        assertEquals(0, first.code(), first::toString);
        assertEquals(0, second.code(), second::toString);
        JsonNode a = first.json();
        JsonNode b = second.json();
        List<String> frozen = new ArrayList<>();
        a.get("frozen").forEach(n -> frozen.add(n.asText()));
        assertTrue(frozen.containsAll(List.of("Conv1", "block_12_add", "block_13_expand", "pool")), frozen.toString());
        assertFalse(frozen.contains("output"), "the new head trains");
        for (int i = 0; i < a.get("bottleneck").size(); i++) {
            assertFalse(a.get("bottleneck").get(i).get("hit").asBoolean(), "first run computes: " + a.get("bottleneck"));
            assertTrue(b.get("bottleneck").get(i).get("hit").asBoolean(), "second run reads the cache: " + b.get("bottleneck"));
            assertEquals(a.get("bottleneck").get(i).get("key").asText(), b.get("bottleneck").get(i).get("key").asText());
        }
        Model x = Models.load(dir.resolve("first.graft")).model();
        Model y = Models.load(dir.resolve("second.graft")).model();
        assertFalse(x.isChain(), "the saved model is the residual graph with its new head");
        assertEquals(List.of("block_12_add"), x.inputsOf("block_13_expand"));
        assertEquals(0.0, DemoScenario.maxDifference(x, y), "same features, same seed, same weights");

        Cli.Run human = Cli.run("transfer", model, "--keep", "block_13_expand", "--head", "3", "--data", photos,
                "--image-size", "64", "--epochs", 1, "--backend", "reference", "--progress", "none");
        assertTrue(human.code() != 0 && human.err().contains("--pool avg"), "an image cut needs --pool: " + human);
    }

    private static String line(String out, String layer) {
        return out.lines().filter(l -> l.matches("\\d+\\s+" + layer + "\\s.*")).findFirst().orElse("(no row for " + layer + ")\n" + out);
    }

    /** Three classes of 64x64 RGB images, 8 each, told apart by their dominant colour. */
    private static Path images(Path root) throws IOException {
        SplittableRandom r = new SplittableRandom(4);
        for (int c = 0; c < 3; c++) {
            Path d = Files.createDirectories(root.resolve("class" + c));
            for (int k = 0; k < 8; k++) {
                BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
                for (int yy = 0; yy < 64; yy++) {
                    for (int xx = 0; xx < 64; xx++) {
                        int[] rgb = {r.nextInt(120), r.nextInt(120), r.nextInt(120)};
                        rgb[c] += 120;
                        img.setRGB(xx, yy, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
                    }
                }
                ImageIO.write(img, "png", d.resolve("img" + k + ".png").toFile());
            }
        }
        return root;
    }

    private static Object[] concat(Object[] a, Object... b) {
        Object[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
