package dev.graft.loader.tf;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.proto.BundleEntryProto;
import org.tensorflow.proto.BundleHeaderProto;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A TF V2 checkpoint ("tensor bundle") read in pure Java: {@code <prefix>.index} (a LevelDB table of
 * {@code BundleEntryProto}s, key {@code ""} holding the {@code BundleHeaderProto}) and the raw
 * little-endian shards {@code <prefix>.data-0000N-of-0000M}. Every tensor read is checked against its
 * size and masked crc32c; any inconsistency is a {@link ModelFileException} naming file and tensor.
 */
public final class TensorBundle {

    /** One tensor's index entry. */
    public record Entry(String name, DataType dtype, long[] shape, int shard, long offset, long size, int crc32c) {
        /** Number of elements (1 for a scalar). */
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final Path prefix;
    private final Path indexFile;
    private final int numShards;
    private final Map<String, Entry> entries;

    private TensorBundle(Path prefix, Path indexFile, int numShards, Map<String, Entry> entries) {
        this.prefix = prefix;
        this.indexFile = indexFile;
        this.numShards = numShards;
        this.entries = entries;
    }

    /** Opens the checkpoint whose files start with {@code prefix} (e.g. {@code dir/model.ckpt-1999}). */
    public static TensorBundle open(Path prefix) throws IOException {
        Path index = indexPath(prefix);
        if (!Files.isRegularFile(index)) {
            throw new ModelFileException(index, "checkpoint index not found (looked for <prefix>.index)");
        }
        Map<String, byte[]> table = TableReader.readAll(index);
        byte[] headerBytes = table.get("");
        if (headerBytes == null) {
            throw new ModelFileException(index, "table has no header entry (key \"\"): not a TF tensor bundle");
        }
        BundleHeaderProto header;
        try {
            header = BundleHeaderProto.parseFrom(headerBytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFileException(index, "(header)", "unreadable BundleHeaderProto: " + e.getMessage(), e);
        }
        if (header.getEndianness() != BundleHeaderProto.Endianness.LITTLE) {
            throw new ModelFileException(index, "big-endian checkpoints are not supported");
        }
        if (header.getNumShards() < 1 || header.getNumShards() > 99_999) {
            throw new ModelFileException(index, "header declares " + header.getNumShards() + " data shards");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> kv : table.entrySet()) {
            if (!kv.getKey().isEmpty()) {
                entries.put(kv.getKey(), parseEntry(index, kv.getKey(), kv.getValue(), header.getNumShards()));
            }
        }
        return new TensorBundle(prefix, index, header.getNumShards(), Collections.unmodifiableMap(entries));
    }

    static Path indexPath(Path prefix) {
        return prefix.resolveSibling(prefix.getFileName() + ".index");
    }

    static Path shardPath(Path prefix, int shard, int numShards) {
        return prefix.resolveSibling(String.format("%s.data-%05d-of-%05d", prefix.getFileName(), shard, numShards));
    }

    private static Entry parseEntry(Path index, String name, byte[] bytes, int numShards) throws IOException {
        BundleEntryProto proto;
        try {
            proto = BundleEntryProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFileException(index, name, "unreadable BundleEntryProto: " + e.getMessage(), e);
        }
        if (proto.getSlicesCount() > 0) {
            throw new ModelFileException(index, name, "partitioned (sliced) variables are not supported");
        }
        TensorShapeProto shapeProto = proto.getShape();
        long[] shape = new long[shapeProto.getDimCount()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeProto.getDim(i).getSize();
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                throw new ModelFileException(index, name, "dimension " + i + " is " + shape[i]);
            }
            elements = Math.multiplyHigh(elements, shape[i]) != 0 ? Long.MAX_VALUE : elements * shape[i];
        }
        if (proto.getShardId() < 0 || proto.getShardId() >= numShards) {
            throw new ModelFileException(index, name, "shard " + proto.getShardId() + " of " + numShards);
        }
        if (proto.getOffset() < 0 || proto.getSize() < 0) {
            throw new ModelFileException(index, name, "negative offset " + proto.getOffset() + " or size " + proto.getSize());
        }
        int width = elementBytes(proto.getDtype());
        if (width > 0 && (elements > Long.MAX_VALUE / 8 || elements * width != proto.getSize())) {
            throw new ModelFileException(index, name, "size " + proto.getSize() + " bytes does not fit shape "
                    + java.util.Arrays.toString(shape) + " of " + proto.getDtype());
        }
        return new Entry(name, proto.getDtype(), shape, proto.getShardId(), proto.getOffset(), proto.getSize(),
                proto.getCrc32C());
    }

