package dev.graft.loader.tf;

import dev.graft.loader.AtomicFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.BundleHeaderProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.VersionDef;

/**
 * Writes float32 tensors as a single-shard TF V2 checkpoint ({@code <prefix>.index} +
 * {@code <prefix>.data-00000-of-00001}), the files {@code tf.train.Saver.restore} and
 * {@code tf.train.Checkpoint.read} accept. Both files are written to temporary names and renamed into
 * place, the data shard first, so a crash never leaves an index pointing at half a shard.
 */
public final class BundleWriter {

    private final Map<String, float[]> values = new TreeMap<>();
    private final Map<String, long[]> shapes = new TreeMap<>();

    /** Adds a float32 tensor of the given shape (values row-major, copied). */
    public BundleWriter add(String name, long[] shape, float[] data) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + data.length + " values for shape "
                    + java.util.Arrays.toString(shape));
        }
        if (name.isEmpty() || values.put(name, data.clone()) != null) {
            throw new IllegalArgumentException("tensor name '" + name + "' is empty or used twice");
        }
        shapes.put(name, shape.clone());
        return this;
    }

    /** Writes the checkpoint at {@code prefix}, replacing any previous one atomically per file. */
    public void write(Path prefix) throws IOException {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        TreeMap<String, byte[]> table = new TreeMap<>(BundleWriter::compareUtf8);
        table.put("", BundleHeaderProto.newBuilder().setNumShards(1)
                .setEndianness(BundleHeaderProto.Endianness.LITTLE)
                .setVersion(VersionDef.newBuilder().setProducer(1)).build().toByteArray());
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            float[] v = e.getValue();
            ByteBuffer bytes = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(v);
            byte[] raw = bytes.array();
            TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
            for (long d : shapes.get(e.getKey())) {
                shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
            }
            table.put(e.getKey(), BundleEntryProto.newBuilder().setDtype(DataType.DT_FLOAT).setShape(shape)
                    .setShardId(0).setOffset(data.size()).setSize(raw.length)
                    .setCrc32C(Crc32c.maskedOf(raw, 0, raw.length)).build().toByteArray());
            data.writeBytes(raw);
        }
        AtomicFiles.write(TensorBundle.shardPath(prefix, 0, 1), data.toByteArray());
        AtomicFiles.write(TensorBundle.indexPath(prefix), TableWriter.write(table));
    }

    private static int compareUtf8(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                b.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
