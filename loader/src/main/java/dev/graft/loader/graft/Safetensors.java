package dev.graft.loader.graft;

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
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors container (8-byte little-endian header length, JSON header with dtype, shape and
 * data offsets per tensor plus a string {@code __metadata__} map, then raw little-endian data), for
 * float32 tensors. Reading checks every offset against the file, so damage is an exception, not garbage.
 */
final class Safetensors {

    record Tensor(long[] shape, float[] values) {
    }

    /** A parsed file: metadata plus the raw data region. */
    record Contents(Path file, Map<String, String> metadata, JsonNode header, byte[] data) {

        /** The float32 tensor {@code name}, which must have shape {@code expected}. */
        float[] floats(String name, long[] expected) throws ModelFileException {
            JsonNode t = header.get(name);
            if (t == null || !t.isObject()) {
                throw new ModelFileException(file, name, "tensor missing from the safetensors file");
            }
            if (!"F32".equals(t.path("dtype").asText())) {
                throw new ModelFileException(file, name, "dtype " + t.path("dtype") + ", expected F32");
            }
            long[] shape = new long[t.path("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.path("shape").get(i).asLong();
            }
            if (!Arrays.equals(shape, expected)) {
                throw new ModelFileException(file, name, "shape " + Arrays.toString(shape) + ", the layer description needs "
                        + Arrays.toString(expected));
            }
            long begin = t.path("data_offsets").path(0).asLong(-1);
            long end = t.path("data_offsets").path(1).asLong(-1);
            long count = 1;
            for (long d : shape) {
                count *= d;
            }
            if (begin < 0 || end > data.length || end - begin != count * 4) {
                throw new ModelFileException(file, name, "data offsets [" + begin + ", " + end + ") do not fit the "
                        + data.length + " data bytes or the shape (truncated file?)");
            }
            float[] out = new float[(int) count];
            ByteBuffer.wrap(data, (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
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
        for (Iterator<Map.Entry<String, JsonNode>> it = meta.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            metadata.put(e.getKey(), e.getValue().asText());
        }
        return new Contents(file, metadata, header, Arrays.copyOfRange(bytes, 8 + (int) n, bytes.length));
    }
}
