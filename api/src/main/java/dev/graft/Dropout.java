package dev.graft;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/**
 * Inverted dropout: while training, each activation is zeroed with probability {@code rate} and
 * the survivors are scaled by {@code 1 / (1 - rate)}; at inference (and whenever the layer is
 * frozen) it is the identity.
 */
public record Dropout(String name, int width, float rate, boolean trainable) implements Layer {

    public Dropout {
        Model.checkName(name);
        if (width <= 0) {
            throw new IllegalArgumentException("layer '" + name + "': width must be positive, got " + width);
        }
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException("layer '" + name + "': dropout rate must be in [0, 1), got " + rate);
        }
    }

    /** A dropout layer to be placed by surgery or a builder; its width follows the layer below. */
    public static LayerSpec spec(String name, float rate) {
        return new LayerSpec() {
            @Override public String name() { return name; }
            @Override public Layer create(int inputWidth, SplittableRandom random) {
                return new Dropout(name, inputWidth, rate, true);
            }
        };
    }

    @Override public int inputWidth() { return width; }
    @Override public int outputWidth() { return width; }
    @Override public long parameterCount() { return 0; }

    @Override
    public Dropout withTrainable(boolean trainable) {
        return new Dropout(name, width, rate, trainable);
    }

    @Override
    public void digestInto(MessageDigest digest) {
        // At inference dropout is the identity, so only its presence and width matter.
        digest.update(("dropout|" + name + "|" + width + "|").getBytes(StandardCharsets.UTF_8));
    }
}
