package dev.graft.loader.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.graft.Activation;
import dev.graft.LayerDescription;
import dev.graft.Shape;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Translates Keras's convolutional layer configs (Conv2D, DepthwiseConv2D, SeparableConv2D, pooling,
 * ZeroPadding2D, BatchNormalization) into {@link LayerRecipe}s with the descriptions of Graft's layer types
 * (types and keys as the layer classes define them), refusing what Graft cannot compute the same way
 * (channels-first data, grouped or causal convolutions, batch norm over another axis) with the reason.
 * A recipe's parameters are listed in the order Keras stores them.
 */
final class KerasLayers {

    static final String CONV2D = "conv2d";
    static final String DEPTHWISE = "depthwise_conv2d";
    static final String MAX_POOL = "max_pool2d";
    static final String AVG_POOL = "avg_pool2d";
    static final String GLOBAL_AVG = "global_avg_pool2d";
    static final String GLOBAL_MAX = "global_max_pool2d";
    static final String FLATTEN = "flatten";
    static final String ZERO_PADDING = "zero_padding2d";
    static final String BATCH_NORM = "batch_norm";

    private KerasLayers() {
    }

    /** The recipe for a spatial layer class, or null when the class is not one Graft knows. */
    static LayerRecipe spatial(Path file, String kind, String name, JsonNode c, boolean trainable, Integer rank)
            throws ModelFileException {
        return switch (kind) {
            case "Conv2D", "Convolution2D" -> conv(file, name, c, trainable, kind);
            case "DepthwiseConv2D" -> depthwise(file, name, c, trainable);
            case "MaxPooling2D", "MaxPool2D" -> pool(file, name, c, trainable, MAX_POOL);
            case "AveragePooling2D", "AvgPool2D" -> pool(file, name, c, trainable, AVG_POOL);
            case "GlobalAveragePooling2D", "GlobalAvgPool2D" -> global(file, name, c, trainable, GLOBAL_AVG);
            case "GlobalMaxPooling2D", "GlobalMaxPool2D" -> global(file, name, c, trainable, GLOBAL_MAX);
            case "ZeroPadding2D" -> new LayerRecipe(name, LayerDescription.of(ZERO_PADDING).with("padding", padding(file, name, c)),
                    trainable, Map.of(), null);
            case "BatchNormalization" -> batchNorm(file, name, c, trainable, rank);
            default -> null;
        };
    }

    /** The per-sample rank after a layer of class {@code kind} (null when unknown). */
    static Integer rankAfter(String kind, Integer rank) {
        return kind.startsWith("Global") ? Integer.valueOf(1) : kind.equals("BatchNormalization") ? rank : Integer.valueOf(3);
    }

    static LayerRecipe conv(Path file, String name, JsonNode c, boolean trainable, String kind) throws ModelFileException {
        if (kind.equals("Convolution2D")) {
            throw new ModelFileException(file, name, "Keras 1 Convolution2D is not supported (its kernels may be stored "
                    + "in Theano's layout); re-save the model with Keras 2 or later");
        }
        if (c.path("groups").asInt(1) != 1) {
            throw new ModelFileException(file, name, "grouped convolution (groups " + c.path("groups").asInt() + ") is not supported");
        }
        int filters = c.path("filters").asInt(0);
        if (filters <= 0) {
            throw new ModelFileException(file, name, "Conv2D layer without a positive 'filters'");
        }
        boolean bias = c.path("use_bias").asBoolean(true);
        LayerDescription d = LayerDescription.of(CONV2D).with("filters", filters)
                .with("kernel_size", pair(file, name, c, "kernel_size", null))
                .with("strides", pair(file, name, c, "strides", List.of(1, 1)))
                .with("padding", paddingMode(file, name, c))
                .with("dilation_rate", pair(file, name, c, "dilation_rate", List.of(1, 1)))
                .with("activation", activation(file, name, c).toString())
                .with("use_bias", bias);
        return new LayerRecipe(name, d, trainable, expected(bias, "kernel"), null);
    }

