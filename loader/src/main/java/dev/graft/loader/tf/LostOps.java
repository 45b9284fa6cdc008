package dev.graft.loader.tf;

import dev.graft.loader.tf.GraphParts.Chain;
import dev.graft.loader.tf.GraphParts.Lost;

/**
 * What {@link GraphWalker} says about ops it cannot follow: which ops touch variables without being layers
 * (optimizer updates, assignments, save/restore), and the message refusing a model whose layer chain is
 * cut by one (a convolution below the dense layers, an unknown activation, a damaged op).
 */
final class LostOps {

    private LostOps() {
    }

    /** Why a model whose variable {@code variable} lies beyond the lost op {@code lost} is refused. */
    static String unsupported(Lost lost, String variable) {
        String where = lost.after().equals(Chain.EMPTY.lastLayerName()) ? "on the model input" : "after layer '" + lost.after() + "'";
        String op = "graph op '" + lost.node() + "' " + (lost.op().startsWith("(") ? lost.op() : "(" + lost.op()
                + (lost.variable() != null && !variable.equals(lost.variable()) ? " of variable '" + lost.variable() + "'" : "")
                + ")");
        String what = variable.equals(lost.variable())
                ? op + " " + where + " uses variable '" + variable + "' and is not supported"
                : op + " " + where + ", below layer '" + NameInference.layerName(variable) + "' (variable '" + variable
                + "'), is not supported";
        return what + ": Graft recovers chains of layers (MatMul, Conv2D, DepthwiseConv2dNative, MaxPool, AvgPool, "
                + "batch norm, Reshape, Mean, bias add, activation, dropout, residual Add, ConcatV2) that start at the graph's input, and loading the model without this op would give a different "
                + "model; to load chosen dense layers anyway, give an explicit layer mapping";
    }

    /** Optimizer updates, assignments and save/restore ops: they touch variables without being layers. */
    static boolean isStateUpdate(String op) {
        return op.startsWith("Apply") || op.startsWith("ResourceApply") || op.startsWith("SparseApply")
                || op.startsWith("ResourceSparseApply") || op.startsWith("Assign") || op.contains("Scatter")
                || op.startsWith("Save") || op.startsWith("Restore") || op.equals("IsVariableInitialized")
                || op.equals("VarIsInitializedOp") || op.equals("DestroyResourceOp");
    }
}