    /** Bytes per element of a fixed-width type, 0 for strings and types this reader does not decode. */
    static int elementBytes(DataType type) {
        return switch (type) {
            case DT_FLOAT, DT_INT32 -> 4;
            case DT_DOUBLE, DT_INT64 -> 8;
            case DT_BOOL, DT_INT8, DT_UINT8 -> 1;
            case DT_HALF, DT_BFLOAT16, DT_INT16, DT_UINT16 -> 2;
            default -> 0;
        };
    }

    public Path prefix() { return prefix; }

    public Path indexFile() { return indexFile; }

    public int numShards() { return numShards; }

    /** Every tensor's entry by name, in key order (the header is not included). */
    public Map<String, Entry> entries() { return entries; }

    public Entry entry(String name) throws ModelFileException {
        Entry e = entries.get(name);
        if (e == null) {
            throw new ModelFileException(indexFile, name, "no such tensor in the checkpoint");
        }
        return e;
    }

    /** The tensor's raw bytes from its shard, after checking that they are all there and their crc32c. */
    public byte[] readBytes(String name) throws IOException {
        Entry e = entry(name);
        Path shard = shardPath(prefix, e.shard(), numShards);
        if (e.size() > Integer.MAX_VALUE - 8) {
            throw new ModelFileException(shard, name, e.size() + " bytes is too large for one array");
        }
        byte[] data = new byte[(int) e.size()];
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ)) {
            long available = ch.size();
            if (e.offset() > available || e.size() > available - e.offset()) {
                throw new ModelFileException(shard, name, "truncated data shard: tensor needs bytes " + e.offset()
                        + ".." + (e.offset() + e.size()) + " but the file has " + available);
            }
            ByteBuffer buf = ByteBuffer.wrap(data);
            while (buf.hasRemaining()) {
                if (ch.read(buf, e.offset() + buf.position()) < 0) {
                    throw new ModelFileException(shard, name, "truncated data shard (file shrank while reading)");
                }
            }
        } catch (NoSuchFileException ex) {
            throw new ModelFileException(shard, name, "missing data shard " + (e.shard() + 1) + " of " + numShards, ex);
        }
        int actual = e.dtype() == DataType.DT_STRING ? StringTensorCrc.masked(shard, name, data, e.elements())
                : Crc32c.maskedOf(data, 0, data.length);
        if (actual != e.crc32c()) {
            throw new ModelFileException(shard, name, String.format(
                    "crc mismatch: index says 0x%08x, data gives 0x%08x (corrupt shard or index)", e.crc32c(), actual));
        }
        return data;
    }

    /**
     * The tensor as floats, row-major. float64 tensors are narrowed (the caller should say so);
     * other types are refused.
     */
    public float[] readFloats(String name) throws IOException {
        Entry e = entry(name);
        if (e.dtype() != DataType.DT_FLOAT && e.dtype() != DataType.DT_DOUBLE) {
            throw new ModelFileException(shardPath(prefix, e.shard(), numShards), name,
                    "expected a float tensor, found " + e.dtype());
        }
        ByteBuffer buf = ByteBuffer.wrap(readBytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) e.elements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = e.dtype() == DataType.DT_FLOAT ? buf.getFloat() : (float) buf.getDouble();
        }
        return out;
    }

    /** An int32 or int64 tensor's values (e.g. {@code global_step}). */
    public long[] readLongs(String name) throws IOException {
        Entry e = entry(name);
        if (e.dtype() != DataType.DT_INT32 && e.dtype() != DataType.DT_INT64) {
            throw new ModelFileException(shardPath(prefix, e.shard(), numShards), name,
                    "expected an integer tensor, found " + e.dtype());
        }
        ByteBuffer buf = ByteBuffer.wrap(readBytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[(int) e.elements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = e.dtype() == DataType.DT_INT32 ? buf.getInt() : buf.getLong();
        }
        return out;
    }

    /** A float64 tensor's values without narrowing. */
    public double[] readDoubles(String name) throws IOException {
        Entry e = entry(name);
        if (e.dtype() != DataType.DT_DOUBLE) {
            throw new ModelFileException(indexFile, name, "expected a float64 tensor, found " + e.dtype());
        }
        ByteBuffer buf = ByteBuffer.wrap(readBytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[(int) e.elements()];
        for (int i = 0; i < out.length; i++) {
            out[i] = buf.getDouble();
        }
        return out;
    }
}
