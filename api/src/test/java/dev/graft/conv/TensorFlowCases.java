package dev.graft.conv;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.Padding;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * TensorFlow's own outputs and gradients for small convolution, pooling and batch-norm cases,
 * written by {@code api/src/test/python/gen_conv_cases.py} into {@code conv/tf_cases.bin} (the
 * format is described there).
 */
final class TensorFlowCases {

    /** One case: its name, op kind, integer configuration and named float tensors. */
    record Case(String name, String kind, int[] config, Map<String, float[]> tensors) {

        float[] get(String tensor) {
            float[] t = tensors.get(tensor);
            if (t == null) {
                throw new IllegalStateException("case '" + name + "' has no tensor '" + tensor + "'");
            }
            return t;
        }

        /** The window geometry of a conv/depthwise/pool case: config[0..11). */
        ConvGeometry geometry() {
            return new ConvGeometry(config[1], config[2], config[3], config[4], config[5], config[6], config[7],
                    config[8], config[9], config[10] == 1 ? Padding.SAME : Padding.VALID);
        }

        int batch() {
            return config[0];
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static final String RESOURCE = "/conv/tf_cases.bin";

    private TensorFlowCases() {
    }

    static List<Case> all() {
        try (InputStream in = TensorFlowCases.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the test resources");
            }
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            int count = b.getInt();
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = string(b);
                String kind = string(b);
                int[] config = new int[b.getInt()];
                for (int j = 0; j < config.length; j++) {
                    config[j] = b.getInt();
                }
                int tensors = b.getInt();
                Map<String, float[]> map = new LinkedHashMap<>();
                for (int t = 0; t < tensors; t++) {
                    String key = string(b);
                    float[] data = new float[b.getInt()];
                    b.asFloatBuffer().get(data);
                    b.position(b.position() + data.length * Float.BYTES);
                    map.put(key, data);
                }
                cases.add(new Case(name, kind, config, map));
            }
            if (b.hasRemaining()) {
                throw new IllegalStateException(RESOURCE + " has " + b.remaining() + " bytes after its last case");
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Case> ofKind(String kind) {
        return all().stream().filter(c -> c.kind().equals(kind)).toList();
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.getInt()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
