package dev.graft;

import dev.graft.spi.ConvGeometry;
import dev.graft.spi.DeviceBuffer;
import dev.graft.spi.PoolingKernels;
import java.util.Map;

/**
 * Max pooling over channels-last images: each output is the largest value of its window per channel
 * (TensorFlow's semantics: {@code same} padding never wins, the gradient goes to the window's first
 * maximum). Pool size, strides and padding as Keras's (see
 * {@link ConvWindow#pool}); no parameters. Runs over the backend's {@link PoolingKernels}.
 */
public final class MaxPool2D extends Pool2D {

    /** The description type. */
    public static final String TYPE = "max_pool2d";

    /**
     * A max pooling layer over images of {@code inputShape} ({@code [h, w, c]}).
     *
     * @throws IllegalArgumentException naming the layer for a non-image input, a dilated window or one that does not fit
     */
    public MaxPool2D(String name, Shape inputShape, ConvWindow window, boolean trainable) {
        super(TYPE, name, inputShape, window, trainable);
    }

    /** A {@code size × size} pooling layer with stride {@code size}, {@code valid} padding (Keras's defaults). */
    public static LayerSpec spec(String name, int size) {
        return spec(name, ConvWindow.pool(size));
    }

    /** A pooling layer with the given window, to be placed by a builder or surgery. */
    public static LayerSpec spec(String name, ConvWindow window) {
        return new ShapeOnlySpec(name, inputShape -> new MaxPool2D(name, inputShape, window, true));
    }

    /** Reads {@code max_pool2d} descriptions. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape inputShape, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return Layers.checkNames(new MaxPool2D(name, inputShape, ConvLayers.poolWindow(d), trainable), p);
        }
    }

    @Override
    public MaxPool2D withTrainable(boolean trainable) {
        return new MaxPool2D(name(), inputShape(), window(), trainable);
    }

    @Override
    public MaxPool2D withName(String newName) {
        return new MaxPool2D(newName, inputShape(), window(), trainable());
    }

    @Override
    void pool(PoolingKernels kernels, ConvGeometry geometry, int rows, DeviceBuffer input, DeviceBuffer output) {
        kernels.maxPool(geometry, rows, input, output);
    }

    @Override
    void poolBackward(PoolingKernels kernels, ConvGeometry geometry, int rows, DeviceBuffer input, DeviceBuffer g,
                      DeviceBuffer inputGrad) {
        kernels.maxPoolBackward(geometry, rows, input, g, inputGrad);
    }
}
