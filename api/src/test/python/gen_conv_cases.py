"""Writes TensorFlow's own outputs and gradients for Graft's convolution oracle tests.

Run from the repository root with a TensorFlow 2.x + Keras 3 environment:

    python api/src/test/python/gen_conv_cases.py api/src/test/resources/conv/tf_cases.bin

The Java test (dev.graft.conv.TensorFlowCasesTest) reads the file; no Python runs at test time.

Format, little-endian: int32 case count, then per case: a UTF-8 name (int32 length + bytes), the
op kind the same way, int32 count + int32 config values, int32 tensor count, and per tensor a
name (int32 length + bytes), int32 float count and float32 data. Images are NHWC, conv kernels
[kh, kw, in, out], depthwise kernels [kh, kw, in, multiplier], all row-major. Gradients are of
sum(output * upstream), so their input gradients equal TF's gradient ops for upstream `dy`.
"""
import struct
import sys

import keras
import numpy as np
import tensorflow as tf

rng = np.random.RandomState(20261129)
cases = []


def rand(*shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def add(name, kind, config, tensors):
    cases.append((name, kind, [int(v) for v in config], tensors))


def conv_case(name, batch, h, w, c, kh, kw, sh, sw, dh, dw, padding, filters):
    x, k, b = rand(batch, h, w, c), rand(kh, kw, c, filters), rand(filters)
    xv, kv, bv = tf.Variable(x), tf.Variable(k), tf.Variable(b)
    with tf.GradientTape() as tape:
        y = tf.nn.conv2d(xv, kv, [1, sh, sw, 1], padding, dilations=[1, dh, dw, 1]) + bv
        dy = rand(*y.shape)
        loss = tf.reduce_sum(y * dy)
    dx, dk, db = tape.gradient(loss, [xv, kv, bv])
    add(name, "conv2d", [batch, h, w, c, kh, kw, sh, sw, dh, dw, padding == "SAME", filters],
        dict(x=x, kernel=k, bias=b, y=y, dy=dy, dx=dx, dkernel=dk, dbias=db))


def depthwise_case(name, batch, h, w, c, kh, kw, sh, sw, dh, dw, padding, mult):
    x, k, b = rand(batch, h, w, c), rand(kh, kw, c, mult), rand(c * mult)
    xv, kv, bv = tf.Variable(x), tf.Variable(k), tf.Variable(b)
    with tf.GradientTape() as tape:
        y = tf.nn.depthwise_conv2d(xv, kv, [1, sh, sw, 1], padding, dilations=[dh, dw]) + bv
        dy = rand(*y.shape)
        loss = tf.reduce_sum(y * dy)
    dx, dk, db = tape.gradient(loss, [xv, kv, bv])
    add(name, "depthwise", [batch, h, w, c, kh, kw, sh, sw, dh, dw, padding == "SAME", mult],
        dict(x=x, kernel=k, bias=b, y=y, dy=dy, dx=dx, dkernel=dk, dbias=db))


def pool_case(name, kind, batch, h, w, c, kh, kw, sh, sw, padding, x=None):
    x = rand(batch, h, w, c) if x is None else x
    xv = tf.Variable(x)
    op = tf.nn.max_pool2d if kind == "maxpool" else tf.nn.avg_pool2d
    with tf.GradientTape() as tape:
        y = op(xv, [kh, kw], [sh, sw], padding)
        dy = rand(*y.shape)
        loss = tf.reduce_sum(y * dy)
    dx = tape.gradient(loss, xv)
    add(name, kind, [batch, h, w, c, kh, kw, sh, sw, 1, 1, padding == "SAME", 0], dict(x=x, y=y, dy=dy, dx=dx))


def global_case(name, batch, h, w, c):
    x = rand(batch, h, w, c)
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = tf.reduce_mean(xv, axis=[1, 2])
        dy = rand(*y.shape)
        loss = tf.reduce_sum(y * dy)
    add(name, "globalavg", [batch, h, w, c], dict(x=x, y=y, dy=dy, dx=tape.gradient(loss, xv)))


def zero_pad_case(name, batch, h, w, c, top, bottom, left, right):
    x = rand(batch, h, w, c)
    xv = tf.Variable(x)
    layer = keras.layers.ZeroPadding2D(((top, bottom), (left, right)))
    with tf.GradientTape() as tape:
        y = layer(xv)
        dy = rand(*y.shape)
        loss = tf.reduce_sum(y * dy)
    add(name, "zeropad", [batch, h, w, c, top, bottom, left, right], dict(x=x, y=y, dy=dy, dx=tape.gradient(loss, xv)))


def batch_norm_case(name, batch, h, w, c, momentum, epsilon):
    x = rand(batch, h, w, c) * 3 + 0.5
    gamma, beta = rand(c) + 1.5, rand(c)
    moving_mean, moving_var = rand(c), rng.uniform(0.5, 2, size=c).astype(np.float32)
    layer = keras.layers.BatchNormalization(momentum=momentum, epsilon=epsilon)
    layer.build((batch, h, w, c))
    layer.set_weights([gamma, beta, moving_mean, moving_var])
    inference = layer(tf.constant(x), training=False)
    reference = tf.nn.batch_normalization(x, moving_mean, moving_var, beta, gamma, epsilon)
    assert np.allclose(inference, reference, atol=1e-6), "keras inference differs from tf.nn.batch_normalization"
    xv = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = layer(xv, training=True)
        dy = rand(*y.shape)
        loss = tf.reduce_sum(y * dy)
    dx, dgamma, dbeta = tape.gradient(loss, [xv, layer.gamma, layer.beta])
    new_mean, new_var = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    biased = np.var(x.astype(np.float64), axis=(0, 1, 2))
    n = batch * h * w
    print(f"{name}: keras {keras.__version__} moving_variance update used the "
          f"{'biased' if np.allclose(new_var, moving_var * momentum + biased * (1 - momentum), rtol=1e-5) else 'UNBIASED'}"
          f" batch variance (unbiased would give {moving_var * momentum + biased * n / (n - 1) * (1 - momentum)},"
          f" got {new_var})")
    # The raw fused op (behind tf.keras 2.x's and TF1's fused BatchNormalization) reports the
    # Bessel-corrected batch variance, which those layers fed into their moving variance.
    fused_var = tf.compat.v1.nn.fused_batch_norm(x, gamma, beta, epsilon=epsilon, is_training=True)[2]
    print(f"{name}: tf.compat.v1.nn.fused_batch_norm batch_variance / biased variance = "
          f"{(fused_var.numpy() / biased).round(6)} (n/(n-1) = {n / (n - 1):.6f})")
    add(name, "batchnorm", [batch, h, w, c],
        dict(x=x, gamma=gamma, beta=beta, moving_mean=moving_mean, moving_variance=moving_var,
             momentum=np.float32([momentum]), epsilon=np.float32([epsilon]),
             inference=inference, y=y, dy=dy, dx=dx, dgamma=dgamma, dbeta=dbeta,
             new_moving_mean=new_mean, new_moving_variance=new_var,
             fused_batch_variance=fused_var))


conv_case("conv 5x7x3 k3 valid", 1, 5, 7, 3, 3, 3, 1, 1, 1, 1, "VALID", 4)
conv_case("conv 5x7x3 k2 s2 same", 2, 5, 7, 3, 2, 2, 2, 2, 1, 1, "SAME", 4)
conv_case("conv 5x7x3 k3x2 d2 same", 2, 5, 7, 3, 3, 2, 1, 1, 2, 2, "SAME", 2)
conv_case("conv 5x7x3 k4 s2x1 same", 1, 5, 7, 3, 4, 4, 2, 1, 1, 1, "SAME", 3)
conv_case("conv 5x7x3 k2x3 d2 valid", 2, 5, 7, 3, 2, 3, 1, 1, 2, 2, "VALID", 2)
conv_case("conv 6x6x3 k2 s2 same", 2, 6, 6, 3, 2, 2, 2, 2, 1, 1, "SAME", 2)
conv_case("conv 5x7x3 k1 s2 valid", 2, 5, 7, 3, 1, 1, 2, 2, 1, 1, "VALID", 5)
depthwise_case("depthwise 5x7x3 k3 s2 same", 2, 5, 7, 3, 3, 3, 2, 2, 1, 1, "SAME", 1)
depthwise_case("depthwise 5x7x3 k2 same", 1, 5, 7, 3, 2, 2, 1, 1, 1, 1, "SAME", 1)
depthwise_case("depthwise 5x7x3 k3 d2 same m2", 2, 5, 7, 3, 3, 3, 1, 1, 2, 2, "SAME", 2)
depthwise_case("depthwise 5x7x3 k2x3 valid m3", 1, 5, 7, 3, 2, 3, 1, 1, 1, 1, "VALID", 3)
for kind in ("maxpool", "avgpool"):
    pool_case(f"{kind} 5x7x3 k2 s2 same", kind, 2, 5, 7, 3, 2, 2, 2, 2, "SAME")
    pool_case(f"{kind} 5x7x3 k3 s2 valid", kind, 1, 5, 7, 3, 3, 3, 2, 2, "VALID")
    pool_case(f"{kind} 5x7x3 k3x2 s1x2 same", kind, 2, 5, 7, 3, 3, 2, 1, 2, "SAME")
    pool_case(f"{kind} 5x7x3 k4 s3 same", kind, 1, 5, 7, 3, 4, 4, 3, 3, "SAME")
ties = rng.randint(0, 3, size=(2, 5, 7, 3)).astype(np.float32)
pool_case("maxpool ties 5x7x3 k3 s1 same", "maxpool", 2, 5, 7, 3, 3, 3, 1, 1, "SAME", ties)
pool_case("maxpool ties 5x7x3 k2 s2 valid", "maxpool", 2, 5, 7, 3, 2, 2, 2, 2, "VALID", ties)
global_case("global average 5x7x3", 2, 5, 7, 3)
zero_pad_case("zero padding 5x7x3 (1,2),(0,3)", 2, 5, 7, 3, 1, 2, 0, 3)
batch_norm_case("batch norm 2x5x7x3", 2, 5, 7, 3, 0.9, 1e-3)
batch_norm_case("batch norm 1x5x7x4", 1, 5, 7, 4, 0.99, 1e-5)


def utf8(s):
    b = s.encode("utf-8")
    return struct.pack("<i", len(b)) + b


with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<i", len(cases)))
    for name, kind, config, tensors in cases:
        f.write(utf8(name) + utf8(kind) + struct.pack("<i", len(config)) + struct.pack(f"<{len(config)}i", *config))
        f.write(struct.pack("<i", len(tensors)))
        for key, value in tensors.items():
            data = np.asarray(value, dtype="<f4").ravel()
            f.write(utf8(key) + struct.pack("<i", data.size) + data.tobytes())
print(f"wrote {len(cases)} cases with TensorFlow {tf.__version__}, Keras {keras.__version__} to {sys.argv[1]}")
