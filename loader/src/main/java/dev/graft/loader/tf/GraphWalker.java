package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Recovers a dense layer stack from a TF graph by symbolic evaluation: every tensor is classified as
 * the model input, a variable, a chain of layers recognised so far, or something else. {@code MatMul}
 * of a chain and a variable starts a layer (orientation from the operand order and transpose flags),
 * {@code Add}/{@code AddV2}/{@code BiasAdd} with a variable gives it a bias, an activation op closes it.
 * Reads ({@code Identity}, {@code ReadVariableOp}) are looked through and function calls
 * ({@code StatefulPartitionedCall}, as in TF2 SavedModels) are followed into their bodies. The longest
 * chain found anywhere in the graph is the model.
 */
final class GraphWalker {

    /** One recognised layer: variable names as they appear in the graph. */
    record Step(String weights, boolean transposed, String bias, Activation activation, String matmul) {
    }

    private sealed interface Sym permits Input, Var, Chain, Other {
    }

    private record Input() implements Sym {
    }

    private record Var(String name) implements Sym {
    }

    private record Chain(List<Step> steps, int ops) implements Sym {
        Step last() { return steps.get(steps.size() - 1); }

        Chain replaceLast(Step s) {
            List<Step> copy = new ArrayList<>(steps);
            copy.set(copy.size() - 1, s);
            return new Chain(List.copyOf(copy), ops + 1);
        }

        Chain append(Step s) {
            List<Step> copy = new ArrayList<>(steps);
            copy.add(s);
            return new Chain(List.copyOf(copy), ops + 1);
        }
    }

    private record Other() implements Sym {
    }

