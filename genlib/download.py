"""Datasets that need the internet: downloaded once, checked by SHA-256, parsed to numpy (chapter 00).

    paths = genlib.download.fetch("mnist")              # {"train_images": Path(...), ...}
    x, y = genlib.download.mnist("train")               # (60000, 28, 28) uint8, (60000,) int64
    x = genlib.download.binarized_mnist("val")          # (10000, 784) uint8 in {0, 1}

Files live in cache_dir()/<name>/ (set GENLIB_CACHE to move it). A file is used only if its
SHA-256 matches the published one in REGISTRY, both right after download and every later time.
A download goes to a temporary name in the same folder and is renamed only once verified,
so an interrupted or corrupted download never leaves a file that looks finished.
Offline? The error says which URLs to fetch by hand and exactly where to put the files;
data/DOWNLOADS.md lists them too.
"""

from __future__ import annotations

import gzip
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pooch
import requests

from . import files
from .files import atomic_write_bytes, sha256


def _idx_files(train_images, train_labels, test_images, test_labels):
    """The four IDX files of MNIST and Fashion-MNIST: same names, different SHA-256."""
    return {
        "train_images": ("train-images-idx3-ubyte.gz", train_images),
        "train_labels": ("train-labels-idx1-ubyte.gz", train_labels),
        "test_images": ("t10k-images-idx3-ubyte.gz", test_images),
        "test_labels": ("t10k-labels-idx1-ubyte.gz", test_labels),
    }


