package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.Shape;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link GraphWalker} recovers from a graph, and the symbolic values it computes per tensor on the way.
 * A {@link Part} is one layer of the recovered chain (a dense {@link Step} or a {@link Drop}); a {@link Sym}
 * classifies one tensor of the graph.
 */
final class GraphParts {

    private GraphParts() {
    }

    /** One layer of the recovered chain. */
    sealed interface Part permits Step, Drop, ConvStep, Pool, GlobalPool, Norm, Flat, Act, Merge, ModelInput, Reshaped, ZeroPad {
        /** The graph variables this layer reads (none for parameterless layers). */
        default List<String> variables() {
            return List.of();
        }
    }

    /** A dense layer: variable names as they appear in the graph; activation null until one is seen. */
    record Step(String weights, boolean transposed, String bias, Activation activation, String matmul) implements Part {
        @Override public List<String> variables() { return bias == null ? List.of(weights) : List.of(weights, bias); }

        Step withBias(String b) { return new Step(weights, transposed, b, activation, matmul); }

        Step withActivation(Activation a) { return new Step(weights, transposed, bias, a, matmul); }
    }

    /**
     * A dropout between layers: {@code name} is the scope of the op that applies the mask, {@code rate} is
     * NaN when the graph does not hold it (fed at run time, or a Keras inference trace), {@code detail} says
     * where the rate came from or why it is missing.
     */
    record Drop(String name, double rate, String op, String detail) implements Part {
    }

    /**
     * A {@code Conv2D} or {@code DepthwiseConv2dNative} ({@code depthwise}) with its filter variable, strides,
     * padding ({@code SAME}/{@code VALID}) and dilations as [h, w]; bias and activation null until seen.
     */
    record ConvStep(String kernel, boolean depthwise, List<Integer> strides, String padding, List<Integer> dilations,
                    String bias, Activation activation, String op) implements Part {
        ConvStep withBias(String b) { return new ConvStep(kernel, depthwise, strides, padding, dilations, b, activation, op); }

        ConvStep withActivation(Activation a) { return new ConvStep(kernel, depthwise, strides, padding, dilations, bias, a, op); }

        @Override public List<String> variables() { return bias == null ? List.of(kernel) : List.of(kernel, bias); }
    }

    /** A {@code MaxPool} ({@code max}) or {@code AvgPool}: window, strides as [h, w], padding. */
    record Pool(boolean max, List<Integer> size, List<Integer> strides, String padding, String op) implements Part {
    }

    /** A {@code Mean} ({@code max} false) or {@code Max} of image activations over height and width: one vector per sample. */
    record GlobalPool(boolean max, String op) implements Part {
    }

    /** A batch norm in inference form (fused op or its arithmetic); {@code gamma}/{@code beta} null when absent. */
    record Norm(String gamma, String beta, String mean, String variance, double epsilon, String op) implements Part {
        @Override public List<String> variables() {
            List<String> v = new ArrayList<>();
            for (String s : new String[] {gamma, beta, mean, variance}) {
                if (s != null) {
                    v.add(s);
                }
            }
            return List.copyOf(v);
        }
    }

    /** A {@code Reshape} of image activations to one vector per sample. */
    record Flat(String op) implements Part {
    }

    /**
     * A {@code Reshape} of activations back to images {@code dims} ([h, w, c]), as graphs that carry flat rows between
     * layers write it (Graft's own TF export): no layer, but the next layer's input shape must be {@code dims}.
     */
    record Reshaped(List<Integer> dims, String op) implements Part {
    }

    /** A {@code Pad}/{@code PadV2} of images with zeros: [top, bottom, left, right]. */
    record ZeroPad(List<Integer> padding, String op) implements Part {
    }

    /** An activation op that follows a layer without one of its own to take it (after a batch norm or a pooling). */
    record Act(Activation activation, String op) implements Part {
    }

    /**
     * An {@code Add}/{@code AddV2} of two activations (not a bias: a residual connection) or a {@code ConcatV2}
     * along {@code axis} ({@code concat}); its inputs are in the chain's inbound map.
     */
    record Merge(boolean concat, int axis, String op) implements Part {
    }

