package dev.graft.conformance;

import dev.graft.Layer;
import dev.graft.LayerDescription;
import dev.graft.LayerSpec;
import dev.graft.LayerType;
import dev.graft.Parameter;
import dev.graft.Shape;
import dev.graft.exec.LayerOp;
import dev.graft.exec.OpContext;
import dev.graft.exec.Pass;
import dev.graft.spi.Backend;
import dev.graft.spi.ChannelKernels;
import dev.graft.spi.DeviceBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A layer type defined in test code only, to prove that a new layer needs no edit to the executor,
 * cache or format code: {@code y = x ⊙ scale} per feature, with a trainable {@code scale} vector and
 * a non-trainable {@code mean} state (a moving average of the inputs, updated while training the way
 * batch-norm updates its moving statistics: {@code mean = momentum·mean + (1−momentum)·batch mean}).
 * Registered in this module's test resources ({@code META-INF/services/dev.graft.LayerType}). Its
 * passes use the optional {@link ChannelKernels} family, native or composed.
 */
public record ScaleLayer(String name, int width, float momentum, float[] scale, float[] mean, boolean trainable)
        implements Layer {

    public static final String TYPE = "test_scale";

    public ScaleLayer {
        scale = scale.clone();
        mean = mean.clone();
        if (scale.length != width || mean.length != width) {
            throw new IllegalArgumentException("layer '" + name + "': scale and mean need " + width + " values");
        }
    }

    /** A fresh scale layer with values around 1 and a zero mean. */
    public static LayerSpec spec(String name, float momentum) {
        return new LayerSpec() {
            @Override public String name() { return name; }
            @Override public Layer create(Shape input, SplittableRandom random) {
                float[] s = new float[input.size()];
                for (int i = 0; i < s.length; i++) {
                    s[i] = (float) (0.5 + random.nextDouble());
                }
                return new ScaleLayer(name, input.size(), momentum, s, new float[s.length], true);
            }
        };
    }

    /** The factory formats use to read it back. */
    public static final class Type implements LayerType {
        @Override public String type() { return TYPE; }

        @Override
        public Layer create(String name, Shape input, LayerDescription d, Map<String, float[]> p, boolean trainable) {
            return new ScaleLayer(name, input.size(), (float) d.number("momentum"), p.get("scale"), p.get("mean"), trainable);
        }
    }

    @Override public Shape inputShape() { return Shape.vector(width); }
    @Override public Shape outputShape() { return Shape.vector(width); }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter("scale", Shape.vector(width), Parameter.Role.WEIGHT),
                new Parameter("mean", Shape.vector(width), Parameter.Role.STATE));
    }

    @Override
    public FloatBuffer parameterView(String parameter) {
        return FloatBuffer.wrap(parameter.equals("scale") ? scale : parameter.equals("mean") ? mean
                : new float[0]).asReadOnlyBuffer();
    }

    @Override
    public ScaleLayer withParameters(Map<String, float[]> values) {
        values.keySet().forEach(this::parameter);
        return new ScaleLayer(name, width, momentum, values.getOrDefault("scale", scale), values.getOrDefault("mean", mean), trainable);
    }

    @Override
    public LayerDescription description() {
        return LayerDescription.of(TYPE).with("momentum", momentum);
    }

    @Override public ScaleLayer withTrainable(boolean t) { return new ScaleLayer(name, width, momentum, scale, mean, t); }
    @Override public ScaleLayer withName(String n) { return new ScaleLayer(n, width, momentum, scale, mean, trainable); }

    @Override
    public LayerOp op(OpContext context) {
        Backend backend = context.backend();
        ChannelKernels channels = context.kernels(ChannelKernels.class);
        DeviceBuffer s = context.parameter("scale");
        DeviceBuffer m = context.parameter("mean");
        DeviceBuffer sGrad = context.gradient("scale");
        return new LayerOp() {
            @Override
            public void forward(DeviceBuffer input, DeviceBuffer output, int rows, Pass pass) {
                if (pass.training()) {
                    backend.columnSums(input, rows, width, (1f - momentum) / rows, m, momentum);
                }
                backend.copy(input, 0, output, 0, (long) rows * width);
                channels.scaleShift(output, s, null, rows, width);
            }

            @Override
            public void backward(DeviceBuffer input, DeviceBuffer output, DeviceBuffer g, DeviceBuffer inputGrad, int rows) {
                if (sGrad != null) {
                    channels.columnDots(g, input, rows, width, sGrad);
                }
                if (inputGrad != null) {
                    backend.copy(g, 0, inputGrad, 0, (long) rows * width);
                    channels.scaleShift(inputGrad, s, null, rows, width);
                }
            }
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScaleLayer l && name.equals(l.name) && width == l.width && momentum == l.momentum
                && Arrays.equals(scale, l.scale) && Arrays.equals(mean, l.mean) && trainable == l.trainable;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(scale);
    }
}