# name -> mirrors (tried in order) and files {key: (file name, published SHA-256)}.
# Sources of every hash: data/DOWNLOADS.md. Tests swap entries for fake files.
REGISTRY = {
    "binarized_mnist": {
        "mirrors": ["http://www.cs.toronto.edu/~larocheh/public/datasets/binarized_mnist/"],
        "files": {
            "train": (
                "binarized_mnist_train.amat",
                "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d",
            ),
            "val": (
                "binarized_mnist_valid.amat",
                "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2",
            ),
            "test": (
                "binarized_mnist_test.amat",
                "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c",
            ),
        },
    },
    "mnist": {
        "mirrors": [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ],
        "files": _idx_files(
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
    },
    "fashion_mnist": {
        "mirrors": [
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
        ],
        "files": _idx_files(
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
    },
    "cifar10": {
        "mirrors": ["https://www.cs.toronto.edu/~kriz/"],
        "files": {
            "archive": (
                "cifar-10-python.tar.gz",
                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            )
        },
    },
}


class DownloadError(RuntimeError):
    """A dataset could not be downloaded; the message says how to place the files by hand."""


def cache_dir() -> Path:
    """$GENLIB_CACHE/data if GENLIB_CACHE is set, else ~/.cache/genlib/data."""
    return files.cache_dir() / "data"


def _entry(name):
    if name not in REGISTRY:
        raise ValueError(f"unknown dataset {name!r}; the downloadable ones are {', '.join(REGISTRY)}")
    return REGISTRY[name]


def fetch(name: str, *, base_url: str | None = None) -> dict[str, Path]:
    """Make sure every file of dataset `name` is in cache_dir()/name/ with the right SHA-256.

    Returns {file key: local path}. `base_url` replaces the mirror list (a local copy, a test server).
    """
    entry = _entry(name)
    folder = cache_dir() / name
    mirrors = [base_url] if base_url else entry["mirrors"]
    paths = {}
    for key, (fname, expected) in entry["files"].items():
        path = folder / fname
        if expected is None:
            raise DownloadError(f"no published SHA-256 is recorded for {fname}, so genlib will not use it")
        bad = _set_aside_if_corrupted(path, expected)
        if not path.exists():
            try:
                _download(fname, expected, folder, mirrors)
            except requests.RequestException as err:
                raise DownloadError(bad + _by_hand(name, entry, folder, mirrors, err)) from err
        paths[key] = path
    return paths


def _set_aside_if_corrupted(path, expected) -> str:
    """A cached (or hand-placed) file whose SHA-256 is wrong is renamed to PATH.corrupt, never used and never
    silently lost; returns a sentence saying so ("" if the file is fine or absent). fetch then downloads it
    again, and if that fails (offline) its message says where to place a good copy by hand."""
    if not path.exists():
        return ""
    actual = sha256(path)
    if actual == expected:
        return ""
    aside = path.with_name(path.name + ".corrupt")
    os.replace(path, aside)
    return (
        f"the file {path} was corrupted: its SHA-256 is {actual}, expected {expected}; "
        f"it has been moved to {aside}.\n"
    )


def _download(fname, expected, folder, mirrors):
    """Try each mirror in turn; pooch writes to a temporary file and renames it only if the hash matches."""
    for i, base in enumerate(mirrors):
        url = base.rstrip("/") + "/" + fname
        try:
            pooch.retrieve(
                url,
                known_hash=f"sha256:{expected}",
                fname=fname,
                path=folder,
                downloader=pooch.HTTPDownloader(progressbar=False, timeout=60),
            )
            return
        except requests.RequestException:
            if i == len(mirrors) - 1:
                raise
        except ValueError as err:  # pooch: hash mismatch; its temporary file is already deleted
            raise ValueError(
                f"{url} sent the wrong file. {err} Nothing was saved as {folder / fname}; "
                f"try another mirror (base_url=...) or place the file by hand."
            ) from err


def _by_hand(name, entry, folder, mirrors, err):
    lines = [
        f"could not download dataset {name!r} ({type(err).__name__}: {err}).",
        "Are you offline? Download these files by hand (any one mirror each):",
    ]
    for fname, expected in entry["files"].values():
        if not (folder / fname).exists():
            lines += [f"  {base.rstrip('/')}/{fname}" for base in mirrors]
            lines.append(f"  -> save as {folder / fname}   (SHA-256 {expected})")
    lines.append("then call again; genlib checks each file's SHA-256 before using it.")
    return "\n".join(lines)


def _save_atomic(path, array):
    """np.save through a temporary file in the same folder, then rename: never a half-written .npy."""
    buf = io.BytesIO()
    np.save(buf, array)
    atomic_write_bytes(path, buf.getvalue())


def _check_split(split, splits):
    if split not in splits:
        raise ValueError(f"split must be one of {splits}; got {split!r}")


def binarized_mnist(split: str = "train", *, base_url: str | None = None) -> np.ndarray:
    """The fixed binarization of Larochelle & Murray (2011): (N, 784) uint8 in {0, 1}.

    train 50,000 / val 10,000 / test 10,000. The parsed array is cached as a .npy next to the .amat,
    with its SHA-256 (a cache that no longer matches it is parsed again from the checked .amat).
    """
    _check_split(split, ("train", "val", "test"))
    path = fetch("binarized_mnist", base_url=base_url)[split]
    npy, digest = path.with_suffix(".npy"), path.with_suffix(".npy.sha256")
    if npy.exists() and digest.exists() and npy.stat().st_mtime >= path.stat().st_mtime:
        if sha256(npy) == digest.read_text().strip():  # a damaged cache is re-parsed, never used
            return np.load(npy)
    x = _parse_amat(path)
    _save_atomic(npy, x)
    digest.write_text(sha256(npy) + "\n")
    return x


def _parse_amat(path):
    """Rows of 784 space-separated 0/1 digits, one image per line."""
    text = np.frombuffer(path.read_bytes(), dtype=np.uint8)
    digits = text[text >= ord("0")] - ord("0")  # drop spaces and newlines, which sort before "0"
    if digits.size % 784 or digits.max(initial=0) > 1:
        raise ValueError(f"{path} is not a binarized-MNIST .amat file: expected rows of 784 digits 0/1")
    return digits.reshape(-1, 784)


def _read_idx(path, magic, ndim):
    """An IDX file (LeCun's format): 4-byte magic, ndim 4-byte big-endian sizes, then uint8 data."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    got = int.from_bytes(data[:4], "big")
    if got != magic:
        kind = {0x803: "images", 0x801: "labels"}[magic]
        raise ValueError(
            f"{path} is not an IDX {kind} file: magic number {got:#010x}, expected {magic:#010x}"
        )
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != np.prod(shape):
        raise ValueError(f"{path} is truncated: header says {shape}, found {body.size} bytes of data")
    return body.reshape(shape).copy()  # a writable array, not a view of the bytes


def mnist(split: str = "train", fashion: bool = False, *, base_url: str | None = None):
    """MNIST (or Fashion-MNIST) grey levels: images (N, 28, 28) uint8 0..255, labels (N,) int64 0..9.

    train 60,000 / test 10,000.
    """
    _check_split(split, ("train", "test"))
    paths = fetch("fashion_mnist" if fashion else "mnist", base_url=base_url)
    images = _read_idx(paths[f"{split}_images"], 0x803, ndim=3)
    labels = _read_idx(paths[f"{split}_labels"], 0x801, ndim=1).astype(np.int64)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels in the {split} split")
    return images, labels


def cifar10(split: str = "train", *, base_url: str | None = None):
    """CIFAR-10: images (N, 3, 32, 32) uint8, labels (N,) int64 0..9; train 50,000 / test 10,000.

    Read straight from the archive's python pickles (trusted: the archive's SHA-256 was checked).
    """
    _check_split(split, ("train", "test"))
    wanted = [f"data_batch_{i}" for i in range(1, 6)] if split == "train" else ["test_batch"]
    found = {}
    with tarfile.open(fetch("cifar10", base_url=base_url)["archive"], "r:gz") as tar:
        for member in tar:  # one pass: a .gz cannot seek backwards cheaply
            name = member.name.rpartition("/")[2]
            if name in wanted:
                found[name] = pickle.load(tar.extractfile(member), encoding="bytes")
    missing = [b for b in wanted if b not in found]
    if missing:
        raise ValueError(f"the CIFAR-10 archive has no {', '.join(missing)}; is it cifar-10-python.tar.gz?")
    images = [
        np.asarray(found[b][b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32) for b in wanted
    ]  # R, G, B planes
    labels = [np.asarray(found[b][b"labels"], dtype=np.int64) for b in wanted]
    return np.concatenate(images), np.concatenate(labels)
