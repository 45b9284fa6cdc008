package dev.graft.loader.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.graft.Activation;
import dev.graft.ActivationLayer;
import dev.graft.Dense;
import dev.graft.LayerDescription;
import dev.graft.Shape;
import dev.graft.loader.LayerRecipe;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Keras model config (the {@code model_config} attribute of an HDF5 file, {@code config.json} of a
 * {@code .keras} zip, or {@code model.to_json()}; Keras 1, 2 and 3 spellings) into {@link Entry entries}: a
 * {@link LayerRecipe} per Graft layer, the weight group its parameters are stored in and the layers it reads.
 * {@link KerasGraph} gives the wiring (Sequential and functional models, nested ones flattened). Dense, Dropout,
 * convolution, pooling, padding, flatten and batch-norm layers translate one to one ({@link KerasLayers}); Add,
 * Concatenate and InputLayer become graph layers; separate activation layers ({@code Activation}, {@code ReLU},
 * {@code LeakyReLU}, {@code ELU}, {@code Softmax}) are folded into the Dense or convolution before them when
 * nothing else reads that layer's output. Anything else is refused with the layer's name.
 */
final class KerasConfig {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Where a layer's weights are stored. {@code legacyGroup}: the top-level layer's group in a legacy HDF5
     * file ({@code model_weights/<name>}, whose {@code weight_names} list a nested model's weights in order);
     * {@code byClass}: the Keras 3 archive path (layers are keyed by snake-cased class name and a counter, not by
     * their configured names), outermost first; {@code byName}: the same path by configured names (tf.keras 2.13+
     * {@code .keras} files, under {@code _layer_checkpoint_dependencies}).
     */
    record WeightGroup(String legacyGroup, List<String> byClass, List<String> byName) {
    }

    /**
     * One Graft layer: its recipe (parameters listed in Keras's storage order), its weight group (null if it has
     * none), and the Graft layers it reads (empty: the model input).
     */
    record Entry(LayerRecipe recipe, WeightGroup group, List<String> inputs) {
    }

    /** Recipe types of the layers only graphs have (built by {@link GraphAssembly}, not by a registered type). */
    static final String INPUT = "input";
    static final String ADD = "add";
    static final String CONCATENATE = "concatenate";

    private KerasConfig() {
    }

    /**
     * A parsed model config: the Graft layers in an order where each follows its inputs, and the wiring for
     * {@code new Model(layers, inbound)} -- empty when the model is a chain (then no InputLayer entry either: the
     * first recipe declares the input shape, as for every chain reader).
     */
    record Parsed(List<Entry> entries, Map<String, List<String>> inbound) {
        boolean isGraph() {
            return !inbound.isEmpty();
        }
    }

    static Parsed parse(Path file, String json) throws ModelFileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(file, "model_config", "not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFileException(file, "model_config", "not a JSON object");
        }
        List<KerasGraph.Node> nodes = KerasGraph.flatten(file, root);
        Translator t = new Translator(file, nodes);
        for (KerasGraph.Node node : nodes) {
            t.node(node);
        }
        return t.finish();
    }

    /** Turns the flattened Keras layers into Graft layer recipes, folding activations where nothing else reads the layer below. */
    private static final class Translator {
        final Path file;
        final List<Entry> out = new ArrayList<>();
        final Map<String, Integer> index = new HashMap<>();
        /** Keras layer name to the Graft layer that gives its output (itself, or the layer an activation was folded into). */
        final Map<String, String> alias = new HashMap<>();
        /** Per-sample rank of each Graft layer's output (3 for images, 1 for vectors), null when unknown. */
        final Map<String, Integer> rank = new HashMap<>();
        /** How many layers (and the model output) read each layer's output. */
        final Map<String, Integer> uses = new HashMap<>();

        Translator(Path file, List<KerasGraph.Node> nodes) {
            this.file = file;
            for (KerasGraph.Node n : nodes) {
                for (String in : n.inputs()) {
                    uses.merge(in, 1, Integer::sum);
                }
            }
            if (!nodes.isEmpty()) {
                uses.merge(nodes.get(nodes.size() - 1).name(), 1, Integer::sum);
            }
        }

