"""Writes TensorFlow/Keras's own outputs for the shared third-party convolutional fixtures
(`../shared/fixtures`, never copied into the repository), on a small fixed input batch, so Graft's forward pass
on those real files is checked against the framework (dev.graft.loader.conv.SharedConvFixturesTest).

    python loader/src/test/python/gen_shared_outputs.py ../shared/fixtures loader/src/test/resources/conv/shared

MNIST models get the first 16 test images of the repository's Fashion-MNIST subset (data/fashion-mnist, pixels
/255: real 28x28 images, though not digits); the CIFAR-10 model gets seeded uniform [0, 1) images.
"""
import gzip
import os
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from fixture_common import save_io  # noqa: E402

SHARED = sys.argv[1]
OUT = sys.argv[2]
N = 16


def fashion(n):
    with gzip.open("data/fashion-mnist/t10k-images-idx3-ubyte.gz") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    return (data[: n * 784].reshape(n, 28, 28, 1) / 255.0).astype(np.float32)


def save(name, x, y):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    save_io(d, x, y)


def keras_model(name, path, x):
    m = keras.models.load_model(os.path.join(SHARED, path), compile=False)
    save(name, x, m.predict(x, verbose=0))


def tf_keras_archive(name, path, x):
    """A tf.keras 2.13+ .keras file, which Keras 3 cannot load: its config is rebuilt without the Keras 2 keys and
    each layer's weights are set from `_layer_checkpoint_dependencies/<name>/vars/N` with h5py."""
    import h5py
    import io
    import json
    import zipfile
    with zipfile.ZipFile(os.path.join(SHARED, path)) as z:
        config = json.loads(z.read("config.json"))
        weights = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        for layer in config["config"]["layers"]:
            layer["config"].pop("batch_input_shape", None)
            if isinstance(layer["config"].get("axis"), list):
                layer["config"]["axis"] = layer["config"]["axis"][0]
        config["config"]["layers"][0]["config"]["batch_shape"] = [None] + list(x.shape[1:])
        m = keras.Sequential.from_config(config["config"])
        for layer in m.layers:
            group = weights["_layer_checkpoint_dependencies"].get(layer.name)
            if group is not None and len(group["vars"]) > 0:
                layer.set_weights([np.asarray(group["vars"][str(i)]) for i in range(len(group["vars"]))])
    save(name, x, m.predict(x, verbose=0))


def tf1(name, prefix, x, input_name, output_name):
    g = tf.Graph()
    with g.as_default(), tf.compat.v1.Session(graph=g) as s:
        saver = tf.compat.v1.train.import_meta_graph(os.path.join(SHARED, prefix + ".meta"))
        saver.restore(s, os.path.join(SHARED, prefix))
        y = s.run(g.get_tensor_by_name(output_name), {g.get_tensor_by_name(input_name): x})
    save(name, x, y)


if __name__ == "__main__":
    images = fashion(N)
    keras_model("noella-mnist-cnn-keras", "noella-mnist-cnn-keras/artifacts/mnist_cnn.keras", images)
    keras_model("kilneta-mnist-cnn-h5", "kilneta-mnist-cnn-h5/1_ModelTraining_In_Colaboratory/mnist_cnn.h5", images)
    tf_keras_archive("lokesh-cifar10-bn-keras", "lokesh-cifar10-bn-keras/cifar10.keras",
                np.random.RandomState(20261130).uniform(0, 1, size=(N, 32, 32, 3)).astype(np.float32))
    tf1("tf1-damgambit-mnist-cnn", "tf1-damgambit-mnist-cnn/my_mnist_model", images.reshape(N, 784),
        "input/X:0", sys.argv[3] if len(sys.argv) > 3 else "output/Y_proba:0")