    /** Stands for the model input in a chain's inbound lists; never a layer. */
    record ModelInput() implements Part {
    }

    /** The model input as an inbound reference. */
    static final Part INPUT = new ModelInput();

    /** The symbolic value of one tensor. */
    sealed interface Sym permits Input, Var, Chain, Scalar, Noise, Mask, Lost, Other, BatchNormRules.NormSym {
    }

    /**
     * A placeholder: the model input (or a fed hyper-parameter such as {@code keep_prob}), with its per-sample shape
     * when the graph records it or a {@code Reshape} gives it (null when unknown).
     */
    record Input(Shape shape) implements Sym {
    }

    /** A variable (read through {@code Identity}/{@code ReadVariableOp}). */
    record Var(String name) implements Sym {
    }

    /** A constant with one value everywhere (a scalar, or a splat), folded through scalar arithmetic. */
    record Scalar(double value) implements Sym {
    }

    /** Uniform random values in {@code [lo, hi)}; NaN bounds when shifted or scaled by something unknown. */
    record Noise(double lo, double hi) implements Sym {
    }

    /** A Bernoulli keep-mask (1 keeps, 0 drops) dropping with probability {@code rate} (NaN: unknown). */
    record Mask(double rate, String op) implements Sym {
    }

    /** A pending multiplier on a chain's activations ({@code factor} NaN when fed at run time), set by {@code op}. */
    record Scale(double factor, String op) {
    }

    /**
     * Activations (or the model input) that went through an op the walker cannot follow ({@code node}, of type
     * {@code op}), after layer {@code after} ({@code "(the input)"} when no layer came before): if a layer
     * variable is used with this, the chain would be cut short there. {@code variable} is the variable the op
     * itself uses when it is a layer Graft does not support (a {@code Conv2D}'s filter), else null.
     */
    record Lost(String node, String op, String after, String variable) implements Sym {
    }

    /** Anything else: labels, shapes, metrics, optimizer state. */
    record Other() implements Sym {
    }

    /**
     * The activations after the layers recognised so far ({@code ops}: how many graph ops they span): the parts in
     * topological order, the tensor being the last one's output. A part takes the part before it in the list (the
     * first one: the model input) unless {@code inbound} names its inputs (merges, and branches placed after another
     * branch's parts); an empty map is a plain chain.
     */
    record Chain(List<Part> parts, int ops, Scale pending, Shape input, Map<Part, List<Part>> inbound) implements Sym {

        static final Chain EMPTY = new Chain(List.of(), 0, null, null, Map.of());

        static Chain from(Input in) {
            return new Chain(List.of(), 0, null, in.shape(), Map.of());
        }

        /** Layers with variables: what makes one chain longer than another. */
        int steps() {
            return (int) parts.stream().filter(p -> !p.variables().isEmpty()).count();
        }

        Part lastPart() {
            return parts.isEmpty() ? null : parts.get(parts.size() - 1);
        }

        /** The part whose output this is ({@link #INPUT} when no layer came yet). */
        Part head() {
            return parts.isEmpty() ? INPUT : parts.get(parts.size() - 1);
        }

        /** The inputs of {@code part} ({@link #INPUT} for the model input). */
        List<Part> inputsOf(Part part) {
            List<Part> explicit = inbound.get(part);
            if (explicit != null) {
                return explicit;
            }
            int i = parts.indexOf(part);
            return i <= 0 ? List.of(INPUT) : List.of(parts.get(i - 1));
        }

        /** Whether the activations are still images (rank 3 per sample) rather than vectors. */
        boolean spatial() {
            for (Part p = head(); p != INPUT; p = inputsOf(p).get(0)) {
                if (p instanceof ConvStep || p instanceof Pool || p instanceof Reshaped || p instanceof ZeroPad) {
                    return true;
                }
                if (p instanceof Step || p instanceof Flat || p instanceof GlobalPool) {
                    return false;
                }
            }
            return input != null && input.rank() == 3;
        }

