package dev.graft.tf;

import dev.graft.Activation;
import dev.graft.spi.DropoutMask;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The SPI's kernels as small TF graphs over {@link TfBuffer}s. Dropout masks are generated on the
 * host with {@link DropoutMask} (the shared rule, so every backend agrees bit for bit) and applied
 * by a TF multiply; everything else runs in TF.
 */
final class TfKernels implements AutoCloseable {

    private final TfBackend backend;
    private final TfKernelGraph graph;

    TfKernels(TfBackend backend, TfKernelGraph graph) {
        this.backend = backend;
        this.graph = graph;
    }

    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              TfBuffer a, TfBuffer b, float beta, TfBuffer c) {
        a.checkRange(0, (long) m * k, "gemm A");
        b.checkRange(0, (long) k * n, "gemm B");
        c.checkRange(0, (long) m * n, "gemm C");
        if (m == 0 || n == 0) {
            return;
        }
        boolean accumulate = beta != 0f;
        TfKernelGraph.Kernel kernel = graph.kernel("gemm/" + transA + "/" + transB + "/" + accumulate, g -> {
            Ops tf = g.tf;
            Operand<TFloat32> av = g.view(g.flat(), g.shape(2));
            Operand<TFloat32> bv = g.view(g.flat(), g.shape(2));
            Placeholder<TFloat32> alphaIn = g.scalar();
            Operand<TFloat32> ab = tf.linalg.matMul(av, bv, MatMul.transposeA(transA), MatMul.transposeB(transB));
            Operand<TFloat32> out = tf.math.mul(alphaIn, ab);
            if (accumulate) {
                Operand<TFloat32> cv = g.view(g.flat(), g.shape(2));
                out = tf.math.add(out, tf.math.mul(g.scalar(), cv));
            }
            return g.done(out);
        });
        try (TInt32 aShape = transA ? TInt32.vectorOf(k, m) : TInt32.vectorOf(m, k);
             TInt32 bShape = transB ? TInt32.vectorOf(n, k) : TInt32.vectorOf(k, n);
             TFloat32 alphaT = TFloat32.scalarOf(alpha);
             TInt32 cShape = TInt32.vectorOf(m, n);
             TFloat32 betaT = TFloat32.scalarOf(beta);
             Result r = accumulate
                     ? graph.run(kernel, a.tensor(), aShape, b.tensor(), bShape, alphaT, c.tensor(), cShape, betaT)
                     : graph.run(kernel, a.tensor(), aShape, b.tensor(), bShape, alphaT)) {
            store(r, 0, c, (long) m * n);
        }
    }

    void biasActivation(TfBuffer x, TfBuffer bias, int rows, int cols, Activation activation) {
        long n = (long) rows * cols;
        x.checkRange(0, n, "biasActivation x");
        if (bias != null) {
            bias.checkRange(0, cols, "biasActivation bias");
        }
        boolean hasBias = bias != null;
        TfKernelGraph.Kernel kernel = graph.kernel("biasAct/" + hasBias + "/" + activation, g -> {
            Operand<TFloat32> xv = g.view(g.flat(), g.shape(2));
            if (hasBias) {
                xv = g.tf.nn.biasAdd(xv, g.view(g.flat(), g.shape(1)));
            }
            return g.done(TfActivations.forward(g.tf, xv, activation));
        });
        try (TInt32 xShape = TInt32.vectorOf(rows, cols);
             TInt32 bShape = TInt32.vectorOf(cols);
             Result r = hasBias ? graph.run(kernel, x.tensor(), xShape, bias.tensor(), bShape)
                     : graph.run(kernel, x.tensor(), xShape)) {
            store(r, 0, x, n);
        }
    }

    void activationBackward(TfBuffer y, TfBuffer grad, int rows, int cols, Activation activation) {
        long n = (long) rows * cols;
        y.checkRange(0, n, "activationBackward y");
        grad.checkRange(0, n, "activationBackward grad");
        if (activation.kind() == Activation.Kind.IDENTITY) {
            return;
        }
        TfKernelGraph.Kernel kernel = graph.kernel("actBack/" + activation, g -> {
            Placeholder<TInt32> shape = g.shape(2);
            Operand<TFloat32> yv = g.view(g.flat(), shape);
            Operand<TFloat32> gv = g.view(g.flat(), shape);
            return g.done(TfActivations.backward(g.tf, yv, gv, activation));
        });
        try (TInt32 shape = TInt32.vectorOf(rows, cols);
             Result r = graph.run(kernel, shape, y.tensor(), grad.tensor())) {
            store(r, 0, grad, n);
        }
    }

    void columnSums(TfBuffer x, int rows, int cols, float alpha, TfBuffer out, float beta) {
        x.checkRange(0, (long) rows * cols, "columnSums x");
        out.checkRange(0, cols, "columnSums out");
        boolean accumulate = beta != 0f;
        TfKernelGraph.Kernel kernel = graph.kernel("colSums/" + accumulate, g -> {
            Ops tf = g.tf;
            Operand<TFloat32> sums = tf.sum(g.view(g.flat(), g.shape(2)), tf.constant(0));
            Operand<TFloat32> result = tf.math.mul(g.scalar(), sums);
            if (accumulate) {
                result = tf.math.add(result, tf.math.mul(g.scalar(), g.view(g.flat(), g.shape(1))));
            }
            return g.done(result);
        });
        try (TInt32 xShape = TInt32.vectorOf(rows, cols);
             TFloat32 alphaT = TFloat32.scalarOf(alpha);
             TFloat32 betaT = TFloat32.scalarOf(beta);
             TInt32 outShape = TInt32.vectorOf(cols);
             Result r = accumulate ? graph.run(kernel, x.tensor(), xShape, alphaT, betaT, out.tensor(), outShape)
                     : graph.run(kernel, x.tensor(), xShape, alphaT)) {
            store(r, 0, out, cols);
        }
    }

    double softmaxCrossEntropy(TfBuffer logits, TfBuffer labels, int rows, int cols, float gradScale, TfBuffer grad) {
        long n = (long) rows * cols;
        logits.checkRange(0, n, "softmaxCrossEntropy logits");
        labels.checkRange(0, rows, "softmaxCrossEntropy labels");
        if (grad != null) {
            grad.checkRange(0, n, "softmaxCrossEntropy grad");
        }
        float[] label = new float[rows];
        labels.data().read(label, 0, rows);
        TfLabels.check(label, rows, cols);
        boolean withGrad = grad != null;
        TfKernelGraph.Kernel kernel = graph.kernel("sce/" + withGrad, g -> {
            Ops tf = g.tf;
            Operand<TFloat32> lv = g.view(g.flat(), g.shape(2));
            Operand<TInt32> classes = tf.dtypes.cast(g.prefix(g.flat(), g.shape(1)), TInt32.class);
            var sce = tf.nn.sparseSoftmaxCrossEntropyWithLogits(lv, classes);
            return withGrad ? g.done(sce.loss(), tf.math.mul(sce.backprop(), g.scalar())) : g.done(sce.loss());
        });
        try (TInt32 shape = TInt32.vectorOf(rows, cols);
             TInt32 count = TInt32.vectorOf(rows);
             TFloat32 scale = TFloat32.scalarOf(gradScale);
             Result r = withGrad ? graph.run(kernel, logits.tensor(), shape, labels.tensor(), count, scale)
                     : graph.run(kernel, logits.tensor(), shape, labels.tensor(), count)) {
            double loss = sum(r, 0, rows);
            if (withGrad) {
                store(r, 1, grad, n);
            }
            return loss;
        }
    }

    double meanSquaredError(TfBuffer predictions, TfBuffer targets, int rows, int cols, float gradScale, TfBuffer grad) {
        long n = (long) rows * cols;
        predictions.checkRange(0, n, "meanSquaredError predictions");
        targets.checkRange(0, n, "meanSquaredError targets");
        if (grad != null) {
            grad.checkRange(0, n, "meanSquaredError grad");
        }
        boolean withGrad = grad != null;
        TfKernelGraph.Kernel kernel = graph.kernel("mse/" + withGrad, g -> {
            Ops tf = g.tf;
            Placeholder<TInt32> shape = g.shape(2);
            Operand<TFloat32> diff = tf.math.sub(g.view(g.flat(), shape), g.view(g.flat(), shape));
            Operand<TFloat32> perRow = tf.math.mean(tf.math.square(diff), tf.constant(1));
            return withGrad ? g.done(perRow, tf.math.mul(diff, g.scalar())) : g.done(perRow);
        });
        try (TInt32 shape = TInt32.vectorOf(rows, cols);
             TFloat32 scale = TFloat32.scalarOf(2f / cols * gradScale);
             Result r = withGrad ? graph.run(kernel, shape, predictions.tensor(), targets.tensor(), scale)
                     : graph.run(kernel, shape, predictions.tensor(), targets.tensor())) {
            double loss = sum(r, 0, rows);
            if (withGrad) {
                store(r, 1, grad, n);
            }
            return loss;
        }
    }

    void dropout(TfBuffer x, TfBuffer mask, long length, float rate, long seed) {
        x.checkRange(0, length, "dropout x");
        mask.checkRange(0, length, "dropout mask");
        float[] chunk = new float[(int) Math.min(length, 1 << 16)];
        float kept = 1f / (1f - rate);
        for (long at = 0; at < length; at += chunk.length) {
            int k = (int) Math.min(chunk.length, length - at);
            for (int i = 0; i < k; i++) {
                chunk[i] = DropoutMask.keep(seed, at + i, rate) ? kept : 0f;
            }
            mask.data().offset(at).write(chunk, 0, k);
        }
        multiply(x, mask, length);
    }

    void multiply(TfBuffer x, TfBuffer factor, long length) {
        x.checkRange(0, length, "multiply x");
        factor.checkRange(0, length, "multiply factor");
        TfKernelGraph.Kernel kernel = graph.kernel("mul", g -> {
            Placeholder<TInt32> count = g.shape(1);
            return g.done(g.tf.math.mul(g.prefix(g.flat(), count), g.prefix(g.flat(), count)));
        });
        try (TInt32 count = TInt32.vectorOf(Math.toIntExact(length));
             Result r = graph.run(kernel, count, x.tensor(), factor.tensor())) {
            store(r, 0, x, length);
        }
    }

    void sgdUpdate(TfBuffer param, TfBuffer grad, TfBuffer velocity, long length,
                   float lr, float momentum, boolean nesterov, float l2) {
        param.checkRange(0, length, "sgd param");
        grad.checkRange(0, length, "sgd grad");
        boolean withMomentum = momentum != 0f;
        if (withMomentum) {
            if (velocity == null) {
                throw new IllegalArgumentException("sgdUpdate with momentum " + momentum + " needs a velocity buffer");
            }
            velocity.checkRange(0, length, "sgd velocity");
        }
        TfKernelGraph.Kernel kernel = graph.kernel("sgd/" + withMomentum + "/" + nesterov, g -> {
            Ops tf = g.tf;
            Placeholder<TInt32> count = g.shape(1);
            Operand<TFloat32> p = g.prefix(g.flat(), count);
            Operand<TFloat32> grd = tf.math.add(g.prefix(g.flat(), count), tf.math.mul(g.scalar(), p));
            Placeholder<TFloat32> rate = g.scalar();
            if (!withMomentum) {
                return g.done(tf.math.sub(p, tf.math.mul(rate, grd)));
            }
            Placeholder<TFloat32> mom = g.scalar();
            Operand<TFloat32> v = tf.math.add(tf.math.mul(mom, g.prefix(g.flat(), count)), grd);
            Operand<TFloat32> step = nesterov ? tf.math.add(grd, tf.math.mul(mom, v)) : v;
            return g.done(tf.math.sub(p, tf.math.mul(rate, step)), v);
        });
        try (TInt32 count = TInt32.vectorOf(Math.toIntExact(length));
             TFloat32 l2T = TFloat32.scalarOf(l2);
             TFloat32 lrT = TFloat32.scalarOf(lr);
             TFloat32 momT = TFloat32.scalarOf(momentum);
             Result r = withMomentum
                     ? graph.run(kernel, count, param.tensor(), grad.tensor(), l2T, lrT, momT, velocity.tensor())
                     : graph.run(kernel, count, param.tensor(), grad.tensor(), l2T, lrT)) {
            store(r, 0, param, length);
            if (withMomentum) {
                store(r, 1, velocity, length);
            }
        }
    }

    void adamUpdate(TfBuffer param, TfBuffer grad, TfBuffer m, TfBuffer v, long length,
                    float lr, float beta1, float beta2, float epsilon, long step, float l2) {
        for (TfBuffer b : new TfBuffer[] {param, grad, m, v}) {
            b.checkRange(0, length, "adam");
        }
        if (step < 1) {
            throw new IllegalArgumentException("Adam step counts from 1, got " + step);
        }
        TfKernelGraph.Kernel kernel = graph.kernel("adam", g -> {
            Ops tf = g.tf;
            Placeholder<TInt32> count = g.shape(1);
            Operand<TFloat32> p = g.prefix(g.flat(), count);
            Operand<TFloat32> grd = tf.math.add(g.prefix(g.flat(), count), tf.math.mul(g.scalar(), p));
            Placeholder<TFloat32> b1 = g.scalar();
            Placeholder<TFloat32> b2 = g.scalar();
            TfAdam.Step s = TfAdam.step(tf, p, grd, g.prefix(g.flat(), count), g.prefix(g.flat(), count),
                    b1, b2, g.scalar(), g.scalar());
            return g.done(s.param(), s.m(), s.v());
        });
        try (TInt32 count = TInt32.vectorOf(Math.toIntExact(length));
             TFloat32 l2T = TFloat32.scalarOf(l2);
             TFloat32 b1 = TFloat32.scalarOf(beta1);
             TFloat32 b2 = TFloat32.scalarOf(beta2);
             TFloat32 eps = TFloat32.scalarOf(epsilon);
             TFloat32 alpha = TFloat32.scalarOf(TfAdam.stepSize(lr, beta1, beta2, step));
             Result r = graph.run(kernel, count, param.tensor(), grad.tensor(), l2T, b1, b2, m.tensor(), v.tensor(),
                     eps, alpha)) {
            store(r, 0, param, length);
            store(r, 1, m, length);
            store(r, 2, v, length);
        }
    }

    /** Copies fetched output {@code index} into the first {@code count} floats of {@code dst}. */
    private static void store(Result result, int index, TfBuffer dst, long count) {
        TFloat32 out = (TFloat32) result.get(index);
        out.asRawTensor().data().asFloats().copyTo(dst.data(), count);
    }

    private static double sum(Result result, int index, int count) {
        float[] values = new float[count];
        ((TFloat32) result.get(index)).asRawTensor().data().asFloats().read(values, 0, count);
        double total = 0;
        for (float value : values) {
            total += value;
        }
        return total;
    }

    @Override
    public void close() {
        graph.close();
    }
}
