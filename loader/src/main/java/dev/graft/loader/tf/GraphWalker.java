package dev.graft.loader.tf;

import dev.graft.Activation;
import dev.graft.loader.ModelFileException;
import dev.graft.loader.tf.GraphParts.Chain;
import dev.graft.loader.tf.GraphParts.ConvStep;
import dev.graft.loader.tf.GraphParts.Input;
import dev.graft.loader.tf.GraphParts.Lost;
import dev.graft.loader.tf.GraphParts.Noise;
import dev.graft.loader.tf.GraphParts.Other;
import dev.graft.loader.tf.GraphParts.Part;
import dev.graft.loader.tf.GraphParts.Scalar;
import dev.graft.loader.tf.GraphParts.Step;
import dev.graft.loader.tf.GraphParts.Sym;
import dev.graft.loader.tf.GraphParts.Var;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * Recovers a layer stack from a TF graph by symbolic evaluation: every tensor is classified as the model
 * input, a variable, a chain of layers recognised so far, or something else ({@link GraphParts}).
 * {@code MatMul} of a chain and a variable starts a dense layer (orientation from the operand order and
 * transpose flags), {@code Add}/{@code AddV2}/{@code BiasAdd} with a variable gives it a bias, an activation
 * op closes it ({@link DenseRules}), and TF's dropout subgraphs become dropout layers ({@link DropoutRules}). Convolutions, pooling,
 * fused batch norm and {@code Reshape} follow {@link ConvRules}, the unfused batch-norm arithmetic
 * {@link BatchNormRules}; an activation after a batch norm, a pooling or a merge is a layer of its own. An
 * {@code Add}/{@code AddV2} of two activation tensors (not a variable: a residual connection) and a {@code ConcatV2}
 * of activations join their branches into one graph ({@link Chain#merge}). Reads are looked
 * through; function calls ({@code StatefulPartitionedCall}, as in TF2 SavedModels), {@code If} and TF1
 * {@code Switch}/{@code Merge} conditionals are followed. A chain starts only at a placeholder (the model
 * input). The longest chain found is the model; the input or activations that go through an op with no rule
 * are lost, and if a variable is used with lost values (a convolution's filter, a dense layer above it, a bias
 * after a damaged op) the walk fails naming that op rather than returning a chain cut short ({@link LostOps}).
 */
final class GraphWalker {

    /** Builds the exception for a problem at one node of this walker's file. */
    @FunctionalInterface
    interface Failure {
        ModelFileException at(String node, String message);
    }

    private static final Sym OTHER = new Other();
    private static final int MAX_CALL_DEPTH = 32;
    private static final Set<String> VARIABLES = Set.of("VariableV2", "Variable", "VarHandleOp", "TemporaryVariable");
    private static final Set<String> PASS_THROUGH = Set.of("Identity", "ReadVariableOp", "Snapshot", "StopGradient",
            "Cast", "IdentityN", "PreventGradient", "CheckNumerics", "EnsureShape");
    /** Ops whose result describes a tensor (shape, zeros like it) rather than carrying its values. */
    private static final Set<String> METADATA = Set.of("Shape", "ShapeN", "Size", "Rank", "ZerosLike", "OnesLike",
            "NoOp", "Assert");
    private static final Set<String> UNSUPPORTED_ACTIVATIONS = Set.of("Softplus", "Softsign",
            "LogSoftmax", "Gelu", "Swish", "Exp");

    private final Path file;
    private final Failure fail;
    private final Map<String, FunctionDef> functions = new HashMap<>();
    /** Layer variables multiplied with activations the walker lost track of, by variable name. */
    private final Map<String, Lost> lostLayers = new LinkedHashMap<>();
    /** Of those, the variables a {@code MatMul} multiplies with: dense layers beyond the lost op. */
    private final Set<String> lostMatMuls = new HashSet<>();
    private Chain best;

    private GraphWalker(Path file, GraphDef graph) {
        this.file = file;
        this.fail = (node, message) -> new ModelFileException(file, node, message);
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            functions.put(f.getSignature().getName(), f);
        }
    }

    /**
     * The longest layer chain in {@code graph} (empty when there is none), with the input shape the graph records; {@code file} is for messages.
     *
     * @throws ModelFileException naming the op when a layer variable follows an op the walker cannot follow
     */
    static Chain walk(Path file, GraphDef graph) throws ModelFileException {
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
        Chain chain = w.best == null ? Chain.EMPTY : w.best;
        List<Part> parts = chain.parts();
        Set<String> used = new HashSet<>();
        parts.forEach(p -> used.addAll(p.variables()));
        Map.Entry<String, Lost> cut = null;
        for (Map.Entry<String, Lost> e : w.lostLayers.entrySet()) {
            // Prefer naming the dense layer the op lies below (fc1 above a convolution) over the op's own variables.
            if (!used.contains(e.getKey()) && (cut == null
                    || (!w.lostMatMuls.contains(cut.getKey()) && w.lostMatMuls.contains(e.getKey())))) {
                cut = e;
            }
        }
        if (cut != null) {
            throw w.fail.at(cut.getValue().node(), LostOps.unsupported(cut.getValue(), cut.getKey()));
        }
        return chain;
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
        /** Scope of the node that called this function (names the layers made inside it); null at the top. */
        String site;

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
            return OTHER; // a cycle: only possible in a damaged graph (or a TF1 while loop)
        }
        Sym result = compute(f, node, index);
        f.inProgress.remove(key);
        f.memo.put(key, result);
        if (result instanceof Chain c && c.pending() == null && (best == null || c.steps() > best.steps()
                || (c.steps() == best.steps() && c.ops() > best.ops()))) {
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
            return new Input(ConvRules.placeholderShape(n));
        }
        if (VARIABLES.contains(op)) {
            return new Var(n.getName());
        }
        if (PASS_THROUGH.contains(op)) {
            Sym s = input(f, n, op.equals("IdentityN") ? index : 0);
            return s instanceof Chain c ? c.passed() : s;
        }
        if (METADATA.contains(op)) {
            return OTHER;
        }
        if (DropoutRules.RANDOM_UNIFORM.contains(op)) {
            return new Noise(0, 1);
        }
        Sym known = switch (op) {
            case "Const" -> DropoutRules.constant(n);
            case "Fill" -> input(f, n, 1) instanceof Scalar s ? s : null;
            case "MatMul" -> DenseRules.matmul(n, input(f, n, 0), input(f, n, 1), lostLayers, lostMatMuls);
            case "Add", "AddV2", "BiasAdd" -> {
                Sym norm = BatchNormRules.add(input(f, n, 0), input(f, n, 1), n.getName());
                Sym bias = norm != null ? norm : DenseRules.add(input(f, n, 0), input(f, n, 1));
                yield bias != null || op.equals("BiasAdd") ? bias
                        : Chain.join(List.of(input(f, n, 0), input(f, n, 1)), new GraphParts.Merge(false, 0, n.getName()));
            }
            case "ConcatV2" -> concat(f, n);
            case "Sub" -> {
                Sym norm = BatchNormRules.subtract(input(f, n, 0), input(f, n, 1));
                yield norm != null ? norm : DropoutRules.add(input(f, n, 0), input(f, n, 1), true);
            }
            case "Mul" -> {
                Sym norm = BatchNormRules.multiply(input(f, n, 0), input(f, n, 1));
                yield norm != null ? norm : DenseRules.multiply(n, input(f, n, 0), input(f, n, 1), false, f.site, fail);
            }
            case "Rsqrt" -> BatchNormRules.rsqrt(input(f, n, 0));
            case "Neg" -> BatchNormRules.negate(input(f, n, 0));
            case "Conv2D", "DepthwiseConv2dNative" -> ConvRules.conv(n, input(f, n, 0), input(f, n, 1), fail);
            case "MaxPool", "AvgPool", "MaxPoolV2" -> ConvRules.pool(n, input(f, n, 0), fail, constant(f, n, 1), constant(f, n, 2));
            case "Mean", "Max" -> ConvRules.globalPool(n, input(f, n, 0), constant(f, n, 1));
            case "Pad", "PadV2" -> ConvRules.pad(n, input(f, n, 0), constant(f, n, 1), op.equals("PadV2") ? input(f, n, 2) : null);
            case "FusedBatchNorm", "FusedBatchNormV2", "FusedBatchNormV3" -> index != 0 ? OTHER : ConvRules.fused(n,
                    input(f, n, 0), input(f, n, 1), input(f, n, 2), input(f, n, 3), input(f, n, 4), fail);
            case "Reshape" -> reshape(f, n);
            case "Squeeze", "ExpandDims" -> input(f, n, 0) instanceof Var v ? v : null;
            case "RealDiv", "Div", "TrueDiv" -> DenseRules.multiply(n, input(f, n, 0), input(f, n, 1), true, f.site, fail);
            case "Floor" -> DropoutRules.floor(input(f, n, 0), n.getName());
            case "GreaterEqual", "Greater", "Less", "LessEqual" ->
                    DropoutRules.compare(op, input(f, n, 0), input(f, n, 1), n.getName());
            case "SelectV2", "Select" -> DenseRules.select(n, input(f, n, 0), input(f, n, 1), input(f, n, 2), f.site, fail);
            case "Switch", "RefSwitch" -> input(f, n, 0);
            case "Merge", "RefMerge" -> index == 0 ? merge(f, n) : OTHER;
            case "StatefulPartitionedCall", "PartitionedCall" -> call(f, n, funcAttr(n, "f"), arguments(n, 0), index);
            case "If", "StatelessIf" -> conditional(f, n, index);
            default -> activationOp(f, n);
        };
        return known != null ? known : unknown(f, n);
    }

    /**
     * An op the walker has no rule for: activations (or the model input) going through it are lost, anything
     * else is other. A variable used together with lost activations is recorded: if the chain does not use
     * it, that op was part of the model and the walk fails naming it. Optimizer updates and assignments are
     * state, not layers.
     */
    private Sym unknown(Frame f, NodeDef n) throws ModelFileException {
        Lost lost = null;
        String after = null;
        List<String> variables = new ArrayList<>();
        for (int i = 0; i < n.getInputCount(); i++) {
            if (n.getInput(i).startsWith("^")) {
                continue;
            }
            Sym s = eval(f, n.getInput(i));
            if (s instanceof Lost l && (lost == null || (lost.variable() == null && l.variable() != null))) {
                lost = l;
            } else if (s instanceof Chain c && after == null) {
                after = c.lastLayerName();
            } else if (s instanceof Input && after == null) {
                after = Chain.EMPTY.lastLayerName();
            } else if (s instanceof Var v) {
                variables.add(v.name());
            }
        }
        if (lost == null && after == null) {
            return OTHER;
        }
        if (lost == null) {
            lost = new Lost(n.getName(), n.getOp(), after, null);
        }
        if (variables.isEmpty() || LostOps.isStateUpdate(n.getOp())) {
            return lost;
        }
        Lost here = lost.variable() != null ? lost : new Lost(n.getName(), n.getOp(), lost.after(), variables.get(0));
        for (String v : variables) {
            lostLayers.putIfAbsent(v, here);
        }
        return here;
    }

    /** The node behind input {@code i} of {@code n}, looked through {@code Identity}, or null. */
    private static NodeDef constant(Frame f, NodeDef n, int i) {
        if (i >= n.getInputCount()) {
            return null;
        }
        NodeDef at = f.nodes.get(n.getInput(i).split(":")[0]);
        for (int hops = 0; at != null && at.getOp().equals("Identity") && at.getInputCount() > 0 && hops < 8; hops++) {
            at = f.nodes.get(at.getInput(0).split(":")[0]);
        }
        return at;
    }

    /**
     * {@code Reshape} of a variable to a vector-like shape (at most one dimension above 1: a bias reshaped for
     * broadcasting, as Keras 3's Conv2D does) is that variable; of activations, {@link ConvRules#reshape}.
     */
    private Sym reshape(Frame f, NodeDef n) throws ModelFileException {
        Sym in = input(f, n, 0);
        List<Integer> target = ReshapeTargets.of(n, (node, i) -> constant(f, node, i));
        if (in instanceof Var v) {
            return target != null && target.stream().filter(d -> d != 1).count() <= 1 ? v : null;
        }
        return ConvRules.reshape(n, in, target);
    }

    /** {@code ConcatV2} of activations along a constant axis. */
    private Sym concat(Frame f, NodeDef n) throws ModelFileException {
        List<String> inputs = arguments(n, 0);
        if (inputs.size() < 3) {
            return null;
        }
        List<Integer> axis = ReshapeTargets.intsOf(constant(f, n, inputs.size() - 1));
        if (axis == null || axis.size() != 1) {
            return null;
        }
        List<Sym> operands = new ArrayList<>();
        for (int i = 0; i < inputs.size() - 1; i++) {
            operands.add(eval(f, inputs.get(i)));
        }
        return Chain.join(operands, new GraphParts.Merge(true, axis.get(0), n.getName()));
    }

    /** TF1 {@code cond}: of the branches reaching the {@code Merge}, the one with the most layers. */
    private Sym merge(Frame f, NodeDef n) throws ModelFileException {
        Chain pick = null;
        for (int i = 0; i < n.getInputCount(); i++) {
            if (!n.getInput(i).startsWith("^") && eval(f, n.getInput(i)) instanceof Chain c && more(c, pick)) {
                pick = c;
            }
        }
        return pick;
    }

    private static boolean more(Chain c, Chain than) {
        return than == null || c.steps() > than.steps() || (c.steps() == than.steps() && c.parts().size() > than.parts().size());
    }

    private Sym conditional(Frame f, NodeDef n, int index) throws ModelFileException {
        List<String> args = arguments(n, 1);
        Sym then = call(f, n, funcAttr(n, "then_branch"), args, index);
        Sym otherwise = call(f, n, funcAttr(n, "else_branch"), args, index);
        if (then instanceof Chain a && otherwise instanceof Chain b) {
            return more(a, b) ? a : b;
        }
        return then instanceof Chain ? then : otherwise instanceof Chain ? otherwise : null;
    }

    private static List<String> arguments(NodeDef n, int from) {
        List<String> inputs = n.getInputList().stream().filter(s -> !s.startsWith("^")).toList();
        return inputs.subList(Math.min(from, inputs.size()), inputs.size());
    }

    private static String funcAttr(NodeDef n, String attr) {
        AttrValue v = n.getAttrMap().get(attr);
        return v == null ? null : v.getFunc().getName();
    }

    private Sym call(Frame f, NodeDef n, String function, List<String> inputs, int index) throws ModelFileException {
        FunctionDef def = function == null ? null : functions.get(function);
        if (def == null || f.depth >= MAX_CALL_DEPTH) {
            return null;
        }
        String frameKey = n.getName() + "|" + function;
        Frame callee = f.calls.get(frameKey);
        Sym first = null;
        if (callee == null) {
            Map<String, Sym> args = new HashMap<>();
            for (int i = 0; i < def.getSignature().getInputArgCount() && i < inputs.size(); i++) {
                Sym s = eval(f, inputs.get(i));
                first = i == 0 ? s : first;
                args.put(def.getSignature().getInputArg(i).getName(), s);
            }
            callee = new Frame(def.getNodeDefList(), args, def.getRetMap(), f.depth + 1);
            callee.site = DropoutRules.scopeOf(n.getName());
            f.calls.put(frameKey, callee);
        } else if (!inputs.isEmpty()) {
            first = eval(f, inputs.get(0));
        }
        if (index >= def.getSignature().getOutputArgCount()) {
            return null;
        }
        String ret = callee.ret.get(def.getSignature().getOutputArg(index).getName());
        Sym out = ret == null ? null : eval(callee, ret);
        return DropoutRules.kerasInferenceTrace(function, first, out, n.getName());
    }

    private Sym activationOp(Frame f, NodeDef n) throws ModelFileException {
        Activation act;
        try {
            act = ConvRules.activation(n);
        } catch (IllegalArgumentException e) {
            throw new ModelFileException(file, n.getName(), e.getMessage(), e);
        }
        if (act == null && !UNSUPPORTED_ACTIVATIONS.contains(n.getOp())) {
            return null;
        }
        Sym in = input(f, n, 0);
        if (!(in instanceof Chain c) || c.pending() != null || c.parts().isEmpty()) {
            return null;
        }
        if (c.lastPart() instanceof GraphParts.Flat flat && act != null && act.kind() != Activation.Kind.SOFTMAX
                && c.parts().size() > 1 && !c.inbound().containsKey(flat)) {
            // An elementwise activation of flattened images is the same before the flatten, where a layer may take it.
            Sym before = activate(c.withoutLast(), act, n);
            return before instanceof Chain b ? b.append(flat) : null;
        }
        return activate(c, act, n);
    }

    /** {@code act} (null: an unsupported activation op) applied to activations {@code c}, or null when nothing takes it. */
    private Sym activate(Chain c, Activation act, NodeDef n) throws ModelFileException {
        GraphParts.Part last = c.lastPart();
        boolean open = (last instanceof Step s && s.activation() == null) || (last instanceof ConvStep cs && cs.activation() == null)
                || last instanceof GraphParts.Norm || last instanceof GraphParts.Pool || last instanceof GraphParts.ZeroPad
                || last instanceof GraphParts.GlobalPool || last instanceof GraphParts.Merge;
        if (!open) {
            return null;
        }
        if (act == null) {
            throw fail.at(n.getName(), "activation op " + n.getOp() + " is not supported by Graft (supported: Relu, Relu6, "
                    + "LeakyRelu, Elu, Selu, Tanh, Sigmoid, Softmax)");
        }
        if (last instanceof Step s) {
            return c.replaceLast(s.withActivation(act));
        }
        if (last instanceof ConvStep cs) {
            return c.replaceLast(cs.withActivation(act));
        }
        return c.append(new GraphParts.Act(act, n.getName()));
    }
}
