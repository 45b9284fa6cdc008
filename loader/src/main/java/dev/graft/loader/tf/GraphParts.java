package dev.graft.loader.tf;

import dev.graft.Activation;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link GraphWalker} recovers from a graph, and the symbolic values it computes per tensor on the way.
 * A {@link Part} is one layer of the recovered chain (a dense {@link Step} or a {@link Drop}); a {@link Sym}
 * classifies one tensor of the graph.
 */
final class GraphParts {

    private GraphParts() {
    }

    /** One layer of the recovered chain. */
    sealed interface Part permits Step, Drop {
    }

    /** A dense layer: variable names as they appear in the graph; activation null until one is seen. */
    record Step(String weights, boolean transposed, String bias, Activation activation, String matmul) implements Part {
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

    /** The symbolic value of one tensor. */
    sealed interface Sym permits Input, Var, Chain, Scalar, Noise, Mask, Lost, Other {
    }

    /** A placeholder: the model input (or a fed hyper-parameter such as {@code keep_prob}). */
    record Input() implements Sym {
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

    /** The activations after the layers recognised so far ({@code ops}: how many graph ops they span). */
    record Chain(List<Part> parts, int ops, Scale pending) implements Sym {

        static final Chain EMPTY = new Chain(List.of(), 0, null);

        int steps() {
            return (int) parts.stream().filter(p -> p instanceof Step).count();
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
                if (parts.get(i) instanceof Drop d) {
                    return d.name();
                }
            }
            return "(the input)";
        }

        Chain replaceLast(Part p) {
            List<Part> copy = new ArrayList<>(parts);
            copy.set(copy.size() - 1, p);
            return new Chain(List.copyOf(copy), ops + 1, pending);
        }

        Chain append(Part p) {
            List<Part> copy = new ArrayList<>(parts);
            copy.add(p);
            return new Chain(List.copyOf(copy), ops + 1, null);
        }

        Chain scaled(double factor, String op) {
            double f = pending == null ? factor : pending.factor() * factor;
            return new Chain(parts, ops + 1, new Scale(f, pending == null ? op : pending.op()));
        }

        Chain passed() {
            return new Chain(parts, ops, pending);
        }
    }
}
