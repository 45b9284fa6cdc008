package dev.graft.conformance;

import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import java.util.ArrayList;
import java.util.List;

/**
 * How far two long trainings drifted apart, a layer at a time: the scenarios compare a backend's models
 * with the reference's as whole parameter vectors per layer, since single elements drift further than an
 * element-wise bound allows (see {@link Conformance#assertCloseInNorm}).
 */
final class LayerDrift {

    private LayerDrift() {
    }

    /**
     * Asserts that the parameters of layer {@code layer}, all of them as one vector, are within relative L2
     * difference {@code rel} of the expected model's; prints and returns the difference (a layer without
     * parameters: 0).
     */
    static double closeLayers(String what, Model expected, Model actual, int layer, double rel) {
        Layer e = expected.layer(layer);
        Layer a = actual.layer(layer);
        if (e.parameters().isEmpty()) {
            return 0;
        }
        double r = Conformance.assertCloseInNorm(what + " " + e.name() + " parameters vs reference",
                concat(e), concat(a), rel);
        System.out.printf("  %s %s: relative L2 difference %.2e%n", what, e.name(), r);
        return r;
    }

    private static float[] concat(Layer layer) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (Parameter p : layer.parameters()) {
            float[] v = layer.parameterValues(p.name());
            parts.add(v);
            n += v.length;
        }
        float[] all = new float[n];
        int at = 0;
        for (float[] v : parts) {
            System.arraycopy(v, 0, all, at, v.length);
            at += v.length;
        }
        return all;
    }
}
