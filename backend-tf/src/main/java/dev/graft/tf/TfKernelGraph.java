package dev.graft.tf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * The kernel-by-kernel path: one TF graph holding a small subgraph per kernel variant (built on
 * first use, then cached), and one session that runs whichever subgraph a call needs. Inputs are
 * the buffers' flat tensors plus the shape to view them as, so that nothing is copied in.
 */
final class TfKernelGraph implements AutoCloseable {

    /** A cached subgraph: feeds in order, fetches in order. */
    record Kernel(List<Placeholder<?>> feeds, List<Operand<?>> fetches) {
    }

    private final Graph graph = new Graph();
    private final Session session;
    private final Ops root = Ops.create(graph);
    private final Map<String, Kernel> cache = new HashMap<>();

    TfKernelGraph(ConfigProto config) {
        Session s;
        try {
            s = new Session(graph, config);
        } catch (RuntimeException e) {
            graph.close();
            throw e;
        }
        this.session = s;
    }

    /** The kernel under {@code key}, building it with {@code builder} (given a fresh sub-scope) the first time. */
    Kernel kernel(String key, Function<Builder, Kernel> builder) {
        Kernel k = cache.get(key);
        if (k == null) {
            k = builder.apply(new Builder(root.withSubScope("k" + cache.size())));
            cache.put(key, k);
        }
        return k;
    }

    /** Runs a kernel; the caller closes the result. */
    Result run(Kernel kernel, Tensor... feeds) {
        if (feeds.length != kernel.feeds().size()) {
            throw new IllegalArgumentException("kernel takes " + kernel.feeds().size() + " inputs, got " + feeds.length);
        }
        Session.Runner runner = session.runner();
        for (int i = 0; i < feeds.length; i++) {
            runner.feed(kernel.feeds().get(i), feeds[i]);
        }
        for (Operand<?> fetch : kernel.fetches()) {
            runner.fetch(fetch);
        }
        return runner.run();
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }

    /** Helpers for writing a kernel's subgraph. */
    static final class Builder {
        final Ops tf;
        final List<Placeholder<?>> feeds = new ArrayList<>();

        Builder(Ops tf) {
            this.tf = tf;
        }

        /** A buffer's flat tensor. */
        Placeholder<TFloat32> flat() {
            return feed(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1))));
        }

        /** A float scalar argument. */
        Placeholder<TFloat32> scalar() {
            return feed(tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar())));
        }

        /** A shape argument: {@code int32[rank]}. */
        Placeholder<TInt32> shape(int rank) {
            return feed(tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(rank))));
        }

        /** The first {@code prod(shape)} values of {@code flat}, viewed as {@code shape}. */
        Operand<TFloat32> view(Operand<TFloat32> flat, Operand<TInt32> shape) {
            Operand<TInt32> size = tf.prod(shape, tf.constant(0), org.tensorflow.op.core.Prod.keepDims(true));
            return tf.reshape(tf.slice(flat, tf.constant(new int[] {0}), size), shape);
        }

        /** A flat buffer's first {@code count} values (count given as a {@code int32[1]} feed). */
        Operand<TFloat32> prefix(Operand<TFloat32> flat, Operand<TInt32> count) {
            return tf.slice(flat, tf.constant(new int[] {0}), count);
        }

        Kernel done(Operand<?>... fetches) {
            return new Kernel(List.copyOf(feeds), List.of(fetches));
        }

        private <T extends TType> Placeholder<T> feed(Placeholder<T> p) {
            feeds.add(p);
            return p;
        }
    }
}
