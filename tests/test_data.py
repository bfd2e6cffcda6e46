import numpy as np
import pytest
import torch

from genlib import data


def test_mnist5k_splits_are_binary_and_balanced():
    sizes = {}
    for split in data.SPLITS:
        x, y = data.load("mnist5k", split, labels=True)
        assert x.shape[1:] == (1, 28, 28)
        assert set(x.unique().tolist()) == {0.0, 1.0}
        assert torch.bincount(y, minlength=10).tolist() == [len(y) // 10] * 10
        sizes[split] = len(x)
    assert sizes == {"train": 4000, "val": 500, "test": 500}


def test_mnist5k_is_the_stochastic_binarization_of_the_grey_digits():
    x = data.load("mnist5k", "train")
    grey = data.load("mnist5k_grey", "train")
    assert torch.all(x[grey == 0] == 0) and torch.all(x[grey == 255] == 1)
    # mean of the bits matches the mean grey level / 255 (stochastic binarization is unbiased)
    assert x.mean().item() == pytest.approx((grey / 255).mean().item(), abs=0.003)


def test_binarized_mnist_is_the_published_benchmark():
    """The embedded file holds Larochelle & Murray's splits: written out as the published .amat text,
    the test split has the published SHA-256 (the same check data/build_binarized_mnist.py makes)."""
    import importlib.util
    import hashlib

    spec = importlib.util.spec_from_file_location("build", data.DATA_DIR / "build_binarized_mnist.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    sizes = {split: len(data.load("binarized_mnist", split)) for split in data.SPLITS}
    assert sizes == {"train": 50000, "val": 10000, "test": 10000}
    x = data.load("binarized_mnist", "test")
    assert x.shape[1:] == (1, 28, 28) and set(x.unique().tolist()) == {0.0, 1.0}
    text = build.amat_text(x.flatten(1).to(torch.uint8).numpy())
    assert hashlib.sha256(text).hexdigest() == build.PUBLISHED["test"][2]
    with pytest.raises(ValueError, match="no labels"):
        data.load("binarized_mnist", "test", labels=True)


def test_corrupted_binarized_mnist_is_refused(tmp_path, monkeypatch):
    raw = bytearray((data.DATA_DIR / "binarized_mnist.npz").read_bytes())
    raw[len(raw) // 2] ^= 1  # one flipped bit
    (tmp_path / "binarized_mnist.npz").write_bytes(bytes(raw))
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data, "_cache", {})
    with pytest.raises(ValueError, match="corrupted.*git checkout data/binarized_mnist.npz"):
        data.load("binarized_mnist", "val")


def test_digits8():
    x, y = data.load("digits8", "train", labels=True)
    assert x.shape[1:] == (1, 8, 8) and 0 <= x.min() and x.max() <= 16
    total = sum(len(data.load("digits8", s)) for s in data.SPLITS)
    assert total == 1797


def test_npz_path_is_a_dataset(tmp_path):
    imgs = np.random.default_rng(0).integers(0, 2, (7, 784), dtype=np.uint8)
    np.savez(tmp_path / "mine.npz", x=imgs)
    x = data.load(str(tmp_path / "mine.npz"))
    assert x.shape == (5, 1, 28, 28)
    np.savez(tmp_path / "grey.npz", x=(imgs * 200).astype(np.uint8))
    with pytest.raises(ValueError, match="binary"):
        data.load(str(tmp_path / "grey.npz"))
    np.savez(tmp_path / "nox.npz", images=imgs)
    with pytest.raises(ValueError, match="no array 'x_train' or 'x'"):
        data.load(str(tmp_path / "nox.npz"))
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a readable"):
        data.load(str(tmp_path / "junk.npz"))


def test_unknown_names_and_splits():
    with pytest.raises(ValueError, match="unknown dataset 'mnits'"):
        data.load("mnits")
    with pytest.raises(ValueError, match="split"):
        data.load("mnist5k", "validation")


def test_corrupted_embedded_file_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "mnist5k.npz"
    bad.write_bytes((data.DATA_DIR / "mnist5k.npz").read_bytes()[:-100])
    monkeypatch.setattr(data, "DATA_DIR", tmp_path)
    monkeypatch.setattr(data, "_cache", {})
    with pytest.raises(ValueError, match="corrupted"):
        data.load("mnist5k")


def test_binarize():
    grey = torch.tensor([[0.0, 255.0, 128.0]])
    assert data.binarize(grey, threshold=0.5).tolist() == [[0.0, 1.0, 1.0]]
    many = data.binarize(torch.full((20000,), 64.0), seed=3)
    assert many.mean().item() == pytest.approx(64 / 255, abs=0.01)


def test_npz_with_one_array_is_split_into_disjoint_train_val_test(tmp_path):
    """One key x: 80 / 10 / 10 by a fixed permutation, every image in exactly one split, the same every time;
    validation is never the training set."""
    imgs = np.random.default_rng(1).integers(0, 2, (50, 784), dtype=np.uint8)
    imgs[:, 0] = np.arange(50) % 2  # make images distinct: id in the first bits
    imgs[:, 1:7] = (np.arange(50)[:, None] >> np.arange(6)) & 1
    np.savez(tmp_path / "one.npz", x=imgs, y=np.arange(50))
    parts = {s: data.load(str(tmp_path / "one.npz"), s, labels=True) for s in data.SPLITS}
    ids = {s: parts[s][1].tolist() for s in data.SPLITS}
    assert [len(ids[s]) for s in data.SPLITS] == [40, 5, 5]
    assert sorted(ids["train"] + ids["val"] + ids["test"]) == list(range(50))
    for s in data.SPLITS:  # labels travel with their images
        assert torch.equal(parts[s][0].flatten(1), torch.from_numpy(imgs[ids[s]]).float())
    assert ids == {s: data.load(str(tmp_path / "one.npz"), s, labels=True)[1].tolist() for s in data.SPLITS}
    np.savez(tmp_path / "two.npz", x=imgs[:2])
    with pytest.raises(ValueError, match="at least 3 images"):
        data.load(str(tmp_path / "two.npz"))


def test_npz_with_named_splits(tmp_path):
    a, b, c = (np.full((n, 1, 4, 4), v, dtype=np.uint8) for n, v in ((6, 0), (3, 1), (2, 1)))
    np.savez(tmp_path / "s.npz", x_train=a, x_val=b, x_test=c)
    assert [len(data.load(str(tmp_path / "s.npz"), s)) for s in data.SPLITS] == [6, 3, 2]
    assert data.load(str(tmp_path / "s.npz"), "val").mean() == 1  # not the training images
    np.savez(tmp_path / "noval.npz", x_train=a, x_test=c)
    with pytest.raises(ValueError, match="no array 'x_val'.*x_train, x_test"):
        data.load(str(tmp_path / "noval.npz"), "val")
    with pytest.raises(ValueError, match="split must be one of"):
        data.load(str(tmp_path / "s.npz"), "bogus")
    np.savez(tmp_path / "empty.npz", x_train=a[:0], x_val=b, x_test=c)
    with pytest.raises(ValueError, match="holds no images"):
        data.load(str(tmp_path / "empty.npz"), "train")
    np.savez(tmp_path / "complex.npz", x=np.ones((5, 784), dtype=np.complex64))
    with pytest.raises(ValueError, match="uint8"):
        data.load(str(tmp_path / "complex.npz"))
