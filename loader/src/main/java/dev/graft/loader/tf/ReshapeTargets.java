package dev.graft.loader.tf;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.NodeDef;

/** The constant shapes and axes {@link GraphWalker} reads from a graph: a {@code Reshape}'s target, a concat's axis. */
final class ReshapeTargets {

    /** The node behind input {@code i} of {@code n} (looked through {@code Identity}), or null. */
    @FunctionalInterface
    interface Constants {
        NodeDef at(NodeDef n, int i);
    }

    private ReshapeTargets() {
    }

    /**
     * A {@code Reshape}'s target shape: a constant, or (as Keras 3's Flatten writes it) a {@code Pack} of the
     * batch size sliced from {@code Shape} of a tensor and constant dimensions, read as {@code [-1, dims...]}.
     */
    static List<Integer> of(NodeDef n, Constants constants) {
        NodeDef shape = constants.at(n, 1);
        if (shape == null) {
            return null;
        }
        if (shape.getOp().equals("Const")) {
            return ConvRules.ints(shape);
        }
        if (!shape.getOp().equals("Pack") || shape.getInputCount() < 2
                || (shape.getAttrMap().containsKey("axis") && shape.getAttrMap().get("axis").getI() != 0)) {
            return null;
        }
        NodeDef slice = constants.at(shape, 0);
        if (slice == null || !slice.getOp().equals("StridedSlice") || slice.getInputCount() < 4
                || !"Shape".equals(opOf(constants.at(slice, 0))) || !List.of(0).equals(intsOf(constants.at(slice, 1)))
                || !List.of(1).equals(intsOf(constants.at(slice, 2))) || !List.of(1).equals(intsOf(constants.at(slice, 3)))) {
            return null;
        }
        List<Integer> target = new ArrayList<>(List.of(-1));
        for (int i = 1; i < shape.getInputCount(); i++) {
            List<Integer> d = intsOf(constants.at(shape, i));
            if (d == null || d.size() != 1) {
                return null;
            }
            target.add(d.get(0));
        }
        return target;
    }

    private static String opOf(NodeDef n) {
        return n == null ? null : n.getOp();
    }

    static List<Integer> intsOf(NodeDef n) {
        return n == null || !n.getOp().equals("Const") ? null : ConvRules.ints(n);
    }
}