        void node(KerasGraph.Node n) throws ModelFileException {
            String kind = n.kind();
            String name = n.name();
            JsonNode c = n.config();
            List<String> ins = new ArrayList<>();
            for (String in : n.inputs()) {
                String a = alias.getOrDefault(in, in);
                if (!a.isEmpty()) {
                    ins.add(a);
                }
            }
            boolean merge = kind.equals("Add") || kind.equals("Concatenate");
            if (!unsupportedHint(kind).isEmpty()) {
                throw new ModelFileException(file, name, unsupported(kind));
            }
            if (!merge && ins.size() > 1) {
                throw new ModelFileException(file, name, "layer '" + name + "' (" + kind + ") takes " + ins.size()
                        + " tensors " + ins + "; only Add and Concatenate merge several");
            }
            Integer inRank = ins.isEmpty() ? declaredRank(c) : rank.get(ins.get(0));
            KerasLayers.refuseChannelsFirst(file, name, kind, c);
            switch (kind) {
                case "InputLayer" -> {
                    Shape s = KerasLayers.declaredInput(file, c);
                    if (s == null) {
                        throw new ModelFileException(file, name, "InputLayer '" + name + "' declares no shape "
                                + "(batch_shape / batch_input_shape)");
                    }
                    add(new LayerRecipe(name, LayerDescription.of(INPUT), false, Map.of(), s), null, ins, s.rank());
                }
                case "Dense" -> {
                    int units = c.has("units") ? c.path("units").asInt() : c.path("output_dim").asInt();
                    if (units <= 0) {
                        throw new ModelFileException(file, name, "Dense layer without a positive 'units'");
                    }
                    Map<String, LayerRecipe.Source> expected = new LinkedHashMap<>();
                    expected.put("kernel", new LayerRecipe.Source(null, false));
                    if (c.path("use_bias").asBoolean(c.path("bias").asBoolean(true))) {
                        expected.put("bias", new LayerRecipe.Source(null, false));
                    }
                    add(new LayerRecipe(name, Dense.describe(units, KerasLayers.activation(file, name, c)), n.trainable(),
                            expected, declared(c, ins)), n.group(), ins, 1);
                }
                case "Dropout", "SpatialDropout2D" -> add(LayerRecipe.dropout(name,
                        (float) c.path("rate").asDouble(c.path("p").asDouble(0)), n.trainable()).withInputShape(declared(c, ins)),
                        null, ins, inRank);
                case "Activation" -> fold(n, ins, KerasLayers.activation(file, name, c));
                case "ReLU" -> fold(n, ins, KerasLayers.relu(file, name, c));
                case "Softmax" -> fold(n, ins, Activation.SOFTMAX);
                case "ELU" -> fold(n, ins, Activation.elu((float) c.path("alpha").asDouble(1.0)));
                case "LeakyReLU" -> fold(n, ins, KerasLayers.leaky(file, name,
                        (float) c.path("negative_slope").asDouble(c.path("alpha").asDouble(0.3))));
                case "Flatten", "Reshape" -> flatten(n, ins, inRank);
                case "Add" -> add(new LayerRecipe(name, LayerDescription.of(ADD), n.trainable(), Map.of(), null), null,
                        mergeInputs(n, ins), inRank);
                case "Concatenate" -> add(new LayerRecipe(name, LayerDescription.of(CONCATENATE)
                        .with("axis", c.path("axis").asInt(-1)), n.trainable(), Map.of(), null), null, mergeInputs(n, ins), inRank);
                default -> {
                    if (kind.startsWith("SeparableConv")) {
                        LayerRecipe[] parts = KerasLayers.separable(file, name, c, n.trainable());
                        add(parts[0].withInputShape(declared(c, ins)), n.group(), ins, 3);
                        add(parts[1], n.group(), List.of(parts[0].name()), 3);
                        return;
                    }
                    LayerRecipe recipe = KerasLayers.spatial(file, kind, name, c, n.trainable(), inRank);
                    if (recipe == null) {
                        throw new ModelFileException(file, name, unsupported(kind));
                    }
                    add(recipe.withInputShape(declared(c, ins)), recipe.parameters().isEmpty() ? null : n.group(), ins,
                            KerasLayers.rankAfter(kind, inRank));
                }
            }
        }

