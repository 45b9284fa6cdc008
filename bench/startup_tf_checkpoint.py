"""Writes the seed user's checkpoint the way they did (TF1 graph, tf.train.Saver): 500-300-100-50-5, ReLU,
sparse softmax cross-entropy, plain SGD, so that StartupProbe can also time a checkpoint TensorFlow wrote
(its .meta holds the whole training graph, gradients and saver ops included, unlike Graft's own writer).
Usage: python3 bench/startup_tf_checkpoint.py OUT_DIR   (needs tensorflow; then StartupProbe run OUT_DIR)"""
import os
import sys

import numpy as np
import tensorflow.compat.v1 as tf

tf.disable_eager_execution()
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
x = tf.placeholder(tf.float32, [None, 500], name="X")
y = tf.placeholder(tf.int64, [None], name="y")


def dense(inputs, units, name, activation=None):
    """What tf.layers.dense built (gone with Keras 3): variables NAME/kernel and NAME/bias."""
    with tf.variable_scope(name):
        kernel = tf.get_variable("kernel", [inputs.shape[1], units], initializer=tf.glorot_uniform_initializer())
        bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
        z = tf.nn.bias_add(tf.matmul(inputs, kernel), bias)
        return activation(z) if activation else z


h = x
for name, units in [("hidden1", 300), ("hidden2", 100), ("hidden3", 50)]:
    h = dense(h, units, name, tf.nn.relu)
logits = dense(h, 5, "outputs")
loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits), name="loss")
train = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
rng = np.random.default_rng(1)
with tf.Session() as s:
    s.run(tf.global_variables_initializer())
    s.run(train, {x: rng.standard_normal((64, 500)).astype(np.float32), y: rng.integers(0, 5, 64)})
    tf.train.Saver().save(s, os.path.join(out, "model.ckpt"))
print("wrote", os.path.join(out, "model.ckpt") + ".*")
