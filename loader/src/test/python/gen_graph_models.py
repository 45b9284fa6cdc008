"""Writes small Keras functional (graph) models with Keras itself, plus a fixed input batch and the framework's own
outputs for it, for Graft's loader tests (dev.graft.loader.conv.GraphFixturesTest).

Run from the repository root with TensorFlow 2.x + Keras 3 (and h5py):

    python loader/src/test/python/gen_graph_models.py loader/src/test/resources/conv

Folders as gen_conv_models.py writes them: the model file(s), `input.npy` (float32; NHWC for one image input, or
[n, features] with each sample's inputs flattened and concatenated in the model's input order, as Graft takes
several inputs) and `output.npy` (float32, Keras's outputs in inference mode;
for the deep MobileNetV2 computed by Keras in float64, see float64_twin). Batch-norm statistics are set to
non-trivial values and zero biases made random, so a loader that ignores or swaps them fails.

Only one MobileNetV2 file is committed (about 2 MB): the Teachable-Machine-style nested model as legacy HDF5 (a
Sequential holding the MobileNetV2 base, a Functional, and a Sequential head) -- the layout Teachable Machine
exports, where a nested model's weights share one group and Keras lists them trainable-first. The `.keras`
layout of functional and nested models is covered by the small models.
"""
import json
import os
import sys

import h5py
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_common import Fixtures, save_io  # noqa: E402

fixtures = Fixtures("loader/src/test/resources/conv", 20261201)
rng = fixtures.rng
batch = fixtures.batch
layers = keras.layers


def finish(m):
    fixtures.perturb_batchnorm(m)
    fixtures.randomize_zeros(m)
    return m


def calibrate_batchnorm(model, x):
    """Deep random networks lose the input's signal when every batch norm gets arbitrary statistics (the outputs
    become the same for every image). Here each batch norm, in order, gets moving statistics near those of its real
    input on the batch (standard deviations floored at a fifth of the layer's median, so that float32 rounding in a
    dead channel is not amplified) -- mean off by up to 0.3 standard deviations, variance scaled by 0.7..1.4 -- and gamma
    0.5..0.9, beta away from 0: the statistics matter to every output, the signal survives 50 layers, and the random
    network stays tame enough that float32 rounding is not amplified past the tests' 1e-4."""
    for layer in model.layers:
        if not isinstance(layer, layers.BatchNormalization):
            continue
        seen = keras.Model(model.inputs, layer.input).predict(x, verbose=0)
        axes = tuple(range(seen.ndim - 1))
        mean, std = seen.mean(axis=axes), seen.std(axis=axes)
        std = np.sqrt(std ** 2 + (0.2 * np.median(std)) ** 2) + 1e-3  # nearly dead channels are not blown up
        c = mean.shape[0]
        layer.set_weights([w.astype(np.float32) for w in (
            rng.uniform(0.5, 0.9, size=c), rng.uniform(-0.2, 0.2, size=c),
            mean + rng.uniform(-0.3, 0.3, size=c) * std, std ** 2 * rng.uniform(0.7, 1.4, size=c))])


def float64_twin(m):
    """The same model computing in float64 (every layer's dtype policy switched, weights copied): the reference
    outputs of a deep model come from it, so the test measures Graft's float32 error, not float32 Keras's as well
    (Keras's own float32 outputs differ from the float64 ones by up to 8e-5 relative for the MobileNetV2 here)."""
    config = json.loads(m.to_json())

    def widen(o):
        if isinstance(o, dict):
            if o.get("class_name") == "DTypePolicy":
                o["config"]["name"] = "float64"
            for k, v in o.items():
                if k == "dtype" and v == "float32":
                    o[k] = "float64"
                else:
                    widen(v)
        elif isinstance(o, list):
            for v in o:
                widen(v)
    widen(config)
    twin = keras.models.model_from_json(json.dumps(config))
    twin.set_weights([w.astype(np.float64) for w in m.get_weights()])
    return twin


