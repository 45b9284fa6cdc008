package dev.graft.spi;

/**
 * How a convolution or pooling window treats the image border, with TensorFlow's meaning:
 * {@link #VALID} keeps only windows that lie wholly inside the image; {@link #SAME} pads with
 * zeros (or −∞ for max pooling) so that the output has {@code ceil(in / stride)} positions, putting
 * the odd extra cell of padding after the image (bottom/right), as TF and Keras do.
 */
public enum Padding {
    VALID,
    SAME;

    /** Parses Keras's and TF's spelling ({@code "valid"}, {@code "same"}, any case). */
    public static Padding parse(String name) {
        for (Padding p : values()) {
            if (p.name().equalsIgnoreCase(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("padding must be 'valid' or 'same', got '" + name + "'");
    }
}
