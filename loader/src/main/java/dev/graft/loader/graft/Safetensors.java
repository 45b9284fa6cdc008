package dev.graft.loader.graft;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.graft.loader.ModelFileException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors container (8-byte little-endian header length, JSON header with dtype, shape and
 * data offsets per tensor plus a string {@code __metadata__} map, then raw little-endian data), for
 * float32 tensors. Reading checks every entry and offset against the file (no overlaps, no gaps, no
 * other dtype, no unknown fields), so damage is an exception, not garbage.
 */
final class Safetensors {

    record Tensor(long[] shape, float[] values) {
    }

    /** One tensor's entry in the header, checked against the data region. */
    record Slot(String name, long[] shape, long begin, long end) {
    }

    /**
     * A parsed file: metadata, the tensor table (every entry checked: F32, a shape, offsets inside the data
     * region, no two tensors sharing a byte, no byte of data belonging to none), the whole file's bytes and
     * where its header ends.
     */
    record Contents(Path file, Map<String, String> metadata, Map<String, Slot> tensors, byte[] bytes, long dataStart) {

        /** The float32 tensor {@code name}, which must have shape {@code expected}. */
        float[] floats(String name, long[] expected) throws ModelFileException {
            Slot t = tensors.get(name);
            if (t == null) {
                throw new ModelFileException(file, name, "tensor missing from the safetensors file");
            }
            if (!Arrays.equals(t.shape(), expected)) {
                throw new ModelFileException(file, name, "shape " + Arrays.toString(t.shape())
                        + ", the layer description needs " + Arrays.toString(expected));
            }
            float[] out = new float[(int) ((t.end() - t.begin()) / 4)];
            ByteBuffer.wrap(bytes, (int) (dataStart + t.begin()), (int) (t.end() - t.begin()))
                    .order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {
    }

    static byte[] encode(Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            ObjectNode t = header.putObject(e.getKey()).put("dtype", "F32");
            for (long d : e.getValue().shape()) {
                t.withArray("shape").add(d);
            }
            long size = 4L * e.getValue().values().length;
            t.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        out.writeBytes(len.array());
        out.writeBytes(json);
        for (int i = json.length; i < padded; i++) {
            out.write(' ');
        }
        for (Tensor t : tensors.values()) {
            ByteBuffer b = ByteBuffer.allocate(4 * t.values().length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(t.values());
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    /** Where the data region of an {@link #encode}d file starts (8 + header length). */
    static long headerEnd(byte[] encoded) {
        return 8 + ByteBuffer.wrap(encoded, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    static Contents read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 8) {
            throw new ModelFileException(file, "too short for a safetensors file (" + bytes.length + " bytes)");
        }
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n < 2 || n > MAX_HEADER || n > bytes.length - 8) {
            throw new ModelFileException(file, "not a safetensors file: header length " + n + " in a file of " + bytes.length + " bytes");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelFileException(file, null, "safetensors header is not valid JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFileException(file, "safetensors header is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode meta = header.path("__metadata__");
        if (!meta.isMissingNode() && !meta.isObject()) {
            throw new ModelFileException(file, "__metadata__", "is not a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ModelFileException(file, "__metadata__." + e.getKey(), "metadata values must be strings");
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        long dataStart = 8 + n;
        Map<String, Slot> tensors = table(file, header, bytes.length - dataStart);
        return new Contents(file, metadata, tensors, bytes, dataStart);
    }

    /** Every tensor entry of {@code header}, checked, in file order. */
    private static Map<String, Slot> table(Path file, JsonNode header, long dataBytes) throws ModelFileException {
        Map<String, Slot> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                out.put(e.getKey(), slot(file, e.getKey(), e.getValue(), dataBytes));
            }
        }
        List<Slot> byOffset = new ArrayList<>(out.values());
        byOffset.sort(Comparator.comparingLong(Slot::begin));
        long covered = 0;
        for (Slot s : byOffset) {
            if (s.begin() != covered) {
                throw new ModelFileException(file, s.name(), "data offsets [" + s.begin() + ", " + s.end() + ") "
                        + (s.begin() < covered ? "overlap another tensor's" : "leave a gap after byte " + covered)
                        + " (damaged header)");
            }
            covered = s.end();
        }
        if (covered != dataBytes) {
            throw new ModelFileException(file, "the tensors cover " + covered + " bytes of a " + dataBytes
                    + "-byte data region (truncated file, or bytes added)");
        }
        return out;
    }

    private static Slot slot(Path file, String name, JsonNode t, long dataBytes) throws ModelFileException {
        if (!t.isObject() || t.size() != 3 || !t.has("dtype") || !t.has("shape") || !t.has("data_offsets")) {
            throw new ModelFileException(file, name, "tensor entry must hold exactly dtype, shape and data_offsets, found " + t);
        }
        if (!"F32".equals(t.get("dtype").textValue())) {
            throw new ModelFileException(file, name, "dtype " + t.get("dtype") + ", expected \"F32\"");
        }
        JsonNode s = t.get("shape");
        JsonNode o = t.get("data_offsets");
        if (!s.isArray() || !o.isArray() || o.size() != 2) {
            throw new ModelFileException(file, name, "shape must be an array and data_offsets two numbers, found " + t);
        }
        long[] shape = new long[s.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            if (!s.get(i).canConvertToLong() || !s.get(i).isIntegralNumber() || s.get(i).asLong() < 0
                    || s.get(i).asLong() > Integer.MAX_VALUE) {
                throw new ModelFileException(file, name, "shape " + s + " is not a list of sizes");
            }
            shape[i] = s.get(i).asLong();
            count = Math.multiplyHigh(count, shape[i]) != 0 ? Long.MAX_VALUE : count * shape[i];
        }
        JsonNode b = o.get(0);
        JsonNode e = o.get(1);
        if (!b.isIntegralNumber() || !e.isIntegralNumber() || !b.canConvertToLong() || !e.canConvertToLong()) {
            throw new ModelFileException(file, name, "data_offsets " + o + " are not two integers");
        }
        long begin = b.asLong();
        long end = e.asLong();
        if (begin < 0 || end < begin || end > dataBytes) {
            throw new ModelFileException(file, name, "data offsets [" + begin + ", " + end + ") lie outside the "
                    + dataBytes + " data bytes (truncated or damaged file)");
        }
        if (count > Integer.MAX_VALUE / 4 || end - begin != count * 4) {
            throw new ModelFileException(file, name, "data offsets [" + begin + ", " + end + ") hold " + (end - begin)
                    + " bytes but shape " + Arrays.toString(shape) + " of F32 needs " + (count > Integer.MAX_VALUE / 4
                    ? "more than 2 GiB" : count * 4));
        }
        return new Slot(name, shape, begin, end);
    }
}
