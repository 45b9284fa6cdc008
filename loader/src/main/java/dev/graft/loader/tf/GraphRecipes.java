package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.LayerDescription;
import dev.graft.Shape;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Recipes for the convolutional parts {@link GraphWalker} recovers (convolutions, pooling, batch norm, flatten,
 * a separate activation), with the descriptions of Graft's layer types. Widths come from the variables' stored
 * shapes (the checkpoint's index; no data read yet). Batch norm's momentum is not in an inference graph: Keras's
 * and {@code tf.layers}' default (0.99) is used and said in the notes.
 */
final class GraphRecipes {

    private GraphRecipes() {
    }

    static LayerRecipe of(GraphParts.Part part, Map<String, String> keys, TensorBundle bundle, Path graphFile, List<String> notes)
            throws ModelFileException {
        if (part instanceof GraphParts.ConvStep c) {
            String kernel = keys.getOrDefault(c.kernel(), c.kernel());
            long[] shape = shape(bundle, graphFile, kernel, c.op(), 4);
            Activation act = c.activation() == null ? Activation.IDENTITY : c.activation();
            Map<String, LayerRecipe.Source> params = new LinkedHashMap<>();
            params.put(c.depthwise() ? "depthwise_kernel" : "kernel", new LayerRecipe.Source(kernel, false));
            if (c.bias() != null) {
                params.put("bias", new LayerRecipe.Source(keys.getOrDefault(c.bias(), c.bias()), false));
            }
            List<Integer> size = List.of((int) shape[0], (int) shape[1]);
            LayerDescription d = c.depthwise()
                    ? LayerDescription.of("depthwise_conv2d").with("kernel_size", size).with("strides", c.strides())
                            .with("padding", c.padding()).with("dilation_rate", c.dilations()).with("depth_multiplier", (int) shape[3])
                    : LayerDescription.of("conv2d").with("filters", (int) shape[3]).with("kernel_size", size)
                            .with("strides", c.strides()).with("padding", c.padding()).with("dilation_rate", c.dilations());
            d = d.with("activation", act.toString()).with("use_bias", c.bias() != null);
            return new LayerRecipe(NameInference.layerName(c.kernel()), d, true, params, null);
        }
        if (part instanceof GraphParts.Pool p) {
            LayerDescription d = LayerDescription.of(p.max() ? "max_pool2d" : "avg_pool2d").with("pool_size", p.size())
                    .with("strides", p.strides()).with("padding", p.padding());
            return new LayerRecipe(d.type(), d, true, Map.of(), null);
        }
        if (part instanceof GraphParts.GlobalPool g) {
            String type = g.max() ? "global_max_pool2d" : "global_avg_pool2d";
            return new LayerRecipe(type, LayerDescription.of(type), true, Map.of(), null);
        }
        if (part instanceof GraphParts.Merge m) {
            LayerDescription d = m.concat() ? LayerDescription.of("concatenate").with("axis", m.axis()) : LayerDescription.of("add");
            return new LayerRecipe(NameInference.layerName(m.op()), d, true, Map.of(), null);
        }
        if (part instanceof GraphParts.ZeroPad z) {
            LayerDescription d = LayerDescription.of("zero_padding2d").with("padding", z.padding());
            return new LayerRecipe(d.type(), d, true, Map.of(), null);
        }
        if (part instanceof GraphParts.Flat) {
            return new LayerRecipe("flatten", LayerDescription.of("flatten"), true, Map.of(), null);
        }
        if (part instanceof GraphParts.Act a) {
            return new LayerRecipe("activation", LayerDescription.of("activation").with("activation", a.activation().toString()),
                    true, Map.of(), null);
        }
        GraphParts.Norm n = (GraphParts.Norm) part;
        Map<String, LayerRecipe.Source> params = new LinkedHashMap<>();
        for (String[] p : new String[][] {{"gamma", n.gamma()}, {"beta", n.beta()}, {"moving_mean", n.mean()},
                {"moving_variance", n.variance()}}) {
            if (p[1] != null) {
                String key = keys.getOrDefault(p[1], p[1]);
                shape(bundle, graphFile, key, n.op(), 1);
                params.put(p[0], new LayerRecipe.Source(key, false));
            }
        }
        notes.add("batch norm '" + NameInference.layerName(n.mean()) + "' (op " + n.op() + "): momentum is not in the graph, "
                + "0.99 assumed (it matters only when the layer is trained)");
        LayerDescription d = LayerDescription.of("batch_norm").with("epsilon", n.epsilon()).with("momentum", 0.99)
                .with("center", n.beta() != null).with("scale", n.gamma() != null);
        return new LayerRecipe(NameInference.layerName(n.mean()), d, true, params, null);
    }

    /** The input shape the graph records for the first layer, or a refusal when it records none for images. */
    static LayerRecipe withInput(LayerRecipe first, Shape input, Path graphFile) throws ModelFileException {
        if (first.inputShape() != null) {
            return first;
        }
        if (input == null) {
            throw new ModelFileException(graphFile, first.name(), "the graph records no shape for the model input (placeholder "
                    + "without a shape and no Reshape to images after it), so the image size of layer '" + first.name()
                    + "' cannot be recovered; Graft will not guess it");
        }
        return first.withInputShape(input);
    }

    private static long[] shape(TensorBundle bundle, Path graphFile, String name, String op, int rank) throws ModelFileException {
        TensorBundle.Entry e = bundle.entries().get(name);
        if (e == null) {
            throw new ModelFileException(graphFile, name, "op '" + op + "' uses this variable but the checkpoint "
                    + bundle.indexFile() + " has no such tensor");
        }
        if (e.shape().length != rank || Arrays.stream(e.shape()).anyMatch(d -> d <= 0 || d > Integer.MAX_VALUE)) {
            throw new ModelFileException(bundle.indexFile(), name, "op '" + op + "' needs a rank-" + rank + " variable, found shape "
                    + Arrays.toString(e.shape()));
        }
        return e.shape();
    }
}
