package dev.graft.spi;

/**
 * Keras's {@code ZeroPadding2D} amounts: zero rows above and below, zero columns left and right of
 * each channels-last image.
 *
 * @param top rows added above
 * @param bottom rows added below
 * @param left columns added on the left
 * @param right columns added on the right
 */
public record ZeroPadding(int top, int bottom, int left, int right) {

    public ZeroPadding {
        if (top < 0 || bottom < 0 || left < 0 || right < 0) {
            throw new IllegalArgumentException("zero padding amounts must be >= 0, got ((" + top + ", " + bottom
                    + "), (" + left + ", " + right + "))");
        }
    }

    /** Padded height of an image {@code height} rows tall. */
    public int outHeight(int height) {
        return height + top + bottom;
    }

    /** Padded width of an image {@code width} columns wide. */
    public int outWidth(int width) {
        return width + left + right;
    }
}