        private List<String> mergeInputs(KerasGraph.Node n, List<String> ins) throws ModelFileException {
            if (ins.size() < 2) {
                throw new ModelFileException(file, n.name(), n.kind() + " layer '" + n.name() + "' merges " + ins.size()
                        + " tensor(s) " + ins + "; it needs two or more");
            }
            return ins;
        }

        private void add(LayerRecipe recipe, WeightGroup group, List<String> ins, Integer outRank) {
            index.put(recipe.name(), out.size());
            out.add(new Entry(recipe, group, List.copyOf(ins)));
            rank.put(recipe.name(), outRank);
        }

        /** The input shape a layer taking the model input declares; null for layers fed by another. */
        private Shape declared(JsonNode c, List<String> ins) throws ModelFileException {
            return ins.isEmpty() ? KerasLayers.declaredInput(file, c) : null;
        }

        private Integer declaredRank(JsonNode c) throws ModelFileException {
            Shape s = KerasLayers.declaredInput(file, c);
            return s == null ? null : s.rank();
        }

        /** {@code name} now reads as {@code target}: the layers reading it read {@code target}. */
        private void alias(String name, String target) {
            alias.put(name, target);
            if (!target.isEmpty()) {
                uses.merge(target, uses.getOrDefault(name, 0) - 1, Integer::sum);
            }
        }

        private void flatten(KerasGraph.Node n, List<String> ins, Integer inRank) throws ModelFileException {
            if (n.kind().equals("Reshape")) {
                KerasLayers.requireFlatReshape(file, n.name(), n.config());
            }
            if (inRank != null && inRank == 1) {
                alias(n.name(), ins.isEmpty() ? "" : ins.get(0)); // already flat
                return;
            }
            Entry below = ins.isEmpty() ? null : out.get(index.get(ins.get(0)));
            boolean belowIsInput = below != null && below.recipe().description().type().equals(INPUT) && out.size() == 1;
            if (ins.isEmpty() || belowIsInput) {
                // A leading Flatten of an input that is not an image: the Dense kernel says the width.
                if (inRank == null || inRank != 3) {
                    if (belowIsInput) {
                        out.set(0, new Entry(below.recipe().withInputShape(null), null, List.of()));
                        rank.put(below.recipe().name(), 1);
                    }
                    alias(n.name(), ins.isEmpty() ? "" : ins.get(0));
                    return;
                }
            }
            add(new LayerRecipe(n.name(), LayerDescription.of(KerasLayers.FLATTEN), n.trainable(), Map.of(),
                    declared(n.config(), ins)), null, ins, 1);
        }

        private void fold(KerasGraph.Node n, List<String> ins, Activation act) throws ModelFileException {
            String name = n.name();
            if (ins.isEmpty()) {
                throw new ModelFileException(file, name, "activation layer before any layer with weights");
            }
            String target = ins.get(0);
            if (act.kind() == Activation.Kind.IDENTITY) {
                alias(name, target); // a linear Activation layer changes nothing
                return;
            }
            Entry belowEntry = out.get(index.get(target));
            LayerRecipe below = belowEntry.recipe();
            if (uses.getOrDefault(target, 0) == 1 && below.description().config().containsKey("activation")
                    && !below.description().type().equals(ActivationLayer.TYPE)
                    && Activation.parse(below.description().string("activation")).kind() == Activation.Kind.IDENTITY) {
                out.set(index.get(target), new Entry(below.withDescription(below.description().replacing("activation",
                        act.toString())), belowEntry.group(), belowEntry.inputs()));
                alias(name, target);
            } else {
                // After a dropout, a batch norm, a layer that already has an activation, or one whose output other
                // layers read too: a layer of its own, as in the file.
                add(new LayerRecipe(name, LayerDescription.of(ActivationLayer.TYPE).with("activation", act.toString()),
                        n.trainable(), Map.of(), null), null, ins, rank.get(target));
            }
        }

