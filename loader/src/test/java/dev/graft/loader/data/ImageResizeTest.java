package dev.graft.loader.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.data.Dataset;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Resizing, cropping and normalisation against TensorFlow's and Keras' own outputs, recorded by
 * {@code src/test/python/image_resize_cases.py} into {@code images/tf_cases.txt}.
 */
class ImageResizeTest {

    record Case(String kind, String name, String method, int h, int w, int c, int oh, int ow, float[] in, float[] out) {
    }

    static List<Case> cases() throws IOException {
        List<Case> cases = new ArrayList<>();
        try (InputStream s = ImageResizeTest.class.getResourceAsStream("/images/tf_cases.txt")) {
            String[] lines = new String(s.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 1; i + 2 < lines.length + 1; i += 3) {
                String[] head = lines[i].split(" ");
                cases.add(new Case(head[0], head[1], head[2], Integer.parseInt(head[3]), Integer.parseInt(head[4]),
                        Integer.parseInt(head[5]), Integer.parseInt(head[6]), Integer.parseInt(head[7]),
                        floats(lines[i + 1]), floats(lines[i + 2])));
            }
        }
        return cases;
    }

    private static float[] floats(String line) {
        String[] parts = line.trim().split(" ");
        float[] v = new float[parts.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }

    @Test
    void resizeMatchesTensorFlow() throws IOException {
        int checked = 0;
        for (Case k : cases()) {
            if (!k.kind().equals("resize")) {
                continue;
            }
            ImageResize.Method m = k.method().equals("area") ? ImageResize.Method.AREA : ImageResize.Method.BILINEAR;
            float[] got = ImageResize.resize(k.in(), k.h(), k.w(), k.c(), k.oh(), k.ow(), m);
            assertClose(k.name(), k.out(), got, 2e-4f);
            checked++;
        }
        assertEquals(14, checked);
    }

    @Test
    void centreCropThenResizeMatchesKerasSmartResize() throws IOException {
        int checked = 0;
        for (Case k : cases()) {
            if (!k.kind().equals("crop")) {
                continue;
            }
            int[] box = ImageResize.centreCropBox(k.h(), k.w(), k.oh(), k.ow());
            float[] cropped = ImageResize.crop(k.in(), k.w(), k.c(), box);
            float[] got = ImageResize.bilinear(cropped, box[2], box[3], k.c(), k.oh(), k.ow());
            assertClose(k.name(), k.out(), got, 2e-4f);
            checked++;
        }
        assertEquals(3, checked);
    }

    /** The presets on stored bytes give Keras' preprocess_input values bit for bit (caffe: bytes stored BGR). */
    @Test
    void presetsMatchKerasPreprocessInputExactly() throws IOException {
        int checked = 0;
        for (Case k : cases()) {
            if (!k.kind().equals("preprocess")) {
                continue;
            }
            ImagePreprocessing p = ImagePreprocessing.parse(k.method());
            byte[] bytes = new byte[k.in().length];
            for (int i = 0; i < bytes.length; i++) {
                int pixel = i / 3;
                int channel = i % 3;
                bytes[i] = (byte) k.in()[pixel * 3 + (p.bgr() ? 2 - channel : channel)];
            }
            Dataset d = Dataset.wrapImages(bytes, bytes.length, p.divisor(3), p.subtract(3), null, 0);
            float[] got = d.features();
            for (int i = 0; i < got.length; i++) {
                assertEquals(Float.floatToIntBits(k.out()[i]), Float.floatToIntBits(got[i]),
                        k.name() + " value " + i + ": Keras " + k.out()[i] + ", Graft " + got[i]);
            }
            checked++;
        }
        assertEquals(2, checked);
    }

    private static void assertClose(String name, float[] expected, float[] got, float tolerance) {
        assertEquals(expected.length, got.length, name + ": output size");
        for (int i = 0; i < got.length; i++) {
            assertTrue(Math.abs(expected[i] - got[i]) <= tolerance,
                    name + " value " + i + ": TensorFlow " + expected[i] + ", Graft " + got[i]);
        }
    }
}
