package dev.graft;

import java.util.List;

/**
 * A merge layer still to be created (the {@link LayerSpec} of layers with several inputs): its input
 * shapes are known only once the layers feeding it are, e.g. {@code Add.spec("add").create(shapes)}.
 */
public interface MergeSpec {

    String name();

    /** Creates the layer for these input shapes, in input order. */
    Layer create(List<Shape> inputShapes);
}
