package dev.graft;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Model surgery for transfer learning: keep the lower layers of a trained model, freeze some of
 * them, and put fresh layers on top. On a graph model "lower" means "an ancestor of": keeping or
 * freezing through a layer takes every layer that feeds it, directly or not. The source model is never modified; {@link #build()} returns
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
    private String keepThrough;
    private String freezeThrough;
    private final List<String> freezePrefixes = new ArrayList<>();
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

    /**
     * Keeps {@code name} and every layer that feeds it, directly or not (on a chain: the layers from the
     * input up to and including it); drops the rest. {@code name} becomes the output.
     */
    public Transfer keepThrough(String name) {
        keep = source.indexOf(name) + 1;
        keepThrough = name;
        return this;
    }

    /** Keeps the first {@code count} layers (on a graph they must form a model: no branch left dangling). */
    public Transfer keepFirst(int count) {
        if (count < 1 || count > source.size()) {
            throw new IllegalArgumentException("can keep 1.." + source.size() + " layers, asked for " + count);
        }
        keep = count;
        keepThrough = null;
        return this;
    }

    /** Drops the top {@code count} layers. */
    public Transfer dropTop(int count) {
        return keepFirst(source.size() - count);
    }

    /** Freezes {@code name} and every layer that feeds it, directly or not ("everything below"; on a chain, from the input up to it). */
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

    /**
     * Freezes every kept layer whose name starts with {@code prefix} (e.g. {@code "block_"}); checked
     * by {@link #build()}: no kept layer matching is an error.
     */
    public Transfer freezeMatching(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("freezeMatching needs a non-empty name prefix");
        }
        freezePrefixes.add(prefix);
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
        boolean[] kept = new boolean[source.size()];
        if (keepThrough != null) {
            markAncestors(source.indexOf(keepThrough), kept);
        } else {
            Arrays.fill(kept, 0, keep, true);
        }
        boolean[] frozen = new boolean[source.size()];
        if (freezeThrough != null) {
            int through = source.indexOf(freezeThrough);
            if (!kept[through]) {
                throw new IllegalArgumentException("cannot freeze through '" + freezeThrough
                        + "': it is above the kept layers (top kept layer is '" + source.layer(topKept(kept)).name() + "')");
            }
            markAncestors(through, frozen);
        }
        for (String prefix : freezePrefixes) {
            boolean any = false;
            for (int i = 0; i < source.size(); i++) {
                if (kept[i] && source.layer(i).name().startsWith(prefix)) {
                    frozen[i] = true;
                    any = true;
                }
            }
            if (!any) {
                throw new IllegalArgumentException("freezeMatching('" + prefix + "'): no kept layer's name starts with it (kept: "
                        + keptNames(kept) + ")");
            }
        }
        List<Layer> layers = new ArrayList<>();
        Map<String, List<String>> inbound = new LinkedHashMap<>();
        for (int i = 0; i < source.size(); i++) {
            if (!kept[i]) {
                continue;
            }
            Layer layer = source.layer(i);
            boolean trainable = unfreezeAll || layer.trainable();
            if (frozen[i] || freeze.contains(layer.name())) {
                trainable = false;
            }
            if (unfreeze.contains(layer.name())) {
                trainable = true;
            }
            layers.add(layer.withTrainable(trainable));
            if (!source.inputIndices(i).isEmpty()) {
                inbound.put(layer.name(), source.inputsOf(layer.name()));
            }
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
            if (!layer.inputShape().equals(below) || layer.inputShapes().size() != 1) {
                throw new IllegalArgumentException("new " + Model.chainError(layer, layers.get(layers.size() - 1)));
            }
            layers.add(layer);
        }
        return source.isChain() ? new Model(layers) : new Model(layers, inbound);
    }

    /** Marks layer {@code index} and every layer feeding it, directly or not. */
    private void markAncestors(int index, boolean[] marks) {
        Deque<Integer> todo = new ArrayDeque<>(List.of(index));
        while (!todo.isEmpty()) {
            int i = todo.pop();
            if (!marks[i]) {
                marks[i] = true;
                todo.addAll(source.inputIndices(i));
            }
        }
    }

    private static int topKept(boolean[] kept) {
        int top = kept.length - 1;
        while (!kept[top]) {
            top--;
        }
        return top;
    }

    private List<String> keptNames(boolean[] kept) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < kept.length; i++) {
            if (kept[i]) {
                names.add(source.layer(i).name());
            }
        }
        return names;
    }
}
