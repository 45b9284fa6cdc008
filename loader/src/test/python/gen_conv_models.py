"""Writes small convolutional models with TensorFlow/Keras themselves, plus a fixed input batch and the
framework's own outputs for it, for Graft's loader tests (dev.graft.loader.ConvFixturesTest).

Run from the repository root with TensorFlow 2.x + Keras 3 (and h5py):

    python loader/src/test/python/gen_conv_models.py loader/src/test/resources/conv

Each model gets a folder holding the model file(s), `input.npy` (float32, NHWC batch, or [n, features] for a
graph whose placeholder is flat) and `output.npy` (float32, the framework's outputs in inference mode). No
Python runs at test time. Graph (functional) models: gen_graph_models.py. Weights are random but fixed (seeded), and batch-norm statistics are set to
non-trivial values so a loader that ignores them fails.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from fixture_common import Fixtures, save_io, tf1_variable  # noqa: E402

fixtures = Fixtures("loader/src/test/resources/conv", 20261130)
rng = fixtures.rng
batch = fixtures.batch


def keras_cnn():
    m = keras.Sequential([
        keras.Input(shape=(12, 12, 1)),
        keras.layers.Conv2D(6, 3, activation="relu", name="conv_a"),
        keras.layers.MaxPooling2D(2, name="pool_a"),
        keras.layers.BatchNormalization(name="bn_a"),
        keras.layers.Conv2D(8, (3, 2), strides=(1, 2), padding="same", activation="tanh", name="conv_b"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dropout(0.25, name="drop"),
        keras.layers.Dense(5, activation="softmax", name="out"),
    ], name="cnn")
    fixtures.perturb_batchnorm(m)
    fixtures.randomize_zeros(m)
    x = batch(4, 12, 12, 1)
    y = m.predict(x, verbose=0)
    fixtures.save_keras("keras3-cnn", m, x, y, "model.keras")
    # Legacy HDF5 as Keras 3 writes it: weight paths without ':0'.
    fixtures.save_keras("keras3-cnn-h5", m, x, y, "model.h5")


def keras_activations():
    m = keras.Sequential([
        keras.Input(shape=(10, 10, 2)),
        keras.layers.Conv2D(4, 3, padding="same", name="conv"),
        keras.layers.Activation("relu", name="act"),
        keras.layers.AveragePooling2D(2, name="avg"),
        keras.layers.Conv2D(6, 2, use_bias=False, name="conv_nobias"),
        keras.layers.ReLU(max_value=6.0, name="relu6"),
        keras.layers.GlobalMaxPooling2D(name="gmax"),
        keras.layers.Dense(3, name="logits"),
        keras.layers.Activation("softmax", name="softmax"),
    ], name="acts")
    # Large kernel values so ReLU6's ceiling is reached.
    conv = m.get_layer("conv_nobias")
    conv.set_weights([w * 8 for w in conv.get_weights()])
    fixtures.randomize_zeros(m)
    x = batch(3, 10, 10, 2) * 3
    y = m.predict(x, verbose=0)
    fixtures.save_keras("keras3-activations", m, x, y, "model.keras")


def keras_depthwise():
    m = keras.Sequential([
        keras.Input(shape=(9, 9, 3)),
        keras.layers.ZeroPadding2D(((1, 0), (2, 1)), name="pad"),
        keras.layers.DepthwiseConv2D(3, strides=2, depth_multiplier=2, activation="relu", name="dw"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.Conv2D(4, 1, name="pointwise"),
        keras.layers.ReLU(max_value=6.0, name="relu6"),
        keras.layers.GlobalAveragePooling2D(name="gap"),
        keras.layers.Dense(4, activation="softmax", name="out"),
    ], name="dw")
    fixtures.perturb_batchnorm(m)
    fixtures.randomize_zeros(m)
    x = batch(3, 9, 9, 3)
    y = m.predict(x, verbose=0)
    fixtures.save_keras("keras3-depthwise", m, x, y, "model.keras")


def keras_weights_and_json():
    m = keras.Sequential([
        keras.Input(shape=(8, 8, 1)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
        keras.layers.MaxPooling2D(2, name="pool"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dense(3, activation="softmax", name="out"),
    ], name="pair")
    fixtures.randomize_zeros(m)
    x = batch(2, 8, 8, 1)
    y = m.predict(x, verbose=0)
    d = fixtures.folder("keras3-weights-json")
    m.save_weights(os.path.join(d, "model.weights.h5"))
    with open(os.path.join(d, "model.json"), "w") as f:
        f.write(m.to_json())
    save_io(d, x, y)


def keras_nested():
    base = keras.Sequential([
        keras.Input(shape=(8, 8, 3)),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="base_conv"),
        keras.layers.BatchNormalization(name="base_bn"),
        keras.layers.GlobalAveragePooling2D(name="base_gap"),
    ], name="base")
    m = keras.Sequential([
        keras.Input(shape=(8, 8, 3)),
        base,
        keras.layers.Dense(3, activation="softmax", name="head"),
    ], name="outer")
    fixtures.perturb_batchnorm(base)
    fixtures.randomize_zeros(m)
    x = batch(2, 8, 8, 3)
    y = m.predict(x, verbose=0)
    fixtures.save_keras("keras3-nested", m, x, y, "model.keras", "model.h5")


def tf1_lenet():
    """TF1 graph mode, unnamed tf.Variable's (Variable, Variable_1, ...), all weights before all biases."""
    g = tf.Graph()
    with g.as_default():
        tf.compat.v1.set_random_seed(20261130)
        x = tf.compat.v1.placeholder(tf.float32, [None, 196], name="x")
        img = tf.reshape(x, [-1, 14, 14, 1])
        w1 = tf.Variable(tf.random.truncated_normal([5, 5, 1, 6], stddev=0.3))
        w2 = tf.Variable(tf.random.truncated_normal([3, 3, 6, 8], stddev=0.3))
        w3 = tf.Variable(tf.random.truncated_normal([3 * 3 * 8, 16], stddev=0.3))
        w4 = tf.Variable(tf.random.truncated_normal([16, 4], stddev=0.3))
        b1 = tf.Variable(tf.constant(0.1, shape=[6]))
        b2 = tf.Variable(tf.random.uniform([8], -0.2, 0.2))
        b3 = tf.Variable(tf.random.uniform([16], -0.2, 0.2))
        b4 = tf.Variable(tf.random.uniform([4], -0.2, 0.2))
        h1 = tf.nn.relu(tf.nn.conv2d(img, w1, strides=[1, 1, 1, 1], padding="SAME") + b1)
        p1 = tf.nn.max_pool2d(h1, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        h2 = tf.nn.relu6(tf.nn.bias_add(tf.nn.conv2d(p1, w2, strides=[1, 1, 1, 1], padding="VALID"), b2))
        p2 = tf.nn.avg_pool2d(h2, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
        flat = tf.reshape(p2, [-1, 3 * 3 * 8])
        h3 = tf.nn.elu(tf.matmul(flat, w3) + b3)
        logits = tf.add(tf.matmul(h3, w4), b4, name="logits")
        probabilities = tf.nn.softmax(logits, name="probabilities")
        # The outputs are the softmax's: the longest chain in the graph ends with it.
        fixtures.save_tf1("tf1-lenet", g, x, batch(3, 196), probabilities)


def tf1_batchnorm():
    """TF1 graph mode: conv → fused batch norm (FusedBatchNormV3) → relu; depthwise conv → unfused batch norm
    arithmetic (as tf.layers.batch_normalization(fused=False) / tf.nn.batch_normalization) → selu; global mean;
    dense. Names as tf.layers gives them (gamma, beta, moving_mean, moving_variance)."""
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 8, 8, 2], name="input")
        with tf.compat.v1.variable_scope("conv1"):
            k1 = tf1_variable("kernel", rng.normal(0, 0.4, size=(3, 3, 2, 4)))
            b1 = tf1_variable("bias", rng.uniform(-0.2, 0.2, size=4))
        h = tf.nn.bias_add(tf.nn.conv2d(x, k1, 1, "SAME"), b1)
        with tf.compat.v1.variable_scope("bn1"):
            gamma, beta, mean, variance = fixtures.tf1_batchnorm_variables(4)
            h, _, _ = tf.compat.v1.nn.fused_batch_norm(h, gamma, beta, mean, variance, epsilon=0.001, is_training=False)
        h = tf.nn.relu(h)
        with tf.compat.v1.variable_scope("dw"):
            k2 = tf1_variable("depthwise_kernel", rng.normal(0, 0.4, size=(3, 3, 4, 1)))
        h = tf.nn.depthwise_conv2d(h, k2, [1, 2, 2, 1], "VALID")
        with tf.compat.v1.variable_scope("bn2"):
            gamma, beta, mean, variance = fixtures.tf1_batchnorm_variables(4)
            h = tf.nn.batch_normalization(h, mean, variance, beta, gamma, 0.001)
        h = tf.nn.selu(h)
        flat = tf.reshape(h, [-1, 3 * 3 * 4])
        with tf.compat.v1.variable_scope("dense"):
            w = tf1_variable("kernel", rng.normal(0, 0.4, size=(36, 3)))
            b = tf1_variable("bias", rng.uniform(-0.2, 0.2, 3))
        logits = tf.nn.bias_add(tf.matmul(flat, w), b, name="logits")
        fixtures.save_tf1("tf1-batchnorm", g, x, batch(3, 8, 8, 2), logits)


if __name__ == "__main__":
    os.makedirs(fixtures.out, exist_ok=True)
    keras_cnn()
    keras_activations()
    keras_depthwise()
    keras_weights_and_json()
    keras_nested()
    tf1_lenet()
    tf1_batchnorm()
    fixtures.write_versions()
