package dev.graft.loader.data;

import java.util.Locale;

/**
 * How decoded pixel bytes {@code v} (0..255) become the floats a model sees, matching the Keras
 * families' {@code preprocess_input} so a loaded Keras model is fed what it was trained on. The
 * bytes are stored; each preset is applied, in float32 and in Keras' order of operations, when rows
 * are read ({@link dev.graft.data.Dataset#wrapImages}).
 */
public enum ImagePreprocessing {
    /** {@code v / 255}: values in {@code [0, 1]} (Keras {@code Rescaling(1/255)}, what IDX data gets). */
    SCALE(new float[] {255f}, new float[] {0f}, false),
    /** {@code v / 127.5 - 1}: values in {@code [-1, 1]}, Keras mode "tf" (MobileNet, Inception, Xception). */
    MOBILENET(new float[] {127.5f}, new float[] {1f}, false),
    /**
     * Keras mode "caffe" (ResNet50, VGG16/19): channels reordered to BGR (stored in that order), the
     * ImageNet mean {@code [103.939, 116.779, 123.68]} subtracted, no scaling. Needs RGB images.
     */
    CAFFE(new float[] {1f, 1f, 1f}, new float[] {103.939f, 116.779f, 123.68f}, true),
    /** The raw values 0..255 as floats, for models that rescale inside (e.g. a {@code Rescaling} layer, EfficientNet). */
    RAW(new float[] {1f}, new float[] {0f}, false);

    private final float[] divisor;
    private final float[] subtract;
    private final boolean bgr;

    ImagePreprocessing(float[] divisor, float[] subtract, boolean bgr) {
        this.divisor = divisor;
        this.subtract = subtract;
        this.bgr = bgr;
    }

    /** Whether the stored bytes are in BGR order. */
    public boolean bgr() {
        return bgr;
    }

    /** The per-channel divisors for images of {@code channels} channels. */
    public float[] divisor(int channels) {
        return perChannel(divisor, channels);
    }

    /** The per-channel values subtracted after dividing. */
    public float[] subtract(int channels) {
        return perChannel(subtract, channels);
    }

    private float[] perChannel(float[] v, int channels) {
        if (v.length == channels) {
            return v.clone();
        }
        if (v.length != 1) {
            throw new IllegalArgumentException("preprocessing " + cliName() + " needs " + v.length
                    + "-channel (RGB) images, not " + channels + "-channel ones; drop --grayscale or choose scale, mobilenet or raw");
        }
        float[] out = new float[channels];
        java.util.Arrays.fill(out, v[0]);
        return out;
    }

    /** The name used on the command line ({@code scale}, {@code mobilenet}, {@code caffe}, {@code raw}). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a preset name; {@code tf} is an alias of {@code mobilenet}, {@code torch}-style presets are not offered. */
    public static ImagePreprocessing parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("tf")) {
            return MOBILENET;
        }
        for (ImagePreprocessing p : values()) {
            if (p.cliName().equals(n)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown preprocessing '" + name + "': use scale ([0,1]), mobilenet or tf ([-1,1]), "
                + "caffe (BGR, ImageNet mean subtracted: ResNet50, VGG) or raw (0..255)");
    }
}
