package dev.graft;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The parameters {@link Conv2D} and {@link DepthwiseConv2D} share: a kernel {@code [kh, kw, in, k]}
 * under the layer's own name for it and an optional bias named {@code bias}, checked and copied once,
 * then listed, viewed and replaced by name.
 */
final class ConvParameters {

    private final String kernelName;
    private final int[] kernelDims;
    private final float[] kernel;
    private final float[] bias;

    private ConvParameters(String kernelName, int[] kernelDims, float[] kernel, float[] bias) {
        this.kernelName = kernelName;
        this.kernelDims = kernelDims;
        this.kernel = kernel;
        this.bias = bias;
    }

    /**
     * Checks both lengths (kernel first), copies the values, then refuses non-finite ones.
     *
     * @param kernelDims {@code [kh, kw, in, k]}
     * @param bias {@code [biasLength]}, or null for none
     * @throws IllegalArgumentException naming the layer and the parameter
     */
    static ConvParameters of(String layer, String type, String kernelName, int[] kernelDims, float[] kernel,
                             float[] bias, int biasLength) {
        long expected = 1;
        for (int d : kernelDims) {
            expected *= d;
        }
        if (kernel == null || kernel.length != expected) {
            throw new IllegalArgumentException("layer '" + layer + "' (" + type + "): " + kernelName + " has "
                    + (kernel == null ? "no" : kernel.length) + " values, expected " + Arrays.toString(kernelDims)
                    + " = " + expected);
        }
        if (bias != null && bias.length != biasLength) {
            throw new IllegalArgumentException("layer '" + layer + "' (" + type + "): bias has " + bias.length
                    + " values, expected " + biasLength);
        }
        ConvParameters copy = new ConvParameters(kernelName, kernelDims.clone(), kernel.clone(),
                bias == null ? null : bias.clone());
        Layers.requireFinite(layer, kernelName, copy.kernel);
        if (copy.bias != null) {
            Layers.requireFinite(layer, "bias", copy.bias);
        }
        return copy;
    }

    /** The kernel (not copied: callers pass it to a constructor, which copies). */
    float[] kernel() { return kernel; }

    /** The bias, or null for none (not copied). */
    float[] bias() { return bias; }

    /** The kernel and, where present, the bias as {@link Layer#parameters()} lists them. */
    List<Parameter> list() {
        Parameter k = new Parameter(kernelName, Shape.of(kernelDims), Parameter.Role.WEIGHT);
        return bias == null ? List.of(k) : List.of(k, new Parameter("bias", Shape.vector(bias.length), Parameter.Role.BIAS));
    }

    /** A read-only view of one parameter of {@code layer}, or an error naming the layer. */
    FloatBuffer view(Layer layer, String parameter) {
        if (parameter.equals(kernelName)) {
            return FloatBuffer.wrap(kernel).asReadOnlyBuffer();
        }
        if (parameter.equals("bias") && bias != null) {
            return FloatBuffer.wrap(bias).asReadOnlyBuffer();
        }
        throw new IllegalArgumentException(layer.parameter(parameter).name()); // names the layer
    }

    /** The kernel in {@code values}, else this one. */
    float[] kernelFrom(Map<String, float[]> values) {
        return values.getOrDefault(kernelName, kernel);
    }

    /** The bias in {@code values}, else this one; null for a layer without bias. */
    float[] biasFrom(Map<String, float[]> values) {
        return bias == null ? null : values.getOrDefault("bias", bias);
    }
}
