package dev.graft.tf;

import dev.graft.Dropout;
import dev.graft.Layer;
import dev.graft.Model;
import dev.graft.Parameter;
import dev.graft.exec.ExecutionPlan;
import dev.graft.train.Optimizer;
import dev.graft.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.SparseSoftmaxCrossEntropyWithLogits;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The train step of a {@link TfNetwork} as graph ops: training-mode forward, loss, gradients of the
 * updated parameters only, and the update rule. All updates wait (control dependencies) until
 * every new value is computed, so no update can race a read of the old parameters.
 */
final class TfTrainGraph {

    /** A dropout layer's fed mask. */
    record Mask(int layerIndex, Dropout layer, Placeholder<TFloat32> input) {
    }

    /** A layer's Adam step size, fed each step because it depends on the step count (and the current base rate). */
    record AdamRate(Placeholder<TFloat32> input, int layer, float beta1, float beta2) {
    }

    /** An SGD parameter's learning rate: a variable, so a schedule can change it without losing the velocity. */
    record SgdRate(int layer, Placeholder<TFloat32> input, Op assign) {
    }

    private final TrainingConfig training;
    private final Graph graph;
    private final List<Mask> masks = new ArrayList<>();
    private final List<AdamRate> adamRates = new ArrayList<>();
    private final List<SgdRate> sgdRates = new ArrayList<>();
    private final List<Op> updates = new ArrayList<>();
    private final List<Op> slotInits = new ArrayList<>();
    /** Moving-statistics assignments of BatchNorm layers in training mode, run with every step. */
    private final List<Op> stateUpdates = new ArrayList<>();
    private final Placeholder<TInt32> labels;
    private final Placeholder<TFloat32> targets;
    private final Placeholder<TFloat32> gradScale;
    private final Operand<TFloat32> perRowLoss;
    private final Operand<TFloat32> prediction;