def mobilenet_tm():
    """Teachable-Machine-style: Sequential[ MobileNetV2 base (alpha 0.35, random weights, 64x64, global average
    pooling), Sequential head [Dense, Dropout, Dense softmax] ]."""
    base = keras.applications.MobileNetV2(input_shape=(64, 64, 3), alpha=0.35, weights=None, include_top=False,
                                          pooling="avg")
    head = keras.Sequential([
        keras.Input(shape=(base.output_shape[-1],)),
        layers.Dense(16, activation="relu", name="dense_hidden"),
        layers.Dropout(0.5, name="head_dropout"),
        layers.Dense(3, activation="softmax", name="dense_out"),
    ], name="head")
    x = batch(2, 64, 64, 3)
    calibrate_batchnorm(base, x)
    m = keras.Sequential([keras.Input(shape=(64, 64, 3)), base, head], name="teachable")
    fixtures.randomize_zeros(m)
    y = float64_twin(m).predict(x.astype(np.float64), verbose=0)
    fixtures.save_keras("keras3-mobilenetv2-tm", m, x, y, "model.h5")


def resnet():
    """Two residual blocks: an identity shortcut (Add) and a strided one with a 1x1 projection; a Concatenate."""
    inp = keras.Input(shape=(8, 8, 3), name="image")
    h = layers.Conv2D(4, 3, padding="same", name="stem")(inp)
    h = layers.BatchNormalization(name="stem_bn")(h)
    h = layers.ReLU(name="stem_relu")(h)
    r = layers.Conv2D(4, 3, padding="same", activation="relu", name="block0_conv1")(h)
    r = layers.BatchNormalization(name="block0_bn")(r)
    r = layers.Conv2D(4, 3, padding="same", name="block0_conv2")(r)
    h = layers.ReLU(name="block0_out")(layers.Add(name="block0_add")([h, r]))
    r = layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="block1_conv1")(h)
    r = layers.Conv2D(6, 3, padding="same", name="block1_conv2")(r)
    shortcut = layers.Conv2D(6, 1, strides=2, name="block1_project")(h)
    h = layers.Activation("relu", name="block1_out")(layers.Add(name="block1_add")([shortcut, r]))
    c = layers.Concatenate(name="concat")([h, layers.Conv2D(2, 1, name="side")(h)])
    out = layers.Dense(3, activation="softmax", name="out")(layers.GlobalAveragePooling2D(name="gap")(c))
    m = finish(keras.Model(inp, out, name="resnet"))
    x = batch(3, 8, 8, 3)
    y = m.predict(x, verbose=0)
    fixtures.save_keras("keras3-resnet", m, x, y, "model.keras", "model.h5")
    keras2_pair(m, x, y)


def inception():
    """Inception-style: four branches (1x1; 1x1 then 3x3; 5x5; max pool then 1x1) concatenated on channels, a
    second Concatenate of two vectors, and a three-way Add."""
    inp = keras.Input(shape=(7, 7, 4), name="pixels")
    b1 = layers.Conv2D(3, 1, activation="relu", name="branch1x1")(inp)
    b3 = layers.Conv2D(2, 1, activation="relu", name="branch3x3_reduce")(inp)
    b3 = layers.Conv2D(3, 3, padding="same", activation="relu", name="branch3x3")(b3)
    b5 = layers.Conv2D(3, 5, padding="same", name="branch5x5")(inp)
    bp = layers.MaxPooling2D(3, strides=1, padding="same", name="branch_pool")(inp)
    bp = layers.Conv2D(3, 1, activation="tanh", name="branch_pool_proj")(bp)
    mixed = layers.Concatenate(axis=-1, name="mixed")([b1, b3, b5, bp])
    mixed = layers.BatchNormalization(name="mixed_bn")(mixed)
    s = layers.Add(name="sum3")([b1, b3, bp])
    g1 = layers.GlobalAveragePooling2D(name="gap")(mixed)
    g2 = layers.GlobalMaxPooling2D(name="gmax")(s)
    v = layers.Concatenate(name="features")([g1, g2])
    out = layers.Dense(4, name="logits")(v)
    m = finish(keras.Model(inp, out, name="inception"))
    x = batch(3, 7, 7, 4)
    y = m.predict(x, verbose=0)
    fixtures.save_keras("keras3-inception", m, x, y, "model.keras")


