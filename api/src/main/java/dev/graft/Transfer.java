package dev.graft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Model surgery for transfer learning: keep the lower layers of a trained model, freeze some of
 * them, and put fresh layers on top. The source model is never modified; {@link #build()} returns
 * a new one. Steps apply in this order whatever order they were declared in: cut the top, set
 * trainability, replace the output width, then add new layers.
 *
 * <pre>{@code
 * Model transferred = Transfer.from(original)
 *         .keepThrough("hidden3")          // drop "output"
 *         .freezeThrough("hidden2")        // lock hidden1, hidden2; hidden3 stays trainable
 *         .add(Dense.spec("output", 5, Activation.IDENTITY))
 *         .seed(42)
 *         .build();
 * }</pre>
 */
public final class Transfer {

    private final Model source;
    private int keep;
    private String freezeThrough;
    private final Set<String> freeze = new HashSet<>();
    private final Set<String> unfreeze = new HashSet<>();
    private boolean unfreezeAll;
    private Integer newOutputWidth;
    private final List<Object> additions = new ArrayList<>();
    private long seed = 0x6752414654L;

    private Transfer(Model source) {
        this.source = source;
        this.keep = source.size();
    }

    public static Transfer from(Model source) {
        return new Transfer(source);
    }

    /** Keeps layers from the input up to and including {@code name}; drops the rest. */
    public Transfer keepThrough(String name) {
        keep = source.indexOf(name) + 1;
        return this;
    }

    /** Keeps the first {@code count} layers. */
    public Transfer keepFirst(int count) {
        if (count < 1 || count > source.size()) {
            throw new IllegalArgumentException("can keep 1.." + source.size() + " layers, asked for " + count);
        }
        keep = count;
        return this;
    }

    /** Drops the top {@code count} layers. */
    public Transfer dropTop(int count) {
        return keepFirst(source.size() - count);
    }

    /** Freezes every layer from the input up to and including {@code name}. */
    public Transfer freezeThrough(String name) {
        source.indexOf(name);
        freezeThrough = name;
        return this;
    }

    /** Freezes the named layers (in addition to any prefix). */
    public Transfer freeze(String... names) {
        for (String name : names) {
            source.indexOf(name);
            freeze.add(name);
        }
        return this;
    }

    /** Makes the named layers trainable, even if frozen in the source or by a freeze rule. */
    public Transfer unfreeze(String... names) {
        for (String name : names) {
            source.indexOf(name);
            unfreeze.add(name);
        }
        return this;
    }

    /** Makes every kept layer trainable before the freeze rules apply (the source's flags are ignored). */
    public Transfer unfreezeAll() {
        unfreezeAll = true;
        return this;
    }

    /**
     * Replaces the top kept layer, which must be {@link Dense}, by a fresh one of the same name and
     * activation but {@code width} outputs (e.g. 10 classes to 5).
     */
    public Transfer replaceOutput(int width) {
        if (width <= 0) {
            throw new IllegalArgumentException("output width must be positive, got " + width);
        }
        newOutputWidth = width;
        return this;
    }

    /** Adds a fresh layer on top, initialised from the seed. */
    public Transfer add(LayerSpec spec) {
        additions.add(spec);
        return this;
    }

    /** Adds a ready-made layer on top; its input shape must match the layer below. */
    public Transfer add(Layer layer) {
        additions.add(layer);
        return this;
    }

    /** The seed for every fresh layer's initial values. */
    public Transfer seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Performs the surgery. */
    public Model build() {
        SplittableRandom random = new SplittableRandom(seed);
        int frozenUpTo = freezeThrough == null ? -1 : source.indexOf(freezeThrough);
        if (frozenUpTo >= keep) {
            throw new IllegalArgumentException("cannot freeze through '" + freezeThrough
                    + "': it is above the kept layers (top kept layer is '" + source.layer(keep - 1).name() + "')");
        }
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < keep; i++) {
            Layer layer = source.layer(i);
            boolean trainable = unfreezeAll || layer.trainable();
            if (i <= frozenUpTo || freeze.contains(layer.name())) {
                trainable = false;
            }
            if (unfreeze.contains(layer.name())) {
                trainable = true;
            }
            layers.add(layer.withTrainable(trainable));
        }
        if (newOutputWidth != null) {
            int top = layers.size() - 1;
            if (!(layers.get(top) instanceof Dense old)) {
                throw new IllegalArgumentException("cannot replace output: top kept layer '"
                        + layers.get(top).name() + "' is not a dense layer");
            }
            layers.set(top, new Dense.Spec(old.name(), newOutputWidth, old.activation(),
                    Initializer.defaultFor(old.activation())).create(old.inputShape(), random.split()));
        }
        for (Object addition : additions) {
            Shape below = layers.get(layers.size() - 1).outputShape();
            Layer layer = addition instanceof LayerSpec spec ? spec.create(below, random.split()) : (Layer) addition;
            if (!layer.inputShape().equals(below)) {
                throw new IllegalArgumentException("new " + Model.chainError(layer, layers.get(layers.size() - 1)));
            }
            layers.add(layer);
        }
        return new Model(layers);
    }
}
