#!/usr/bin/env python3
"""Provenance of the files beside this script (run once; not part of any build).

Takes, in file order, the first 200 images of each class from Fashion-MNIST's training set and the first 100 of
each class from its test set, and writes them as gzipped IDX files in the original format.
Source: /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist), Zalando Research, MIT licence.
"""
import gzip, struct, sys

SRC = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"

def read(name):
    with gzip.open(f"{SRC}/{name}", "rb") as f:
        return f.read()

def subset(prefix, per_class, out_prefix):
    images, labels = read(f"{prefix}-images-idx3-ubyte.gz"), read(f"{prefix}-labels-idx1-ubyte.gz")
    n, rows, cols = struct.unpack(">III", images[4:16])
    keep, taken = [], [0] * 10
    for i in range(n):
        label = labels[8 + i]
        if taken[label] < per_class:
            taken[label] += 1
            keep.append(i)
    size = rows * cols
    with gzip.GzipFile(f"{out_prefix}-images-idx3-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">IIII", 0x803, len(keep), rows, cols))
        for i in keep:
            f.write(images[16 + i * size:16 + (i + 1) * size])
    with gzip.GzipFile(f"{out_prefix}-labels-idx1-ubyte.gz", "wb", mtime=0) as f:
        f.write(struct.pack(">II", 0x801, len(keep)))
        f.write(bytes(labels[8 + i] for i in keep))

subset("train", 200, "train")
subset("t10k", 100, "t10k")