    TfTrainGraph(Ops tf, Graph graph, ExecutionPlan rules, TfModelGraph params, Placeholder<TFloat32> input) {
        this.training = rules.plan().training();
        this.graph = graph;
        Model model = rules.plan().model();
        Operand<TFloat32> x = input;
        List<TfConvLayers.Cut> cuts = new ArrayList<>();
        for (int i = 0; i < model.size(); i++) {
            Layer layer = model.layer(i);
            if (layer instanceof Dropout d && rules.trainingMode(i) && d.rate() > 0f) {
                Placeholder<TFloat32> mask = tf.withName("mask" + i).placeholder(TFloat32.class,
                        Placeholder.shape(Shape.of(-1, d.width())));
                masks.add(new Mask(i, d, mask));
                x = tf.math.mul(x, mask);
            } else {
                x = params.layer(tf, i, x, rules.outputsLogits(i), rules.trainingMode(i), stateUpdates, cuts);
            }
        }
        prediction = x;
        gradScale = tf.withName("grad_scale").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        Operand<TFloat32> topGrad;
        if (training.loss().usesClassLabels()) {
            labels = tf.withName("labels").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
            targets = null;
            SparseSoftmaxCrossEntropyWithLogits<TFloat32> sce = tf.nn.sparseSoftmaxCrossEntropyWithLogits(x, labels);
            perRowLoss = sce.loss();
            topGrad = tf.math.mul(sce.backprop(), gradScale);
        } else {
            labels = null;
            targets = tf.withName("targets").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, model.outputWidth())));
            Operand<TFloat32> diff = tf.math.sub(x, targets);
            perRowLoss = tf.math.mean(tf.math.square(diff), tf.constant(1));
            topGrad = tf.math.mul(diff, gradScale);
        }
        buildUpdates(tf, rules, params, x, topGrad, cuts);
        updates.addAll(stateUpdates);
    }

    private void buildUpdates(Ops tf, ExecutionPlan rules, TfModelGraph params, Operand<TFloat32> top, Operand<TFloat32> topGrad,
                              List<TfConvLayers.Cut> cuts) {
        Optimizer opt = training.optimizer();
        Model model = rules.plan().model();
        List<Variable<TFloat32>> xs = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        List<float[]> rates = new ArrayList<>(); // {layer learning rate, l2}
        for (int i = 0; i < model.size(); i++) {
            if (!rules.updates(i)) {
                continue;
            }
            for (TfModelGraph.Var v : params.vars(i).values()) {
                if (v.parameter().role().trainable()) {
                    xs.add(v.variable());
                    owners.add(i);
                    rates.add(new float[] {rules.learningRate(i),
                            v.parameter().role() == Parameter.Role.WEIGHT ? training.l2() : 0f});
                }
            }
        }
        if (xs.isEmpty()) {
            return;
        }
        List<Operand<TFloat32>> grads = TfGradients.of(tf, graph, top, topGrad, xs, owners, cuts);
        List<Op> newValues = new ArrayList<>();
        List<Variable<TFloat32>> targetsOf = new ArrayList<>();
        List<Operand<TFloat32>> valuesOf = new ArrayList<>();
        for (int k = 0; k < xs.size(); k++) {
            Variable<TFloat32> p = xs.get(k);
            int layer = owners.get(k);
            float lr = rates.get(k)[0];
            float l2 = rates.get(k)[1];
            Operand<TFloat32> g = grads.get(k);
            if (l2 != 0f) {
                g = tf.math.add(g, tf.math.mul(tf.constant(l2), p));
            }
            Ops slots = tf.withSubScope("slots" + k);
            if (opt instanceof Optimizer.Sgd sgd) {
                Variable<TFloat32> rate = sgdRate(slots, layer, lr);
                if (sgd.momentum() == 0f) {
                    valuesOf.add(tf.math.sub(p, tf.math.mul(rate, g)));
                    targetsOf.add(p);
                } else {
                    Variable<TFloat32> vel = slot(slots, "velocity", p);
                    Operand<TFloat32> mom = tf.constant(sgd.momentum());
                    Operand<TFloat32> v2 = tf.math.add(tf.math.mul(mom, vel), g);
                    Operand<TFloat32> stepDir = sgd.nesterov() ? tf.math.add(g, tf.math.mul(mom, v2)) : v2;
                    valuesOf.add(tf.math.sub(p, tf.math.mul(rate, stepDir)));
                    targetsOf.add(p);
                    valuesOf.add(v2);
                    targetsOf.add(vel);
                }
            } else if (opt instanceof Optimizer.Adam adam) {
                Variable<TFloat32> m = slot(slots, "m", p);
                Variable<TFloat32> v = slot(slots, "v", p);
                Placeholder<TFloat32> alpha = slots.withName("step_size").placeholder(TFloat32.class,
                        Placeholder.shape(Shape.scalar()));
                adamRates.add(new AdamRate(alpha, layer, adam.beta1(), adam.beta2()));
                TfAdam.Step s = TfAdam.step(tf, p, g, m, v, tf.constant(adam.beta1()), tf.constant(adam.beta2()),
                        tf.constant(adam.epsilon()), alpha);
                valuesOf.add(s.param());
                targetsOf.add(p);
                valuesOf.add(s.m());
                targetsOf.add(m);
                valuesOf.add(s.v());
                targetsOf.add(v);
            }
        }
        newValues.addAll(valuesOf);
        // Every read of an old value feeds some new value; assigning only after all of them exist keeps reads consistent.
        Ops after = tf.withControlDependencies(newValues);
        for (int k = 0; k < valuesOf.size(); k++) {
            updates.add(after.assign(targetsOf.get(k), valuesOf.get(k)));
        }
    }

    /** A scalar variable holding {@code lr}, set when the slots are, and an assignment that sets it from a fed value. */
    private Variable<TFloat32> sgdRate(Ops scope, int layer, float lr) {
        Variable<TFloat32> rate = scope.withName("rate").variable(Shape.scalar(), TFloat32.class);
        slotInits.add(scope.withName("rate_init").assign(rate, scope.constant(lr)));
        Placeholder<TFloat32> fed = scope.withName("new_rate").placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
        sgdRates.add(new SgdRate(layer, fed, scope.withName("set_rate").assign(rate, fed)));
        return rate;
    }

    private Variable<TFloat32> slot(Ops scope, String name, Variable<TFloat32> like) {
        Variable<TFloat32> slot = scope.withName(name).variable(like.shape(), TFloat32.class);
        slotInits.add(scope.withName(name + "_init").assign(slot, scope.zeros(scope.constant(like.shape()), TFloat32.class)));
        return slot;
    }

    /** Sets optimizer slots to zero. */
    void initSlots(Session session) {
        if (!slotInits.isEmpty()) {
            Session.Runner runner = session.runner();
            slotInits.forEach(runner::addTarget);
            runner.run().close();
        }
    }

    List<Mask> masks() { return masks; }
    List<AdamRate> adamRates() { return adamRates; }
    List<SgdRate> sgdRates() { return sgdRates; }
    List<Op> updates() { return updates; }
    Placeholder<TInt32> labels() { return labels; }
    Placeholder<TFloat32> targets() { return targets; }
    Placeholder<TFloat32> gradScale() { return gradScale; }
    Operand<TFloat32> perRowLoss() { return perRowLoss; }
    Operand<TFloat32> prediction() { return prediction; }
}
