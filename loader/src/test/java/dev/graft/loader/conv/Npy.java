package dev.graft.loader.conv;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A float32 little-endian C-order {@code .npy} array (what the fixture generator writes with {@code np.save}). */
public record Npy(int[] shape, float[] values) {

    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    public static Npy read(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.get() != (byte) 0x93 || b.get() != 'N') {
            throw new IOException(file + ": not a .npy file");
        }
        b.position(6);
        int major = b.get();
        b.get();
        int headerLength = major == 1 ? Short.toUnsignedInt(b.getShort()) : b.getInt();
        byte[] header = new byte[headerLength];
        b.get(header);
        String h = new String(header, StandardCharsets.US_ASCII);
        if (!h.contains("'descr': '<f4'") || !h.contains("'fortran_order': False")) {
            throw new IOException(file + ": expected little-endian float32 in C order, header " + h.trim());
        }
        Matcher m = SHAPE.matcher(h);
        if (!m.find()) {
            throw new IOException(file + ": no shape in header " + h.trim());
        }
        int[] shape = Arrays.stream(m.group(1).split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        float[] values = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        b.asFloatBuffer().get(values);
        return new Npy(shape, values);
    }

    /** Row {@code r} of the leading axis, flattened (one sample). */
    public float[] row(int r) {
        int width = values.length / shape[0];
        return Arrays.copyOfRange(values, r * width, (r + 1) * width);
    }

    public int rows() {
        return shape[0];
    }
}
