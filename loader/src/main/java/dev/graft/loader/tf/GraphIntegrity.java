package dev.graft.loader.tf;

import dev.graft.loader.ModelFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;

/**
 * Checks that a graph file is whole before its layers are recovered. A {@code .meta} or
 * {@code saved_model.pb} carries no checksum, so damage can only be seen as inconsistency: a node
 * input naming no node, two nodes with one name, or (when the file lists the ops it uses, as TF's
 * {@code export_meta_graph} does in {@code stripped_op_list}) a node whose op is not on that list. An
 * empty graph is refused too: a graph that is present but says nothing is damage, not "no graph".
 */
final class GraphIntegrity {

    private GraphIntegrity() {
    }

    static void check(Path file, MetaGraphDef def) throws ModelFileException {
        if (def.getGraphDef().getNodeCount() == 0) {
            throw new ModelFileException(file, "the graph has no nodes (empty or damaged graph file); delete the "
                    + "graph file to load from tensor names and shapes, or give an explicit layer mapping");
        }
        Set<String> ops = new HashSet<>();
        for (OpDef op : def.getMetaInfoDef().getStrippedOpList().getOpList()) {
            ops.add(op.getName());
        }
        Set<String> functions = new HashSet<>();
        for (FunctionDef f : def.getGraphDef().getLibrary().getFunctionList()) {
            functions.add(f.getSignature().getName());
        }
        nodes(file, def.getGraphDef().getNodeList(), Set.of(), ops, functions, null);
        for (FunctionDef f : def.getGraphDef().getLibrary().getFunctionList()) {
            Set<String> args = new HashSet<>();
            f.getSignature().getInputArgList().forEach(a -> args.add(a.getName()));
            nodes(file, f.getNodeDefList(), args, ops, functions, f.getSignature().getName());
        }
    }

    private static void nodes(Path file, List<NodeDef> nodes, Set<String> args, Set<String> ops, Set<String> functions,
                              String function) throws ModelFileException {
        String in = function == null ? "" : " in function '" + function + "'";
        Set<String> names = new HashSet<>();
        for (NodeDef n : nodes) {
            if (!names.add(n.getName())) {
                throw new ModelFileException(file, n.getName(), "two graph nodes" + in + " have this name (damaged graph file)");
            }
            if (!ops.isEmpty() && !ops.contains(n.getOp()) && !functions.contains(n.getOp())) {
                throw new ModelFileException(file, n.getName(), "op type '" + n.getOp() + "'" + in
                        + " is not among the ops the file declares it uses (damaged graph file)");
            }
        }
        for (NodeDef n : nodes) {
            for (String input : n.getInputList()) {
                String ref = input.startsWith("^") ? input.substring(1) : input;
                int colon = ref.indexOf(':');
                String name = colon < 0 ? ref : ref.substring(0, colon);
                if (!names.contains(name) && !args.contains(name)) {
                    throw new ModelFileException(file, n.getName(), "input '" + input + "'" + in
                            + " names no node of the graph (damaged graph file)");
                }
            }
        }
    }
}
