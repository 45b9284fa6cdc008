"""Writes JPEG test files that real encoders produce and the JDK's reader handles badly, from the
first Fashion-MNIST training image (data/fashion-mnist): a CMYK JPEG as Photoshop-style tools write
it (Adobe APP14 marker, inverted values; PIL/libjpeg), a progressive grayscale and a progressive RGB
JPEG. ImageFoldersTest compares their decoded pixels with the IDX bytes. Run with the shared venv:
    /work/venv/bin/python loader/src/test/python/jpeg_fixtures.py
"""
import gzip
import os
import numpy as np
from PIL import Image

here = os.path.dirname(__file__)
root = os.path.join(here, "..", "..", "..", "..")
with gzip.open(os.path.join(root, "data", "fashion-mnist", "train-images-idx3-ubyte.gz")) as f:
    pixels = np.frombuffer(f.read(), dtype=np.uint8, offset=16)[:784].reshape(28, 28)
gray = Image.fromarray(pixels, mode="L")
out = os.path.join(here, "..", "resources", "images")
gray.convert("CMYK").save(os.path.join(out, "cmyk.jpg"), quality=95)
gray.save(os.path.join(out, "progressive-gray.jpg"), quality=95, progressive=True)
gray.convert("RGB").save(os.path.join(out, "progressive-rgb.jpg"), quality=95, progressive=True)
print("wrote cmyk.jpg, progressive-gray.jpg, progressive-rgb.jpg to", os.path.normpath(out))