def two_inputs():
    """Two inputs, an image and a vector, listed in the model's inputs in the opposite order to the config's layers
    (the vector first), merged by Concatenate."""
    image = keras.Input(shape=(6, 6, 2), name="image")
    meta = keras.Input(shape=(5,), name="meta")
    h = layers.Conv2D(3, 3, activation="relu", name="conv")(image)
    h = layers.GlobalAveragePooling2D(name="gap")(h)
    v = layers.Dense(4, activation="elu", name="meta_dense")(meta)
    h = layers.Concatenate(name="joined")([h, v])
    out = layers.Dense(3, activation="softmax", name="out")(h)
    m = finish(keras.Model([meta, image], out, name="two_inputs"))
    xm = batch(4, 5)
    xi = batch(4, 6, 6, 2)
    y = m.predict([xm, xi], verbose=0)
    # One row per sample: the inputs flattened and concatenated in the model's input order (meta, then image).
    fixtures.save_keras("keras3-two-inputs", m, np.concatenate([xm, xi.reshape(4, -1)], axis=1), y,
                        "model.keras", "model.h5")


def nested_functional():
    """Sequential[ a Functional base with a residual Add, a Sequential head ], small, in both formats."""
    inp = keras.Input(shape=(6, 6, 2), name="base_input")
    h = layers.Conv2D(3, 3, padding="same", name="base_conv")(inp)
    h = layers.BatchNormalization(name="base_bn")(h)
    r = layers.Conv2D(3, 1, activation="relu", name="base_branch")(h)
    h = layers.Add(name="base_add")([h, r])
    h = layers.GlobalAveragePooling2D(name="base_gap")(h)
    base = keras.Model(inp, h, name="base")
    head = keras.Sequential([keras.Input(shape=(3,)), layers.Dense(4, activation="relu", name="head_hidden"),
                             layers.Dense(2, activation="softmax", name="head_out")], name="head")
    m = finish(keras.Sequential([keras.Input(shape=(6, 6, 2)), base, head], name="outer"))
    x = batch(3, 6, 6, 2)
    y = m.predict(x, verbose=0)
    fixtures.save_keras("keras3-nested-functional", m, x, y, "model.keras", "model.h5")


def keras2_pair(m, x, y):
    """The resnet model as Keras 2 (tf.keras) wrote weights-only files: `model.json` with Keras 2's functional config
    (inbound nodes as nested lists, `batch_input_shape`, nested `input_layers`), and `model.weights.h5` in Keras 2's
    save_weights layout (`layer_names`, per-layer `weight_names` with ':0')."""
    d = fixtures.folder("keras2-resnet-weights-json")
    config = json.loads(m.to_json())
    cfg = config["config"]
    for layer in cfg["layers"]:
        layer.pop("module", None)
        layer.pop("registered_name", None)
        layer.pop("build_config", None)
        c = layer["config"]
        if "batch_shape" in c:
            c["batch_input_shape"] = c.pop("batch_shape")
        c["dtype"] = "float32"
        nodes = []
        for node in layer["inbound_nodes"]:
            args = node["args"][0]
            tensors = args if isinstance(args, list) else [args]
            nodes.append([[t["config"]["keras_history"][0], t["config"]["keras_history"][1],
                           t["config"]["keras_history"][2], {}] for t in tensors])
        layer["inbound_nodes"] = nodes
    for key in ("input_layers", "output_layers"):
        v = cfg[key]
        cfg[key] = v if isinstance(v[0], list) else [v]
    config["class_name"] = "Model"
    config["keras_version"] = "2.4.0"
    config["backend"] = "tensorflow"
    with open(os.path.join(d, "model.json"), "w") as f:
        json.dump(config, f)
    with h5py.File(os.path.join(d, "model.weights.h5"), "w") as f:
        names = [layer.name for layer in m.layers]
        f.attrs["layer_names"] = [n.encode() for n in names]
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.4.0"
        for layer in m.layers:
            g = f.create_group(layer.name)
            weights = layer.trainable_weights + layer.non_trainable_weights
            weight_names = [f"{layer.name}/{w.path.split('/')[-1]}:0" for w in weights]
            g.attrs["weight_names"] = [n.encode() for n in weight_names]
            for n, w in zip(weight_names, weights):
                g.create_dataset(n, data=np.asarray(w.numpy(), dtype=np.float32))
    save_io(d, x, y)


if __name__ == "__main__":
    os.makedirs(fixtures.out, exist_ok=True)
    resnet()
    inception()
    two_inputs()
    nested_functional()
    mobilenet_tm()