    private static final Sym OTHER = new Other();
    private static final int MAX_CALL_DEPTH = 32;
    private static final Set<String> VARIABLES = Set.of("VariableV2", "Variable", "VarHandleOp", "TemporaryVariable");
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "ReadVariableOp", "Snapshot", "StopGradient",
            "Cast", "IdentityN", "PreventGradient", "CheckNumerics", "EnsureShape");
    private static final Set<String> UNSUPPORTED_ACTIVATIONS = Set.of("Relu6", "Selu", "Softplus", "Softsign",
            "LogSoftmax", "Gelu", "Swish", "Exp");

    private final Path file;
    private final Map<String, FunctionDef> functions = new HashMap<>();
    private Chain best;

    private GraphWalker(Path file, GraphDef graph) {
        this.file = file;
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            functions.put(f.getSignature().getName(), f);
        }
    }

    /** The longest layer chain in {@code graph} (empty when there is none); {@code file} is for messages. */
    static List<Step> walk(Path file, GraphDef graph) throws ModelFileException {
        GraphWalker w = new GraphWalker(file, graph);
        Frame top = new Frame(graph.getNodeList(), Map.of(), Map.of(), 0);
        try {
            for (NodeDef n : graph.getNodeList()) {
                if (!n.getName().startsWith("gradients/") && !n.getName().startsWith("save/")) {
                    w.eval(top, n.getName());
                }
            }
        } catch (StackOverflowError e) {
            throw new ModelFileException(file, "graph is too deep to analyse; give an explicit layer mapping");
        }
        return w.best == null ? List.of() : w.best.steps();
    }

    /** One graph or one call of a function: its nodes, bound arguments and results. */
    private static final class Frame {
        final Map<String, NodeDef> nodes = new HashMap<>();
        final Map<String, Sym> args;
        final Map<String, String> ret;
        final Map<String, Sym> memo = new HashMap<>();
        final Set<String> inProgress = new HashSet<>();
        final Map<String, Frame> calls = new HashMap<>();
        final int depth;

        Frame(List<NodeDef> nodeList, Map<String, Sym> args, Map<String, String> ret, int depth) {
            for (NodeDef n : nodeList) {
                nodes.put(n.getName(), n);
            }
            this.args = args;
            this.ret = ret;
            this.depth = depth;
        }
    }

    private Sym eval(Frame f, String ref) throws ModelFileException {
        if (ref.startsWith("^")) {
            return OTHER;
        }
        int colon = ref.indexOf(':');
        String name = colon < 0 ? ref : ref.substring(0, colon);
        int index = 0;
        if (colon >= 0) {
            String tail = ref.substring(ref.lastIndexOf(':') + 1);
            try {
                index = Integer.parseInt(tail);
            } catch (NumberFormatException e) {
                return OTHER;
            }
        }
        NodeDef node = f.nodes.get(name);
        if (node == null) {
            Sym arg = f.args.get(name);
            return arg == null ? OTHER : arg;
        }
        String key = name + ":" + index;
        Sym known = f.memo.get(key);
        if (known != null) {
            return known;
        }
        if (!f.inProgress.add(key)) {
            return OTHER; // a cycle: only possible in a damaged graph
        }
        Sym result = compute(f, node, index);
        f.inProgress.remove(key);
        f.memo.put(key, result);
        if (result instanceof Chain c && (best == null || c.steps().size() > best.steps().size()
                || (c.steps().size() == best.steps().size() && c.ops() > best.ops()))) {
            best = c;
        }
        return result;
    }

    private Sym input(Frame f, NodeDef n, int i) throws ModelFileException {
        return i < n.getInputCount() ? eval(f, n.getInput(i)) : OTHER;
    }

    private Sym compute(Frame f, NodeDef n, int index) throws ModelFileException {
        String op = n.getOp();
        if (op.equals("Placeholder") || op.equals("PlaceholderWithDefault")) {
            return new Input();
        }
        if (VARIABLES.contains(op)) {
            return new Var(n.getName());
        }
        if (PASS_THROUGH.contains(op)) {
            Sym s = input(f, n, op.equals("IdentityN") ? index : 0);
            return s instanceof Chain c ? new Chain(c.steps(), c.ops()) : s;
        }
        switch (op) {
            case "MatMul":
                return matmul(f, n);
            case "Add", "AddV2", "BiasAdd":
                return bias(input(f, n, 0), input(f, n, 1));
            case "StatefulPartitionedCall", "PartitionedCall":
                return call(f, n, index);
            default:
                break;
        }
        Activation act;
        try {
            act = activation(n);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, n.getName(), e.getMessage(), e);
        }
        if (act != null || UNSUPPORTED_ACTIVATIONS.contains(op)) {
            Sym in = input(f, n, 0);
            if (in instanceof Chain c && c.last().activation() == null) {
                if (act == null) {
                    throw new ModelFileException(file, n.getName(), "activation op " + op
                            + " is not supported by Graft (supported: Relu, LeakyRelu, Elu, Tanh, Sigmoid, Softmax)");
                }
                Step s = c.last();
                return c.replaceLast(new Step(s.weights(), s.transposed(), s.bias(), act, s.matmul()));
            }
        }
        return OTHER;
    }

    private Sym matmul(Frame f, NodeDef n) throws ModelFileException {
        Sym a = input(f, n, 0);
        Sym b = input(f, n, 1);
        boolean ta = flag(n, "transpose_a");
        boolean tb = flag(n, "transpose_b");
        if (isActivations(a) && b instanceof Var w && !ta) {
            return chainOf(a).append(new Step(w.name(), tb, null, null, n.getName()));
        }
        if (a instanceof Var w && isActivations(b) && !tb) {
            // W·x with column vectors: op(W) is [out, in], so W stored untransposed is [out, in].
            return chainOf(b).append(new Step(w.name(), !ta, null, null, n.getName()));
        }
        return OTHER;
    }

    private static boolean isActivations(Sym s) {
        return s instanceof Input || s instanceof Chain;
    }

    private static Chain chainOf(Sym s) {
        return s instanceof Chain c ? c : new Chain(List.of(), 0);
    }

    private static Sym bias(Sym a, Sym b) {
        Chain c = a instanceof Chain ca ? ca : b instanceof Chain cb ? cb : null;
        Sym other = c == a ? b : a;
        if (c != null && other instanceof Var v && c.last().bias() == null && c.last().activation() == null) {
            Step s = c.last();
            return c.replaceLast(new Step(s.weights(), s.transposed(), v.name(), null, s.matmul()));
        }
        return OTHER;
    }

    private Sym call(Frame f, NodeDef n, int index) throws ModelFileException {
        AttrValue fn = n.getAttrMap().get("f");
        FunctionDef def = fn == null ? null : functions.get(fn.getFunc().getName());
        if (def == null || f.depth >= MAX_CALL_DEPTH) {
            return OTHER;
        }
        Frame callee = f.calls.get(n.getName());
        if (callee == null) {
            Map<String, Sym> args = new HashMap<>();
            List<String> inputs = n.getInputList().stream().filter(s -> !s.startsWith("^")).toList();
            for (int i = 0; i < def.getSignature().getInputArgCount() && i < inputs.size(); i++) {
                args.put(def.getSignature().getInputArg(i).getName(), eval(f, inputs.get(i)));
            }
            callee = new Frame(def.getNodeDefList(), args, def.getRetMap(), f.depth + 1);
            f.calls.put(n.getName(), callee);
        }
        if (index >= def.getSignature().getOutputArgCount()) {
            return OTHER;
        }
        String ret = callee.ret.get(def.getSignature().getOutputArg(index).getName());
        return ret == null ? OTHER : eval(callee, ret);
    }

    private static boolean flag(NodeDef n, String attr) {
        AttrValue v = n.getAttrMap().get(attr);
        return v != null && v.getB();
    }

    private static Activation activation(NodeDef n) {
        return switch (n.getOp()) {
            case "Relu" -> Activation.RELU;
            case "Tanh" -> Activation.TANH;
            case "Sigmoid" -> Activation.SIGMOID;
            case "Softmax" -> Activation.SOFTMAX;
            case "Elu" -> Activation.ELU;
            case "LeakyRelu" -> {
                AttrValue a = n.getAttrMap().get("alpha");
                yield Activation.leakyRelu(a == null ? 0.2f : a.getF());
            }
            default -> null;
        };
    }
}