    static LayerRecipe depthwise(Path file, String name, JsonNode c, boolean trainable) throws ModelFileException {
        int multiplier = c.path("depth_multiplier").asInt(1);
        if (multiplier <= 0) {
            throw new ModelFileException(file, name, "DepthwiseConv2D with depth_multiplier " + multiplier);
        }
        boolean bias = c.path("use_bias").asBoolean(true);
        LayerDescription d = LayerDescription.of(DEPTHWISE)
                .with("kernel_size", pair(file, name, c, "kernel_size", null))
                .with("strides", pair(file, name, c, "strides", List.of(1, 1)))
                .with("padding", paddingMode(file, name, c))
                .with("dilation_rate", pair(file, name, c, "dilation_rate", List.of(1, 1)))
                .with("depth_multiplier", multiplier)
                .with("activation", activation(file, name, c).toString())
                .with("use_bias", bias);
        return new LayerRecipe(name, d, trainable, expected(bias, "depthwise_kernel"), null);
    }

    /**
     * A SeparableConv2D as Graft computes it: a depthwise convolution without bias or activation (named
     * {@code <name>_depthwise}), then a 1×1 convolution with the layer's bias and activation (named {@code name}).
     */
    static LayerRecipe[] separable(Path file, String name, JsonNode c, boolean trainable) throws ModelFileException {
        int multiplier = c.path("depth_multiplier").asInt(1);
        int filters = c.path("filters").asInt(0);
        if (multiplier <= 0 || filters <= 0) {
            throw new ModelFileException(file, name, "SeparableConv2D needs a positive 'filters' and 'depth_multiplier'");
        }
        boolean bias = c.path("use_bias").asBoolean(true);
        LayerDescription dw = LayerDescription.of(DEPTHWISE)
                .with("kernel_size", pair(file, name, c, "kernel_size", null))
                .with("strides", pair(file, name, c, "strides", List.of(1, 1)))
                .with("padding", paddingMode(file, name, c))
                .with("dilation_rate", pair(file, name, c, "dilation_rate", List.of(1, 1)))
                .with("depth_multiplier", multiplier)
                .with("activation", Activation.IDENTITY.toString())
                .with("use_bias", false);
        LayerDescription pw = LayerDescription.of(CONV2D).with("filters", filters).with("kernel_size", List.of(1, 1))
                .with("strides", List.of(1, 1)).with("padding", "valid").with("dilation_rate", List.of(1, 1))
                .with("activation", activation(file, name, c).toString()).with("use_bias", bias);
        return new LayerRecipe[] {
                new LayerRecipe(name + "_depthwise", dw, trainable, expected(false, "depthwise_kernel"), null),
                new LayerRecipe(name, pw, trainable, expected(bias, "kernel"), null)};
    }

    private static LayerRecipe pool(Path file, String name, JsonNode c, boolean trainable, String type) throws ModelFileException {
        List<Integer> size = pair(file, name, c, "pool_size", List.of(2, 2));
        List<Integer> strides = c.path("strides").isNull() || c.path("strides").isMissingNode() ? size
                : pair(file, name, c, "strides", size);
        LayerDescription d = LayerDescription.of(type).with("pool_size", size).with("strides", strides)
                .with("padding", paddingMode(file, name, c));
        return new LayerRecipe(name, d, trainable, Map.of(), null);
    }

    private static LayerRecipe global(Path file, String name, JsonNode c, boolean trainable, String type)
            throws ModelFileException {
        if (c.path("keepdims").asBoolean(false)) {
            throw new ModelFileException(file, name, "global pooling with keepdims=true is not supported (Graft's gives a vector)");
        }
        return new LayerRecipe(name, LayerDescription.of(type), trainable, Map.of(), null);
    }

