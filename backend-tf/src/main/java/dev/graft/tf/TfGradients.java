package dev.graft.tf;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The gradients of a train step's variables, built segment by segment down the layer chain.
 * {@code Graph.addGradients} (TensorFlow's C++ gradient registry) differentiates each segment from
 * the top (or from the input image of the convolution above it) down to the output of the next
 * {@link TfConvLayers.Cut}; the cut's own backprop ops are written here, with its dilations, and the
 * next segment starts from its input. The input gradient of a cut is built only when a variable
 * below it is updated, so no input gradient is computed where nothing below trains.
 */
final class TfGradients {

    private TfGradients() {
    }

    /**
     * The gradient of each of {@code xs} ({@code owners.get(k)}: the index of the layer owning {@code xs.get(k)})
     * given {@code topGrad}, the gradient of the loss with respect to {@code top}.
     */
    static List<Operand<TFloat32>> of(Ops tf, Graph graph, Operand<TFloat32> top, Operand<TFloat32> topGrad,
                                      List<Variable<TFloat32>> xs, List<Integer> owners, List<TfConvLayers.Cut> cuts) {
        List<Operand<TFloat32>> grads = new ArrayList<>();
        xs.forEach(x -> grads.add(null));
        List<TfConvLayers.Cut> downward = new ArrayList<>(cuts);
        downward.sort(Comparator.comparingInt(TfConvLayers.Cut::layerIndex).reversed());
        Operand<TFloat32> y = top;
        Operand<TFloat32> dy = topGrad;
        int calls = 0;
        for (TfConvLayers.Cut cut : downward) {
            int at = cut.layerIndex();
            int kernel = xs.indexOf(cut.kernel().variable());
            boolean below = owners.stream().anyMatch(o -> o < at);
            if (kernel < 0 && !below) {
                break; // nothing at or below this convolution trains: the last segment ends at the top's variables
            }
            List<Integer> segment = new ArrayList<>();
            for (int k = 0; k < xs.size(); k++) {
                if (grads.get(k) == null && k != kernel && owners.get(k) >= at) {
                    segment.add(k);
                }
            }
            Output<?>[] wrt = new Output<?>[segment.size() + 1];
            for (int j = 0; j < segment.size(); j++) {
                wrt[j] = xs.get(segment.get(j)).asOutput();
            }
            wrt[segment.size()] = cut.output().asOutput();
            Output<?>[] g = graph.addGradients(prefix(calls++), new Output<?>[] {y.asOutput()}, wrt, new Output<?>[] {dy.asOutput()});
            for (int j = 0; j < segment.size(); j++) {
                grads.set(segment.get(j), g[j].expect(TFloat32.class));
            }
            Operand<TFloat32> outputGrad = g[segment.size()].expect(TFloat32.class);
            if (kernel >= 0) {
                grads.set(kernel, TfConvLayers.backpropFilter(tf, cut, outputGrad));
            }
            if (!below) {
                return grads;
            }
            y = cut.image();
            dy = TfConvLayers.backpropInput(tf, cut, outputGrad);
        }
        List<Integer> rest = new ArrayList<>();
        for (int k = 0; k < xs.size(); k++) {
            if (grads.get(k) == null) {
                rest.add(k);
            }
        }
        if (!rest.isEmpty()) {
            Output<?>[] wrt = rest.stream().map(k -> xs.get(k).asOutput()).toArray(Output<?>[]::new);
            Output<?>[] g = graph.addGradients(prefix(calls), new Output<?>[] {y.asOutput()}, wrt, new Output<?>[] {dy.asOutput()});
            for (int j = 0; j < rest.size(); j++) {
                grads.set(rest.get(j), g[j].expect(TFloat32.class));
            }
        }
        return grads;
    }

    private static String prefix(int call) {
        return call == 0 ? "gradients" : "gradients_" + call;
    }
}