        /**
         * A chain (each layer reads the one before it, one input) drops its InputLayer and gets no wiring; anything
         * else keeps its InputLayers and lists every layer's inputs.
         */
        Parsed finish() throws ModelFileException {
            if (out.isEmpty()) {
                throw new ModelFileException(file, "model_config", "the model has no layers");
            }
            boolean chain = true;
            for (int i = 0; i < out.size() && chain; i++) {
                Entry e = out.get(i);
                boolean input = e.recipe().description().type().equals(INPUT);
                chain = i == 0 ? e.inputs().isEmpty() : !input && e.inputs().equals(List.of(out.get(i - 1).recipe().name()));
            }
            if (chain) {
                List<Entry> entries = new ArrayList<>(out);
                Entry first = entries.get(0);
                if (first.recipe().description().type().equals(INPUT)) {
                    if (entries.size() == 1) {
                        throw new ModelFileException(file, "model_config", "the model has no layers besides its input");
                    }
                    entries.remove(0);
                    Entry next = entries.get(0);
                    if (next.recipe().inputShape() == null) {
                        entries.set(0, new Entry(next.recipe().withInputShape(first.recipe().inputShape()), next.group(), List.of()));
                    }
                }
                return new Parsed(List.copyOf(entries), Map.of());
            }
            java.util.Set<String> read = new java.util.HashSet<>();
            out.forEach(e -> read.addAll(e.inputs()));
            String output = out.get(out.size() - 1).recipe().name();
            for (Entry e : out.subList(0, out.size() - 1)) {
                if (!read.contains(e.recipe().name())) {
                    throw new ModelFileException(file, e.recipe().name(), "the output of layer '" + e.recipe().name()
                            + "' is not used by the model's output '" + output + "' (a second output or a dangling branch); "
                            + "Graft's models have one output");
                }
            }
            Map<String, List<String>> inbound = new LinkedHashMap<>();
            for (Entry e : out) {
                if (e.recipe().description().type().equals(INPUT) && e.recipe().inputShape() == null) {
                    throw new ModelFileException(file, e.recipe().name(), "InputLayer '" + e.recipe().name()
                            + "' of a graph model has no shape Graft can use");
                }
                if (!e.inputs().isEmpty() || e.recipe().description().type().equals(INPUT)) {
                    inbound.put(e.recipe().name(), e.inputs());
                }
            }
            return new Parsed(List.copyOf(out), inbound);
        }
    }

    private static String unsupported(String kind) {
        return "layer class '" + kind + "' is not supported" + unsupportedHint(kind) + " (Graft reads Dense, Conv2D, "
                + "DepthwiseConv2D, SeparableConv2D, pooling, ZeroPadding2D, Flatten, BatchNormalization, Dropout, "
                + "activation layers, InputLayer, Add, Concatenate and nested Sequential/Functional models)";
    }

    private static String unsupportedHint(String kind) {
        return switch (kind) {
            case "TFOpLambda", "SlicingOpLambda", "Lambda" -> " (an operation applied to a tensor in Python, which the "
                    + "file stores as code, not as a layer Graft can run)";
            case "Multiply", "Subtract", "Average", "Maximum", "Minimum", "Dot" -> " (of the merge layers Graft runs Add "
                    + "and Concatenate)";
            default -> "";
        };
    }

    static boolean isDense(LayerRecipe recipe) {
        return recipe.description().type().equals(Dense.TYPE);
    }

    /** Keras's {@code to_snake_case} of a class name: {@code MaxPooling2D} → {@code max_pooling2d}. */
    static String snakeCase(String className) {
        String s = className.replaceAll("\\W+", "");
        s = s.replaceAll("(.)([A-Z][a-z]+)", "$1_$2");
        return s.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
