package dev.graft;

import java.util.Arrays;
import java.util.List;

/**
 * The dimensions of one sample as it flows between layers, channels-last like Keras and TF:
 * {@code [784]} for a flat vector, {@code [28, 28, 1]} for a grey image. The batch dimension is
 * never part of a shape. Immutable; equal shapes have equal dimensions.
 */
public final class Shape {

    private final int[] dims;

    private Shape(int[] dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("a shape needs at least one dimension");
        }
        long size = 1;
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape dimensions must be positive, got " + Arrays.toString(dims));
            }
            size *= d;
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31 - 1 values");
            }
        }
        this.dims = dims;
    }

    /** A shape with the given dimensions (each positive). */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** A rank-1 shape: a vector of {@code width} values. */
    public static Shape vector(int width) {
        return new Shape(new int[] {width});
    }

    /** The shape of a list of dimensions, as stored in descriptions and files. */
    public static Shape of(List<? extends Number> dims) {
        return new Shape(dims.stream().mapToInt(Number::intValue).toArray());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Dimension {@code axis}, counting from 0. */
    public int dim(int axis) {
        return dims[axis];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** The dimensions as a list (for descriptions). */
    public List<Integer> toList() {
        return Arrays.stream(dims).boxed().toList();
    }

    /** Number of values per sample: the product of the dimensions. */
    public int size() {
        int n = 1;
        for (int d : dims) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Readable form, e.g. {@code [28, 28, 1]}. */
    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
