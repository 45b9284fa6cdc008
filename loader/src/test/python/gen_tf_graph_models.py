"""Writes TF2 SavedModels of Keras models and TF1 branching graphs with TensorFlow itself, plus a fixed input
batch and TensorFlow's own outputs for it, for Graft's loader tests (dev.graft.loader.tf.TfGraphFixturesTest).

Run from the repository root with TensorFlow 2.x + Keras 3:

    python loader/src/test/python/gen_tf_graph_models.py loader/src/test/resources/tfgraph

Each model gets a folder holding the SavedModel directory (or TF1 checkpoint files), `input.npy` (float32) and
`output.npy` (float32, TensorFlow's outputs in inference mode). No Python runs at test time. Weights are random
but fixed (seeded); batch-norm statistics and biases are set to non-trivial values so a loader that ignores
them fails.
"""
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from fixture_common import Fixtures, save_io, tf1_variable  # noqa: E402

fixtures = Fixtures("loader/src/test/resources/tfgraph", 20261201)
rng = fixtures.rng
batch = fixtures.batch


def perturb(model):
    """Non-default batch-norm statistics and non-zero biases: a loader that drops or swaps them must fail."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            c = layer.get_weights()[0].shape[0]
            layer.set_weights([rng.uniform(0.5, 1.5, c), rng.uniform(-0.5, 0.5, c),
                               rng.uniform(-0.5, 0.5, c), rng.uniform(0.5, 2.0, c)])
        elif layer.get_weights():
            layer.set_weights([rng.uniform(-0.2, 0.2, size=w.shape).astype(np.float32) if not w.any() else w
                               for w in layer.get_weights()])


def keras_cnn():
    m = keras.Sequential([
        keras.Input(shape=(10, 10, 2)),
        keras.layers.Conv2D(4, 3, activation="relu", name="conv_a"),
        keras.layers.BatchNormalization(name="bn_a"),
        keras.layers.MaxPooling2D(2, name="pool_a"),
        keras.layers.Conv2D(6, 2, padding="same", name="conv_b"),
        keras.layers.ReLU(max_value=6.0, name="relu6"),
        keras.layers.AveragePooling2D(2, name="pool_b"),
        keras.layers.Flatten(name="flat"),
        keras.layers.Dropout(0.3, name="drop"),
        keras.layers.Dense(5, activation="softmax", name="out"),
    ], name="cnn")
    perturb(m)
    return m, batch(3, 10, 10, 2)


def keras_mlp():
    m = keras.Sequential([
        keras.Input(shape=(12,)),
        keras.layers.Dense(16, activation="relu", name="hidden1"),
        keras.layers.Dense(8, activation="tanh", name="hidden2"),
        keras.layers.Dense(3, name="logits"),
    ], name="mlp")
    perturb(m)
    return m, batch(4, 12)


def keras_dw():
    m = keras.Sequential([
        keras.Input(shape=(9, 9, 3)),
        keras.layers.DepthwiseConv2D(3, strides=2, activation="relu", name="dw"),
        keras.layers.BatchNormalization(name="bn"),
        keras.layers.Conv2D(4, 1, name="pointwise"),
        keras.layers.GlobalAveragePooling2D(name="gap"),
        keras.layers.Dense(3, name="out"),
    ], name="dw")
    perturb(m)
    return m, batch(2, 9, 9, 3)


def keras_layer_norm():
    """A layer Graft has no rule for (LayerNormalization): the loader must refuse it naming the op."""
    m = keras.Sequential([
        keras.Input(shape=(6,)),
        keras.layers.Dense(5, activation="relu", name="hidden"),
        keras.layers.LayerNormalization(name="norm"),
        keras.layers.Dense(2, name="out"),
    ], name="ln")
    perturb(m)
    return m, batch(2, 6)


def keras_mobilenet():
    """MobileNetV2 (alpha 0.35, random weights, 32x32 input, 4 classes): depthwise convolutions, ReLU6, zero
    padding, batch norm and residual adds, as Keras 3 writes them into a SavedModel."""
    m = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None, classes=4,
                                       classifier_activation="softmax")
    perturb(m)
    return m, batch(2, 32, 32, 3)


def keras_inverted_residual():
    """Two MobileNetV2-style inverted residual blocks, small: 1x1 expand, BN, ReLU6, zero padding, strided depthwise,
    BN, ReLU6, 1x1 project, BN; the second block stride 1 with its residual Add."""
    inp = keras.Input(shape=(8, 8, 4), name="image")
    h = inp
    for i, stride in enumerate([2, 1]):
        x = keras.layers.Conv2D(8, 1, use_bias=False, name=f"b{i}_expand")(h)
        x = keras.layers.BatchNormalization(name=f"b{i}_expand_bn")(x)
        x = keras.layers.ReLU(6.0, name=f"b{i}_expand_relu")(x)
        if stride == 2:
            x = keras.layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"b{i}_pad")(x)
        x = keras.layers.DepthwiseConv2D(3, strides=stride, padding="valid" if stride == 2 else "same", use_bias=False,
                                         name=f"b{i}_depthwise")(x)
        x = keras.layers.BatchNormalization(name=f"b{i}_depthwise_bn")(x)
        x = keras.layers.ReLU(6.0, name=f"b{i}_depthwise_relu")(x)
        x = keras.layers.Conv2D(4, 1, use_bias=False, name=f"b{i}_project")(x)
        x = keras.layers.BatchNormalization(name=f"b{i}_project_bn")(x)
        h = keras.layers.Add(name=f"b{i}_add")([h, x]) if stride == 1 else x
    out = keras.layers.Dense(3, activation="softmax", name="out")(keras.layers.GlobalAveragePooling2D(name="gap")(h))
    m = keras.Model(inp, out, name="inverted")
    perturb(m)
    return m, batch(2, 8, 8, 4)


def saved(name, builder, how):
    m, x = builder()
    y = m.predict(x, verbose=0)
    d = fixtures.folder(name)
    target = os.path.join(d, "model")
    if how == "save":
        tf.saved_model.save(m, target)
    else:
        m.export(target, verbose=False)
    # The reference output from the SavedModel itself, not from the Keras object.
    loaded = tf.saved_model.load(target)
    fn = loaded.signatures["serving_default"]
    outs = fn(tf.constant(x))
    y2 = list(outs.values())[0].numpy()
    assert np.allclose(y, y2, atol=1e-6), name
    save_io(d, x, y2)


def tf1_resnet():
    """TF1 graph mode (tf.compat.v1 + Saver): a stem conv, a residual block whose shortcut is the identity
    (Add of two branch tensors, not a bias), a projection block (1x1 conv shortcut), a ConcatV2 of two branches,
    global average pooling (Mean), dense logits."""
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 8, 8, 3], name="image")

        def conv(scope, h, cin, cout, k, act=True, bias=True):
            with tf.compat.v1.variable_scope(scope):
                w = tf1_variable("kernel", rng.normal(0, 0.4, size=(k, k, cin, cout)))
                h = tf.nn.conv2d(h, w, 1, "SAME")
                if bias:
                    h = tf.nn.bias_add(h, tf1_variable("bias", rng.uniform(-0.2, 0.2, cout)))
            return tf.nn.relu(h) if act else h

        def bn(scope, h, c):
            with tf.compat.v1.variable_scope(scope):
                gamma, beta, mean, variance = fixtures.tf1_batchnorm_variables(c)
                h, _, _ = tf.compat.v1.nn.fused_batch_norm(h, gamma, beta, mean, variance, epsilon=0.001,
                                                           is_training=False)
            return h

        stem = conv("stem", x, 3, 4, 3)
        r = conv("block1/conv1", stem, 4, 4, 3)
        r = bn("block1/bn", r, 4)
        r = conv("block1/conv2", r, 4, 4, 3, act=False)
        h = tf.nn.relu(tf.add(stem, r, name="block1/add"))
        r = conv("block2/conv1", h, 4, 6, 3)
        r = conv("block2/conv2", r, 6, 6, 3, act=False, bias=False)
        shortcut = conv("block2/project", h, 4, 6, 1, act=False)
        h = tf.nn.relu(tf.add(r, shortcut, name="block2/add"))
        side = conv("side", h, 6, 2, 1)
        c = tf.concat([h, side], axis=3, name="concat")
        pooled = tf.reduce_mean(c, axis=[1, 2], name="gap")
        with tf.compat.v1.variable_scope("logits"):
            w = tf1_variable("kernel", rng.normal(0, 0.4, size=(8, 3)))
            b = tf1_variable("bias", rng.uniform(-0.2, 0.2, 3))
        logits = tf.nn.bias_add(tf.matmul(pooled, w), b, name="logits")
        fixtures.save_tf1("tf1-resnet", g, x, batch(2, 8, 8, 3), logits)


def tf1_input_shortcut():
    """TF1 graph mode: residual connections that start at the model input itself (Add of a dense layer's output and
    the placeholder), and a ConcatV2 of a branch with the input; dense layers only."""
    g = tf.Graph()
    with g.as_default():
        x = tf.compat.v1.placeholder(tf.float32, [None, 6], name="x")
        with tf.compat.v1.variable_scope("h1"):
            w = tf1_variable("w", rng.normal(0, 0.5, (6, 6)))
            h = tf.nn.tanh(tf.matmul(x, w) + tf1_variable("b", rng.uniform(-0.2, 0.2, 6)))
        h = tf.add(h, x, name="shortcut")
        c = tf.concat([h, x], axis=1, name="join")
        with tf.compat.v1.variable_scope("out"):
            w = tf1_variable("w", rng.normal(0, 0.5, (12, 3)))
            y = tf.matmul(c, w) + tf1_variable("b", rng.uniform(-0.2, 0.2, 3))
        fixtures.save_tf1("tf1-input-shortcut", g, x, batch(3, 6), y)


def keras_resnet_saved():
    """A Keras functional model with a residual Add and a Concatenate, as a TF2 SavedModel."""
    inp = keras.Input(shape=(8, 8, 3), name="image")
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="stem")(inp)
    r = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="block_conv1")(h)
    r = keras.layers.BatchNormalization(name="block_bn")(r)
    r = keras.layers.Conv2D(4, 3, padding="same", name="block_conv2")(r)
    h = keras.layers.ReLU(name="block_out")(keras.layers.Add(name="block_add")([h, r]))
    c = keras.layers.Concatenate(name="concat")([h, keras.layers.Conv2D(2, 1, name="side")(h)])
    out = keras.layers.Dense(3, name="out")(keras.layers.GlobalAveragePooling2D(name="gap")(c))
    m = keras.Model(inp, out, name="resnet_block")
    perturb(m)
    return m, batch(2, 8, 8, 3)


if __name__ == "__main__":
    os.makedirs(fixtures.out, exist_ok=True)
    saved("tf2-keras-cnn-saved", keras_cnn, "save")
    saved("tf2-keras-cnn-export", keras_cnn, "export")
    saved("tf2-keras-mlp-saved", keras_mlp, "save")
    saved("tf2-keras-mlp-export", keras_mlp, "export")
    saved("tf2-keras-depthwise-export", keras_dw, "export")
    saved("tf2-keras-resnet-export", keras_resnet_saved, "export")
    saved("tf2-keras-layernorm-export", keras_layer_norm, "export")
    tf1_resnet()
    tf1_input_shortcut()
    saved("tf2-keras-inverted-residual-export", keras_inverted_residual, "export")
    if "--mobilenet" in sys.argv:  # 5 MB, not committed: a local check of a real architecture
        saved("tf2-keras-mobilenetv2-export", keras_mobilenet, "export")
    fixtures.write_versions()
