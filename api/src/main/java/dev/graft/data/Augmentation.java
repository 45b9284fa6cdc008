package dev.graft.data;

import dev.graft.cache.FeatureSource;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Random distortions of images (rows of {@code height × width × channels} floats, channels last):
 * horizontal flip, shift, small-angle rotation, brightness and contrast. Each distortion is drawn
 * from a generator seeded by ({@link #seed()}, image index, view), so view {@code j} of image
 * {@code i} is the same image every time it is computed: that is what lets a bottleneck cache store
 * {@code K} augmented views per image ({@link #views}) and each epoch train on one of them, instead
 * of switching caching off as Keras, PyTorch and {@code retrain.py} do when distortions are on.
 *
 * <p>Geometry: the output pixel {@code (y, x)} reads the source at the point that a flip, then a
 * shift by whole pixels, then a rotation about the image centre would move onto it; points between
 * pixels are read bilinearly and points outside the image read the nearest edge pixel. Without
 * rotation every output value is a copy of an input value. Brightness adds {@code delta} (in the
 * data's own units, after the normalisation preset) to every value; contrast maps each channel's
 * values {@code v} to {@code (v - mean) * f + mean}, as {@code tf.image.adjust_contrast} does.
 */
public final class Augmentation {

    private final int height;
    private final int width;
    private final int channels;
    private final boolean flip;
    private final float shift;
    private final float rotationDegrees;
    private final float brightness;
    private final float contrast;
    private final long seed;

    private Augmentation(Builder b) {
        this.height = b.height;
        this.width = b.width;
        this.channels = b.channels;
        this.flip = b.flip;
        this.shift = b.shift;
        this.rotationDegrees = b.rotationDegrees;
        this.brightness = b.brightness;
        this.contrast = b.contrast;
        this.seed = b.seed;
    }

    /** Starts an augmentation of images {@code height × width × channels} (no distortion until one is switched on). */
    public static Builder builder(int height, int width, int channels) {
        return new Builder(height, width, channels);
    }

    /** Values per image. */
    public int rowWidth() {
        return height * width * channels;
    }

    /** The seed every view's distortions derive from. */
    public long seed() {
        return seed;
    }

    /** Whether no distortion is switched on (every view equals the image). */
    public boolean isIdentity() {
        return !flip && shift == 0 && rotationDegrees == 0 && brightness == 0 && contrast == 0;
    }

    /**
     * Everything that changes an augmented view's values, as text: the geometry, each distortion's
     * setting and the seed. Part of a bottleneck cache key (with the number of views), so two
     * settings never share an entry.
     */
    public String id() {
        return String.format(Locale.ROOT, "augment-v1|%dx%dx%d|flip=%b|shift=%s|rotation=%s|brightness=%s|contrast=%s|seed=%d",
                height, width, channels, flip, shift, rotationDegrees, brightness, contrast, seed);
    }

    /** Writes view {@code view} of image number {@code image} ({@code src[srcOffset..]}) into {@code dst[dstOffset..]}. */
    public void apply(float[] src, int srcOffset, float[] dst, int dstOffset, long image, int view) {
        SplittableRandom random = new SplittableRandom(mix(mix(seed, image), view));
        boolean flipped = flip && random.nextBoolean();
        int maxDy = Math.round(shift * height);
        int maxDx = Math.round(shift * width);
        int dy = maxDy == 0 ? 0 : random.nextInt(-maxDy, maxDy + 1);
        int dx = maxDx == 0 ? 0 : random.nextInt(-maxDx, maxDx + 1);
        double angle = rotationDegrees == 0 ? 0 : Math.toRadians(random.nextDouble(-rotationDegrees, rotationDegrees));
        float delta = brightness == 0 ? 0 : (float) random.nextDouble(-brightness, brightness);
        float factor = contrast == 0 ? 1 : (float) random.nextDouble(1 - contrast, 1 + contrast);
        geometry(src, srcOffset, dst, dstOffset, flipped, dy, dx, angle);
        photometry(dst, dstOffset, delta, factor);
    }

    private void geometry(float[] src, int so, float[] dst, int dOff, boolean flipped, int dy, int dx, double angle) {
        double cy = (height - 1) / 2.0;
        double cx = (width - 1) / 2.0;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double sy = y;
                double sx = x;
                if (angle != 0) {
                    double ry = y - cy;
                    double rx = x - cx;
                    sy = cy + cos * ry - sin * rx;
                    sx = cx + sin * ry + cos * rx;
                }
                sy -= dy;
                sx -= dx;
                if (flipped) {
                    sx = width - 1 - sx;
                }
                sample(src, so, sy, sx, dst, dOff + (y * width + x) * channels);
            }
        }
    }

    /** Bilinear read at {@code (sy, sx)}, clamped to the image; an integer point is an exact copy. */
    private void sample(float[] src, int so, double sy, double sx, float[] dst, int at) {
        sy = Math.min(Math.max(sy, 0), height - 1);
        sx = Math.min(Math.max(sx, 0), width - 1);
        int y0 = (int) Math.floor(sy);
        int x0 = (int) Math.floor(sx);
        int y1 = Math.min(y0 + 1, height - 1);
        int x1 = Math.min(x0 + 1, width - 1);
        float fy = (float) (sy - y0);
        float fx = (float) (sx - x0);
        for (int c = 0; c < channels; c++) {
            float a = src[so + (y0 * width + x0) * channels + c];
            if (fy == 0 && fx == 0) {
                dst[at + c] = a;
                continue;
            }
            float b = src[so + (y0 * width + x1) * channels + c];
            float d = src[so + (y1 * width + x0) * channels + c];
            float e = src[so + (y1 * width + x1) * channels + c];
            float top = a + (b - a) * fx;
            float bottom = d + (e - d) * fx;
            dst[at + c] = top + (bottom - top) * fy;
        }
    }

    private void photometry(float[] dst, int off, float delta, float factor) {
        int pixels = height * width;
        for (int c = 0; c < channels && factor != 1; c++) {
            double sum = 0;
            for (int p = 0; p < pixels; p++) {
                sum += dst[off + p * channels + c];
            }
            float mean = (float) (sum / pixels);
            for (int p = 0; p < pixels; p++) {
                int i = off + p * channels + c;
                dst[i] = (dst[i] - mean) * factor + mean;
            }
        }
        if (delta != 0) {
            for (int i = 0; i < pixels * channels; i++) {
                dst[off + i] += delta;
            }
        }
    }

    /**
     * {@code views} augmented views of every image of {@code data}: row {@code i * views + j} is view
     * {@code j} of sample {@code i}, computed when read (nothing is stored).
     */
    public FeatureSource views(Dataset data, int views) {
        if (views < 1) {
            throw new IllegalArgumentException("views must be >= 1, got " + views);
        }
        if (data.width() != rowWidth()) {
            throw new IllegalArgumentException("the augmentation is for images of " + height + "x" + width + "x" + channels
                    + " = " + rowWidth() + " values but the data has " + data.width() + " per sample");
        }
        if ((long) data.size() * views > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(data.size() + " samples x " + views + " views is too many rows");
        }
        return new FeatureSource() {
            @Override public int size() { return data.size() * views; }
            @Override public int width() { return rowWidth(); }
            @Override public void copyRows(int from, int rows, float[] dst, int offset) {
                float[] image = new float[rowWidth()];
                for (int r = 0; r < rows; r++) {
                    int row = from + r;
                    data.copyFeatures(row / views, image, 0);
                    apply(image, 0, dst, offset + r * rowWidth(), row / views, row % views);
                }
            }
            @Override public String toString() { return views + " augmented view(s) of " + data; }
        };
    }

    /**
     * Which of {@code views} views each of {@code samples} images trains on in {@code epoch}: a
     * function of ({@code seed}, epoch) alone, so a run with the cache and one without see the same views.
     */
    public static int[] epochViews(long seed, int epoch, int samples, int views) {
        int[] chosen = new int[samples];
        if (views > 1) {
            SplittableRandom random = new SplittableRandom(mix(mix(seed, 0x5EED_71E3L), epoch));
            for (int i = 0; i < samples; i++) {
                chosen[i] = random.nextInt(views);
            }
        }
        return chosen;
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return id();
    }

    /** Configures an {@link Augmentation}; every distortion is off by default, the seed is 0. */
    public static final class Builder {
        private final int height;
        private final int width;
        private final int channels;
        private boolean flip;
        private float shift;
        private float rotationDegrees;
        private float brightness;
        private float contrast;
        private long seed;

        private Builder(int height, int width, int channels) {
            if (height < 1 || width < 1 || channels < 1) {
                throw new IllegalArgumentException("image shape must be positive, got " + height + "x" + width + "x" + channels);
            }
            this.height = height;
            this.width = width;
            this.channels = channels;
        }

        /** Mirrors left-right with probability 1/2. */
        public Builder flip(boolean flip) { this.flip = flip; return this; }

        /** Shifts by up to {@code fraction} of the height and width (whole pixels, edges repeated), e.g. 0.1. */
        public Builder shift(float fraction) { this.shift = check("shift", fraction, 0.5f); return this; }

        /** Rotates by an angle drawn from {@code [-degrees, degrees]} about the centre. */
        public Builder rotation(float degrees) { this.rotationDegrees = check("rotation", degrees, 45f); return this; }

        /** Adds a value drawn from {@code [-delta, delta]} to every value. */
        public Builder brightness(float delta) { this.brightness = check("brightness", delta, Float.MAX_VALUE); return this; }

        /** Scales each channel about its mean by a factor drawn from {@code [1 - amount, 1 + amount]}. */
        public Builder contrast(float amount) { this.contrast = check("contrast", amount, 1f); return this; }

        /** The seed of every view's distortions. */
        public Builder seed(long seed) { this.seed = seed; return this; }

        public Augmentation build() { return new Augmentation(this); }

        private static float check(String what, float v, float max) {
            if (!(v >= 0 && v <= max)) {
                throw new IllegalArgumentException(what + " must be in [0, " + max + "], got " + v);
            }
            return v;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Augmentation a && a.id().equals(id());
    }

    @Override
    public int hashCode() {
        return Objects.hash(id());
    }
}