    private static LayerRecipe batchNorm(Path file, String name, JsonNode c, boolean trainable, Integer rank)
            throws ModelFileException {
        JsonNode axisNode = c.path("axis");
        if (axisNode.isArray()) {
            if (axisNode.size() != 1) {
                throw new ModelFileException(file, name, "BatchNormalization over several axes " + axisNode + " is not supported");
            }
            axisNode = axisNode.get(0);
        }
        int axis = axisNode.asInt(-1);
        if (axis != -1 && (rank == null || axis != rank)) {
            throw new ModelFileException(file, name, "BatchNormalization over axis " + axis + " of "
                    + (rank == null ? "activations of unknown rank" : "rank-" + (rank + 1) + " activations (batch first)")
                    + " is not supported: Graft normalises the last (channels) axis");
        }
        if (c.path("renorm").asBoolean(false)) {
            throw new ModelFileException(file, name, "BatchNormalization with renorm=true is not supported");
        }
        boolean center = c.path("center").asBoolean(true);
        boolean scale = c.path("scale").asBoolean(true);
        LayerDescription d = LayerDescription.of(BATCH_NORM).with("epsilon", c.path("epsilon").asDouble(1e-3))
                .with("momentum", c.path("momentum").asDouble(0.99)).with("center", center).with("scale", scale);
        Map<String, LayerRecipe.Source> params = new LinkedHashMap<>();
        for (String p : new String[] {scale ? "gamma" : null, center ? "beta" : null, "moving_mean", "moving_variance"}) {
            if (p != null) {
                params.put(p, new LayerRecipe.Source(null, false));
            }
        }
        return new LayerRecipe(name, d, trainable, params, null);
    }

    /** Refuses channels-first data ({@code data_format: channels_first}, Keras 1 {@code dim_ordering: th}). */
    static void refuseChannelsFirst(Path file, String name, String kind, JsonNode c) throws ModelFileException {
        if (c.path("data_format").asText("").equals("channels_first") || c.path("dim_ordering").asText("").equals("th")) {
            throw new ModelFileException(file, name, kind + " layer uses channels-first data (NCHW): Graft computes "
                    + "channels-last (NHWC) only and will not guess a conversion; re-save the model with "
                    + "data_format='channels_last'");
        }
    }

    /** The input shape a layer config declares ({@code batch_input_shape}, {@code batch_shape}, {@code input_dim}), per sample. */
    static Shape declaredInput(Path file, JsonNode c) throws ModelFileException {
        for (String key : new String[] {"batch_input_shape", "batch_shape"}) {
            JsonNode s = c.path(key);
            if (s.isObject()) {
                s = s.path("items");
            }
            if (s.isArray() && s.size() >= 2) {
                List<Integer> dims = new ArrayList<>();
                for (int i = 1; i < s.size(); i++) {
                    if (!s.get(i).canConvertToInt() || s.get(i).asInt() <= 0) {
                        throw new ModelFileException(file, c.path("name").asText(""), "input shape " + s
                                + " has a dimension that is not a positive number; Graft needs fixed input sizes");
                    }
                    dims.add(s.get(i).asInt());
                }
                return Shape.of(dims);
            }
        }
        return c.path("input_dim").canConvertToInt() && c.path("input_dim").asInt() > 0
                ? Shape.vector(c.path("input_dim").asInt()) : null;
    }

    /** A Reshape Graft can express: one to a flat vector ({@code target_shape} of one dimension). */
    static void requireFlatReshape(Path file, String name, JsonNode c) throws ModelFileException {
        JsonNode t = c.path("target_shape");
        if (!t.isArray() || t.size() != 1) {
            throw new ModelFileException(file, name, "Reshape to " + t + " is not supported (only to a flat vector, as Flatten)");
        }
    }

