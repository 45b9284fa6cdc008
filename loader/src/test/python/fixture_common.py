"""What the model-fixture generators (gen_conv_models.py, gen_graph_models.py, gen_tf_graph_models.py,
gen_shared_outputs.py) share: the output folder and seeded random stream of one run, the `input.npy` /
`output.npy` pair every fixture folder holds, the weight perturbations that make a loader which ignores
batch-norm statistics or biases fail, and the TF1 checkpoint writing. Imported by the generators; not run itself.
"""
import json
import os
import shutil
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402


def save_io(d, x, y):
    """The fixed input batch and the framework's outputs for it, as float32 `input.npy` and `output.npy` in `d`."""
    np.save(os.path.join(d, "input.npy"), np.ascontiguousarray(x, dtype=np.float32))
    np.save(os.path.join(d, "output.npy"), np.ascontiguousarray(np.asarray(y), dtype=np.float32))


def tf1_variable(name, value):
    """A TF1 graph variable (in the current variable scope) initialised to the float32 `value`."""
    return tf.compat.v1.get_variable(name, initializer=np.asarray(value, dtype=np.float32))


class Fixtures:
    """One generator run: the folder it writes into (the first command-line argument, else `default_out`) and
    its seeded random stream `rng`, from which every random weight and input is drawn in a fixed order, so a
    rerun writes the same values. Keras's (and so TensorFlow's and NumPy's) global seed is set to the same seed."""

    def __init__(self, default_out, seed):
        self.out = sys.argv[1] if len(sys.argv) > 1 else default_out
        self.rng = np.random.RandomState(seed)
        keras.utils.set_random_seed(seed)

    def folder(self, name):
        """A new, empty folder `name` for one model (an old one is deleted)."""
        d = os.path.join(self.out, name)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        return d

    def batch(self, *shape):
        """A float32 input batch, uniform in [-1, 1)."""
        return self.rng.uniform(-1, 1, size=shape).astype(np.float32)

    def save_keras(self, name, model, x, y, *files):
        """`model` saved as each of `files` (by extension: .keras or legacy .h5) into a new folder `name`, with
        `x` and `y` as its input and output batches."""
        d = self.folder(name)
        for f in files:
            model.save(os.path.join(d, f))
        save_io(d, x, y)

    def perturb_batchnorm(self, model):
        """Moving statistics and gamma/beta that are far from the defaults, so they matter."""
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                c = layer.get_weights()[0].shape[0]
                new = [self.rng.uniform(0.5, 1.5, size=c), self.rng.uniform(-0.5, 0.5, size=c),  # gamma, beta
                       self.rng.uniform(-0.5, 0.5, size=c), self.rng.uniform(0.5, 2.0, size=c)]  # moving mean, variance
                new = [w.astype(np.float32) for w in new]
                layer.set_weights(new)
            elif isinstance(layer, keras.Model):
                self.perturb_batchnorm(layer)

    def randomize_zeros(self, model):
        """Zero-initialised biases get random values: a loader that drops or swaps them must fail, and each
        tensor's bytes are unique in the file (the fuzz test finds HDF5 raw data by its bytes)."""
        for layer in model.layers:
            if isinstance(layer, keras.Model):
                self.randomize_zeros(layer)
            elif layer.get_weights():
                layer.set_weights([self.rng.uniform(-0.2, 0.2, size=w.shape).astype(np.float32) if not w.any() else w
                                   for w in layer.get_weights()])

    def tf1_batchnorm_variables(self, c):
        """gamma, beta, moving_mean and moving_variance for `c` channels, far from the defaults, as tf.layers
        names them (in the current variable scope)."""
        gamma = tf1_variable("gamma", self.rng.uniform(0.5, 1.5, c))
        beta = tf1_variable("beta", self.rng.uniform(-0.5, 0.5, c))
        mean = tf1_variable("moving_mean", self.rng.uniform(-0.5, 0.5, c))
        variance = tf1_variable("moving_variance", self.rng.uniform(0.5, 2.0, c))
        return gamma, beta, mean, variance

    def save_tf1(self, name, graph, placeholder, xs, output):
        """Runs the TF1 `graph` (the default graph while this is called) on `xs` fed to `placeholder` and writes
        its variables as the checkpoint `model.ckpt` (no `checkpoint` state file) into a new folder `name`, with
        `xs` and the values of `output` as its input and output batches."""
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session(graph=graph) as s:
            s.run(tf.compat.v1.global_variables_initializer())
            ys = s.run(output, {placeholder: xs})
            d = self.folder(name)
            saver.save(s, os.path.join(d, "model.ckpt"))
        os.remove(os.path.join(d, "checkpoint"))
        save_io(d, xs, ys)

    def write_versions(self):
        """VERSIONS.json: the TensorFlow, Keras and NumPy versions that wrote the fixtures."""
        with open(os.path.join(self.out, "VERSIONS.json"), "w") as f:
            json.dump({"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}, f, indent=1)
