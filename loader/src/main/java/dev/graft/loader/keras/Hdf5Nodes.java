package dev.graft.loader.keras;

import dev.graft.loader.ModelFileException;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Link;
import io.jhdf.api.Node;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Finds nodes in an HDF5 file following soft links one hop at a time, so that a link that points at
 * itself or a cycle of links is a {@link ModelFileException} naming the link, not a
 * {@code StackOverflowError} inside the HDF5 library (which resolves links recursively). Also checks a
 * weight dataset's type and size before reading it.
 */
final class Hdf5Nodes {

    /** More links than this on one lookup is a cycle or damage; real Keras files use none. */
    private static final int MAX_LINKS = 32;
    /** A weight tensor larger than this (1 Gi floats, 4 GiB) is not one Graft can hold in a layer. */
    static final long MAX_ELEMENTS = 1L << 28;

    private final Path file;
    private final Group root;
    /** The file bytes of each contiguous weight dataset read so far: start, end, and its path. */
    private final java.util.List<Object[]> stored = new java.util.ArrayList<>();

    Hdf5Nodes(Path file, Group root) {
        this.file = file;
        this.root = root;
    }

    /** The node at {@code path} (slash-separated, relative to {@code from}), or null when absent. */
    Node find(Group from, String path) throws ModelFileException {
        return walk(path.startsWith("/") ? root : from, path, new LinkedHashSet<>());
    }

    private Node walk(Group from, String path, Set<String> seen) throws ModelFileException {
        Node at = from;
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!(at instanceof Group g)) {
                return null;
            }
            at = resolve(g.getChild(part), seen);
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    private Node resolve(Node node, Set<String> seen) throws ModelFileException {
        Node at = node;
        while (at instanceof Link link) {
            String where = link.getPath();
            if (!seen.add(where) || seen.size() > MAX_LINKS) {
                throw new ModelFileException(file, where, "HDF5 soft link cycle: following '" + where + "' -> '"
                        + link.getTargetPath() + "' comes back to a link already followed (" + String.join(" -> ", seen)
                        + "); the file is damaged");
            }
            if (link instanceof io.jhdf.links.ExternalLink) {
                throw new ModelFileException(file, where, "external HDF5 link to '" + link.getTargetPath()
                        + "': weights in another file are not supported");
            }
            at = walk(root, link.getTargetPath(), seen);
            if (at == null) {
                throw new ModelFileException(file, where, "HDF5 soft link to '" + link.getTargetPath()
                        + "', which does not exist (broken link)");
            }
        }
        return at;
    }

    /**
     * Refuses a contiguous dataset whose bytes overlap another weight dataset's: Keras never shares storage, and
     * HDF5's version-1 object headers (what Keras and h5py write) carry no checksum, so a damaged data address
     * can point one tensor at another's values, which would otherwise load as a plausible, wrong model.
     */
    private void checkOverlap(String path, Dataset d, long elements) throws ModelFileException {
        if (!(d instanceof io.jhdf.api.dataset.ContiguousDataset c) || elements == 0) {
            return;
        }
        long start = c.getDataAddress();
        long end = start + elements * d.getDataType().getSize();
        for (Object[] other : stored) {
            if (start < (long) other[1] && (long) other[0] < end) {
                throw new ModelFileException(file, path, "weight dataset shares bytes " + Math.max(start, (long) other[0]) + ".."
                        + Math.min(end, (long) other[1]) + " of the file with '" + other[2] + "'; the file is damaged");
            }
        }
        stored.add(new Object[] {start, end, path});
    }

    /** A dataset's values as floats, after checking it holds float32/float64 numbers of a sane count. */
    float[] floats(String path, Dataset d, int[] shape) throws ModelFileException {
        long elements = 1;
        for (int dim : shape) {
            if (dim < 0) {
                throw new ModelFileException(file, path, "dataset has shape " + Arrays.toString(shape));
            }
            elements = Math.multiplyHigh(elements, dim) != 0 ? Long.MAX_VALUE : elements * dim;
        }
        if (elements > MAX_ELEMENTS) {
            throw new ModelFileException(file, path, "weight dataset of shape " + Arrays.toString(shape) + " holds "
                    + elements + " values, more than one layer's weights can (at most " + MAX_ELEMENTS + "); "
                    + "expected a float32 kernel or bias");
        }
        Class<?> type = d.getJavaType();
        if (type != float.class && type != double.class) {
            throw new ModelFileException(file, path, "weight dataset holds " + d.getDataType().getClass().getSimpleName()
                    .replace("DataType", "").toLowerCase(java.util.Locale.ROOT) + " values of Java type " + type.getSimpleName()
                    + ", expected float32 or float64 numbers");
        }
        checkOverlap(path, d, elements);
        Object flat = d.getDataFlat();
        int n = java.lang.reflect.Array.getLength(flat);
        if (n != elements) {
            throw new ModelFileException(file, path, "dataset of shape " + Arrays.toString(shape) + " gave " + n + " values");
        }
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = flat instanceof float[] f ? f[i] : (float) ((double[]) flat)[i];
        }
        return values;
    }
}