    static Activation activation(Path file, String layer, JsonNode c) throws ModelFileException {
        String name = c.path("activation").asText("linear");
        try {
            return Activation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, layer, "activation '" + name + "' is not supported: " + e.getMessage(), e);
        }
    }

    /** A {@code ReLU} layer: plain, leaky ({@code negative_slope}), or capped at 6 ({@code max_value}: ReLU6). */
    static Activation relu(Path file, String name, JsonNode c) throws ModelFileException {
        double slope = c.path("negative_slope").asDouble(0);
        double threshold = c.path("threshold").asDouble(0);
        JsonNode max = c.path("max_value");
        boolean capped = !max.isNull() && !max.isMissingNode();
        if (threshold != 0 || (capped && (slope != 0 || max.asDouble() != 6.0))) {
            throw new ModelFileException(file, name, "ReLU with max_value " + (capped ? max.asText() : "none") + ", negative_slope "
                    + slope + ", threshold " + threshold + " is not supported (plain, leaky, or max_value 6 = ReLU6)");
        }
        if (capped) {
            return parse(file, name, "relu6");
        }
        return slope != 0 ? leaky(file, name, (float) slope) : Activation.RELU;
    }

    static Activation leaky(Path file, String name, float slope) throws ModelFileException {
        try {
            return Activation.leakyRelu(slope);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, name, e.getMessage(), e);
        }
    }

    private static Activation parse(Path file, String layer, String text) throws ModelFileException {
        try {
            return Activation.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, layer, "activation '" + text + "' is not supported: " + e.getMessage(), e);
        }
    }

    private static Map<String, LayerRecipe.Source> expected(boolean bias, String kernel) {
        Map<String, LayerRecipe.Source> params = new LinkedHashMap<>();
        params.put(kernel, new LayerRecipe.Source(null, false));
        if (bias) {
            params.put("bias", new LayerRecipe.Source(null, false));
        }
        return params;
    }

    private static String paddingMode(Path file, String name, JsonNode c) throws ModelFileException {
        String p = c.path("padding").asText(c.path("border_mode").asText("valid")).toLowerCase(Locale.ROOT);
        if (!p.equals("valid") && !p.equals("same")) {
            throw new ModelFileException(file, name, "padding '" + p + "' is not supported (valid or same)");
        }
        return p;
    }

    /** An int or a list of one or two ints as [a, b]; {@code fallback} when absent (null: required). */
    private static List<Integer> pair(Path file, String name, JsonNode c, String key, List<Integer> fallback)
            throws ModelFileException {
        JsonNode v = c.path(key);
        if (v.isMissingNode() || v.isNull()) {
            if (fallback == null) {
                throw new ModelFileException(file, name, "layer config has no '" + key + "'");
            }
            return fallback;
        }
        List<Integer> out = new ArrayList<>();
        if (v.canConvertToInt()) {
            out.add(v.asInt());
            out.add(v.asInt());
        } else if (v.isArray() && (v.size() == 1 || v.size() == 2)) {
            for (JsonNode e : v) {
                if (!e.canConvertToInt()) {
                    throw new ModelFileException(file, name, "'" + key + "' is " + v + ", expected whole numbers");
                }
                out.add(e.asInt());
            }
            if (out.size() == 1) {
                out.add(out.get(0));
            }
        } else {
            throw new ModelFileException(file, name, "'" + key + "' is " + v + ", expected a number or two");
        }
        if (out.get(0) <= 0 || out.get(1) <= 0) {
            throw new ModelFileException(file, name, "'" + key + "' is " + v + ", expected positive numbers");
        }
        return List.copyOf(out);
    }

    /** ZeroPadding2D's padding as [top, bottom, left, right] from an int, [h, w] or [[top, bottom], [left, right]]. */
    private static List<Integer> padding(Path file, String name, JsonNode c) throws ModelFileException {
        JsonNode v = c.path("padding");
        List<Integer> out = new ArrayList<>();
        if (v.canConvertToInt()) {
            for (int i = 0; i < 4; i++) {
                out.add(v.asInt());
            }
        } else if (v.isArray() && v.size() == 2 && v.get(0).canConvertToInt() && v.get(1).canConvertToInt()) {
            out.addAll(List.of(v.get(0).asInt(), v.get(0).asInt(), v.get(1).asInt(), v.get(1).asInt()));
        } else if (v.isArray() && v.size() == 2 && v.get(0).isArray() && v.get(1).isArray()
                && v.get(0).size() == 2 && v.get(1).size() == 2) {
            for (JsonNode side : v) {
                for (JsonNode e : side) {
                    if (!e.canConvertToInt()) {
                        throw new ModelFileException(file, name, "ZeroPadding2D padding " + v + " is not whole numbers");
                    }
                    out.add(e.asInt());
                }
            }
        } else {
            throw new ModelFileException(file, name, "ZeroPadding2D padding " + v + " is not an int, [h, w] or [[t, b], [l, r]]");
        }
        if (out.stream().anyMatch(p -> p < 0)) {
            throw new ModelFileException(file, name, "ZeroPadding2D padding " + v + " is negative");
        }
        return List.copyOf(out);
    }
}