        /** The last part if it is a dense layer, else null. */
        Step lastStep() {
            return !parts.isEmpty() && parts.get(parts.size() - 1) instanceof Step s ? s : null;
        }

        String lastLayerName() {
            for (int i = parts.size() - 1; i >= 0; i--) {
                if (parts.get(i) instanceof Step s) {
                    return NameInference.layerName(s.weights());
                }
                if (!parts.get(i).variables().isEmpty()) {
                    return NameInference.layerName(parts.get(i).variables().get(0));
                }
                if (parts.get(i) instanceof Drop d) {
                    return d.name();
                }
            }
            return "(the input)";
        }

        Chain replaceLast(Part p) {
            List<Part> copy = new ArrayList<>(parts);
            Part old = copy.set(copy.size() - 1, p);
            Map<Part, List<Part>> in = inbound;
            if (inbound.containsKey(old)) {
                in = new LinkedHashMap<>(inbound);
                in.put(p, in.remove(old));
            }
            return new Chain(List.copyOf(copy), ops + 1, pending, input, in);
        }

        /** The chain without its last part (which no other part may take as input). */
        Chain withoutLast() {
            Map<Part, List<Part>> in = inbound;
            if (inbound.containsKey(lastPart())) {
                in = new LinkedHashMap<>(inbound);
                in.remove(lastPart());
            }
            return new Chain(List.copyOf(parts.subList(0, parts.size() - 1)), ops, pending, input, in);
        }

        Chain append(Part p) {
            List<Part> copy = new ArrayList<>(parts);
            copy.add(p);
            return new Chain(List.copyOf(copy), ops + 1, null, input, inbound);
        }

        Chain scaled(double factor, String op) {
            double f = pending == null ? factor : pending.factor() * factor;
            return new Chain(parts, ops + 1, new Scale(f, pending == null ? op : pending.op()), input, inbound);
        }

        Chain passed() {
            return new Chain(parts, ops, pending, input, inbound);
        }

        /**
         * A residual {@code Add} or a {@code Concat} of activations from one model input: the branches joined
         * ({@link #merge}); null when an operand is not activations.
         */
        static Sym join(List<Sym> operands, Merge merge) {
            List<Chain> branches = new ArrayList<>();
            for (Sym s : operands) {
                if (!(s instanceof Input || (s instanceof Chain c && c.pending() == null))) {
                    return null;
                }
                branches.add(s instanceof Chain c ? c : from((Input) s));
            }
            if (branches.stream().map(Chain::input).filter(java.util.Objects::nonNull).distinct().count() > 1) {
                return null; // placeholders of different shapes: several model inputs, which TF graphs are not read as
            }
            return Chain.merge(branches, merge);
        }

        /**
         * {@code branches} (activations, none pending a scale) joined by {@code merge}: every branch's parts once, in an
         * order where each comes after its inputs, then the merge, whose inputs are the branches' heads.
         */
        static Chain merge(List<Chain> branches, Merge merge) {
            List<Part> order = new ArrayList<>(branches.get(0).parts());
            Set<Part> placed = new HashSet<>(order);
            Map<Part, List<Part>> in = new LinkedHashMap<>(branches.get(0).inbound());
            Shape input = null;
            int ops = 0;
            for (Chain b : branches) {
                input = input != null ? input : b.input();
                ops = Math.max(ops, b.ops());
                for (Part p : b.parts()) {
                    if (placed.add(p)) {
                        List<Part> inputs = b.inputsOf(p);
                        Part before = order.isEmpty() ? INPUT : order.get(order.size() - 1);
                        order.add(p);
                        if (b.inbound().containsKey(p) || !inputs.equals(List.of(before))) {
                            in.put(p, inputs);
                        }
                    }
                }
            }
            in.put(merge, branches.stream().map(Chain::head).toList());
            order.add(merge);
            return new Chain(List.copyOf(order), ops + 1, null, input, in);
        }
    }
}
