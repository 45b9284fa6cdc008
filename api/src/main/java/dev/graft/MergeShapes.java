package dev.graft;

import java.util.List;

/** Checks shared by the merge layers. */
final class MergeShapes {

    private MergeShapes() {
    }

    /** The first input shape, after checking that there is a list of non-null shapes. */
    static Shape first(String name, String type, List<Shape> inputShapes) {
        if (inputShapes == null || inputShapes.isEmpty()) {
            throw new IllegalArgumentException("layer '" + name + "' (" + type + ") needs its input shapes");
        }
        for (int k = 0; k < inputShapes.size(); k++) {
            if (inputShapes.get(k) == null) {
                throw new IllegalArgumentException("layer '" + name + "' (" + type + "): input shape " + k + " is missing");
            }
        }
        return inputShapes.get(0);
    }
}
