package dev.graft.loader.graft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.graft.Activation;
import dev.graft.Dense;
import dev.graft.Dropout;
import dev.graft.Model;
import dev.graft.loader.LoadedModel;
import dev.graft.loader.ModelFileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, item 3: Graft's own file is sealed by a SHA-256 over every byte, its description is read
 * strictly, and its tensor table may not overlap or leave gaps; older files without a checksum are read
 * with a note that says so.
 */
class GraftFormatIntegrityTest {

    static Model model() {
        return new Model(List.of(
                new Dense("hidden", 3, 4, Activation.RELU, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
                        new float[] {0.5f, -0.5f, 0.25f, 0}, false),
                new Dropout("drop", 4, 0.25f, true),
                new Dense("out", 4, 2, Activation.SOFTMAX, new float[] {1, 0, 0, 1, 1, 1, -1, 2}, new float[] {0, 1}, true)));
    }

    @Test
    void everyPayloadByteIsCovered(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("m.safetensors");
        GraftFormat.write(model(), file);
        LoadedModel ok = GraftFormat.read(file);
        assertTrue(ok.report().notes().contains("SHA-256 of the whole file verified"), ok.report().notes().toString());
        byte[] good = Files.readAllBytes(file);
        long dataStart = Safetensors.headerEnd(good);
        int detected = 0;
        for (long at = dataStart; at < good.length; at++) {
            byte[] bad = good.clone();
            bad[(int) at] ^= 0x01;
            Files.write(file, bad);
            ModelFileException e = assertThrows(ModelFileException.class, () -> GraftFormat.read(file), "flip at " + at);
            assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
            detected++;
        }
        assertEquals(good.length - dataStart, detected);
    }

    @Test
    void aDamagedActivationInASealedFileIsDetected(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("m.safetensors");
        GraftFormat.write(model(), file);
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        Files.write(file, text.replace("\\\"activation\\\":\\\"relu\\\"", "\\\"activation\\\":\\\"relv\\\"")
                .getBytes(StandardCharsets.ISO_8859_1));
        assertTrue(assertThrows(ModelFileException.class, () -> GraftFormat.read(file)).getMessage().contains("SHA-256"));
    }

    /** A version-1 file (before checksums) with the given description, tensors as {@link GraftFormat} names them. */
    private static Path legacy(Path file, String description) throws Exception {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("hidden.kernel", new Safetensors.Tensor(new long[] {3, 4}, new float[12]));
        tensors.put("hidden.bias", new Safetensors.Tensor(new long[] {4}, new float[] {1, 2, 3, 4}));
        Files.write(file, Safetensors.encode(tensors, Map.of(GraftFormat.METADATA_KEY, description)));
        return file;
    }

    private static final String V1 = "{\"format\":\"graft\",\"version\":1,\"inputWidth\":3,\"layers\":[{\"name\":\"hidden\","
            + "\"type\":\"dense\",\"inputWidth\":3,\"outputWidth\":4,\"activation\":\"relu\",\"trainable\":true}]}";

    @Test
    void olderFilesWithoutChecksumLoadAndSaySo(@TempDir Path tmp) throws Exception {
        LoadedModel lm = GraftFormat.read(legacy(tmp.resolve("v1.safetensors"), V1));
        assertArrayEquals(new float[] {1, 2, 3, 4}, ((Dense) lm.model().layer(0)).bias());
        assertTrue(lm.report().notes().stream().anyMatch(n -> n.startsWith("no checksum")), lm.report().notes().toString());
        // A version-2 description without its checksum is damage, not an old file.
        Path v2 = legacy(tmp.resolve("v2.safetensors"), V1.replace("\"version\":1", "\"version\":2"));
        assertTrue(assertThrows(ModelFileException.class, () -> GraftFormat.read(v2)).getMessage().contains("without its checksum"));
    }

    @Test
    void aDamagedActivationKeyIsAnErrorNotIdentity(@TempDir Path tmp) throws Exception {
        Path lost = legacy(tmp.resolve("a.safetensors"), V1.replace("\"activation\"", "\"activatiom\""));
        ModelFileException e = assertThrows(ModelFileException.class, () -> GraftFormat.read(lost));
        assertTrue(e.getMessage().contains("[hidden]") && e.getMessage().contains("unknown [activatiom]")
                && e.getMessage().contains("missing [activation]"), e.getMessage());
        Path bad = legacy(tmp.resolve("b.safetensors"), V1.replace("\"relu\"", "\"relv\""));
        e = assertThrows(ModelFileException.class, () -> GraftFormat.read(bad));
        assertTrue(e.getMessage().contains("unknown activation 'relv'"), e.getMessage());
        Path typed = legacy(tmp.resolve("c.safetensors"), V1.replace("\"relu\"", "7"));
        assertThrows(ModelFileException.class, () -> GraftFormat.read(typed));
    }

    @Test
    void overlappingOrStrayOffsetsAreErrors(@TempDir Path tmp) throws Exception {
        Path file = legacy(tmp.resolve("o.safetensors"), V1);
        String text = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        // hidden.bias normally holds [48, 64); point it into the kernel's bytes instead (same length, same header size).
        Path overlap = tmp.resolve("overlap.safetensors");
        Files.write(overlap, text.replace("[48,64]", "[32,48]").getBytes(StandardCharsets.ISO_8859_1));
        ModelFileException e = assertThrows(ModelFileException.class, () -> GraftFormat.read(overlap));
        assertTrue(e.getMessage().contains("overlap"), e.getMessage());
        Path longer = tmp.resolve("longer.safetensors");
        byte[] b = Files.readAllBytes(file);
        Files.write(longer, java.util.Arrays.copyOf(b, b.length + 4));
        e = assertThrows(ModelFileException.class, () -> GraftFormat.read(longer));
        assertTrue(e.getMessage().contains("data region"), e.getMessage());
        Path f16 = tmp.resolve("f16.safetensors");
        Files.write(f16, text.replace("\"F32\"", "\"F16\"").getBytes(StandardCharsets.ISO_8859_1));
        e = assertThrows(ModelFileException.class, () -> GraftFormat.read(f16));
        assertTrue(e.getMessage().contains("expected \"F32\""), e.getMessage());
    }
}
