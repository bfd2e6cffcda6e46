"""genlib.download, offline: small fake files served over loopback HTTP, fetched, verified, parsed."""

import gzip
import hashlib
import io
import pickle
import struct
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from genlib import download

DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")  # apt-get install dataset-fashion-mnist


class Handler(BaseHTTPRequestHandler):
    """Serves server.files {name: bytes}; sends server.short_by bytes fewer than Content-Length says."""

    def do_GET(self):
        self.server.hits += 1
        body = self.server.files.get(self.path.lstrip("/"))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) - self.server.short_by])

    def log_message(self, *args):
        pass


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GENLIB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "data"


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.files, srv.short_by, srv.hits = {}, 0, 0
    srv.url = f"http://127.0.0.1:{srv.server_address[1]}/"
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def stop(srv):
    srv.shutdown()
    srv.server_close()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def serve(srv, monkeypatch, name, files):
    """Put files {key: (file name, bytes)} on the server and make them dataset `name`'s registry."""
    for fname, data in files.values():
        srv.files[fname] = data
    entry = {"mirrors": ["http://mirror.invalid/"], "files": {k: (f, sha(d)) for k, (f, d) in files.items()}}
    monkeypatch.setitem(download.REGISTRY, name, entry)


def amat(bits):
    return "".join(" ".join(map(str, row)) + "\n" for row in bits).encode()


def idx(array, magic):
    return gzip.compress(
        struct.pack(f">I{array.ndim}I", magic, *array.shape) + array.astype(np.uint8).tobytes()
    )


def cifar_tar(batches):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, (x, y) in batches.items():
            data = pickle.dumps({b"data": x.reshape(len(x), -1), b"labels": list(map(int, y))}, protocol=2)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def fake_mnist(rng, n_train=5, n_test=3, magic=0x803):
    x = {
        s: rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        for s, n in (("train", n_train), ("test", n_test))
    }
    y = {s: rng.integers(0, 10, n, dtype=np.uint8) for s, n in (("train", n_train), ("test", n_test))}
    files = {
        "train_images": ("train-images-idx3-ubyte.gz", idx(x["train"], magic)),
        "train_labels": ("train-labels-idx1-ubyte.gz", idx(y["train"], 0x801)),
        "test_images": ("t10k-images-idx3-ubyte.gz", idx(x["test"], magic)),
        "test_labels": ("t10k-labels-idx1-ubyte.gz", idx(y["test"], 0x801)),
    }
    return files, x, y


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_cache_dir_follows_genlib_cache(cache, monkeypatch):
    assert download.cache_dir() == cache
    monkeypatch.delenv("GENLIB_CACHE")
    assert download.cache_dir() == Path.home() / ".cache" / "genlib" / "data"


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(ValueError, match="mnist, fashion_mnist, cifar10"):
        download.fetch("imagenet")


def test_every_real_hash_is_a_sha256():
    for entry in download.REGISTRY.values():
        for fname, digest in entry["files"].values():
            assert len(digest) == 64 and set(digest) <= set("0123456789abcdef"), fname


def test_binarized_mnist_fetch_parse_and_npy_cache(server, monkeypatch, cache):
    rng = np.random.default_rng(0)
    bits = {
        s: rng.integers(0, 2, (n, 784), dtype=np.uint8) for s, n in (("train", 4), ("val", 2), ("test", 3))
    }
    names = {
        "train": "binarized_mnist_train.amat",
        "val": "binarized_mnist_valid.amat",
        "test": "binarized_mnist_test.amat",
    }
    serve(server, monkeypatch, "binarized_mnist", {s: (names[s], amat(b)) for s, b in bits.items()})

    paths = download.fetch("binarized_mnist", base_url=server.url)
    assert paths == {s: cache / "binarized_mnist" / names[s] for s in bits}
    for split in bits:
        x = download.binarized_mnist(split, base_url=server.url)
        assert x.dtype == np.uint8 and np.array_equal(x, bits[split])
    assert (cache / "binarized_mnist" / "binarized_mnist_valid.npy").exists()  # parsed once, kept

    stop(server)  # from now on, everything comes from the cache
    assert np.array_equal(download.binarized_mnist("test"), bits["test"])
    with pytest.raises(ValueError, match="split must be one of"):
        download.binarized_mnist("valid")


def test_mnist_and_fashion_parse_idx(server, monkeypatch):
    files, x, y = fake_mnist(np.random.default_rng(1))
    serve(server, monkeypatch, "fashion_mnist", files)
    for split in ("train", "test"):
        images, labels = download.mnist(split, fashion=True, base_url=server.url)
        assert images.dtype == np.uint8 and np.array_equal(images, x[split])
        assert images.flags.writeable  # torch.as_tensor warns on read-only arrays
        assert labels.dtype == np.int64 and np.array_equal(labels, y[split])


def test_idx_wrong_magic_names_the_file(server, monkeypatch):
    files, _, _ = fake_mnist(np.random.default_rng(2), magic=0x801)  # labels' magic on the image files
    serve(server, monkeypatch, "mnist", files)
    with pytest.raises(
        ValueError, match=r"train-images-idx3-ubyte\.gz is not an IDX images file.*0x00000803"
    ):
        download.mnist("train", base_url=server.url)


def test_cifar10_reads_the_pickles_in_the_archive(server, monkeypatch):
    rng = np.random.default_rng(3)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    batches = {
        n: (rng.integers(0, 256, (2, 3, 32, 32), dtype=np.uint8), rng.integers(0, 10, 2)) for n in names
    }
    serve(server, monkeypatch, "cifar10", {"archive": ("cifar-10-python.tar.gz", cifar_tar(batches))})

    x, y = download.cifar10("train", base_url=server.url)
    assert x.shape == (10, 3, 32, 32) and x.dtype == np.uint8 and y.dtype == np.int64
    assert np.array_equal(x[2:4], batches["data_batch_2"][0]) and np.array_equal(
        y[8:], batches["data_batch_5"][1]
    )
    x, y = download.cifar10("test", base_url=server.url)
    assert np.array_equal(x, batches["test_batch"][0]) and np.array_equal(y, batches["test_batch"][1])


def test_wrong_content_is_rejected_and_not_kept(server, monkeypatch, cache):
    serve(server, monkeypatch, "cifar10", {"archive": ("cifar-10-python.tar.gz", b"the real archive")})
    server.files["cifar-10-python.tar.gz"] = b"an impostor"
    expected = sha(b"the real archive")
    with pytest.raises(ValueError, match=f"cifar-10-python.tar.gz.*{expected}.*{sha(b'an impostor')}"):
        download.fetch("cifar10", base_url=server.url)
    assert leftovers(cache / "cifar10") == []  # no final file, no temporary one


def test_truncated_download_never_leaves_a_usable_file(server, monkeypatch, cache):
    serve(server, monkeypatch, "cifar10", {"archive": ("cifar-10-python.tar.gz", bytes(range(256)) * 40)})
    server.short_by = 1000  # the connection closes before Content-Length bytes arrived
    with pytest.raises((RuntimeError, ValueError)):
        download.fetch("cifar10", base_url=server.url)
    assert leftovers(cache / "cifar10") == []
    server.short_by = 0
    assert download.fetch("cifar10", base_url=server.url)["archive"].read_bytes() == bytes(range(256)) * 40


def test_offline_error_says_what_to_download_and_where(server, monkeypatch, cache):
    files, _, _ = fake_mnist(np.random.default_rng(4))
    serve(server, monkeypatch, "mnist", files)
    stop(server)  # connection refused from now on
    with pytest.raises(download.DownloadError) as err:
        download.fetch("mnist", base_url=server.url)
    assert isinstance(err.value, RuntimeError)
    message = str(err.value)
    for fname, _ in files.values():
        assert f"{server.url}{fname}" in message
        assert str(cache / "mnist" / fname) in message
    assert leftovers(cache / "mnist") == []


def test_offline_error_lists_every_mirror(server, monkeypatch, cache):
    stop(server)
    monkeypatch.setitem(
        download.REGISTRY,
        "cifar10",
        {
            "mirrors": [server.url + "a/", server.url + "b/"],
            "files": {"archive": ("cifar-10-python.tar.gz", "0" * 64)},
        },
    )
    with pytest.raises(RuntimeError) as err:
        download.fetch("cifar10")
    path = cache / "cifar10" / "cifar-10-python.tar.gz"
    assert (
        f"{server.url}a/cifar-10-python.tar.gz\n  {server.url}b/cifar-10-python.tar.gz\n  -> save as {path}"
        in str(err.value)
    )


def test_cached_file_is_used_without_network(server, monkeypatch):
    files, x, _ = fake_mnist(np.random.default_rng(5))
    serve(server, monkeypatch, "mnist", files)
    first = download.fetch("mnist", base_url=server.url)
    hits = server.hits
    stop(server)
    assert download.fetch("mnist", base_url=server.url) == first
    assert np.array_equal(download.mnist("test")[0], x["test"])
    assert server.hits == hits == 4


def test_corrupted_cached_file_is_set_aside_and_fetched_again(server, monkeypatch):
    files, _, _ = fake_mnist(np.random.default_rng(6))
    serve(server, monkeypatch, "mnist", files)
    path = download.fetch("mnist", base_url=server.url)["test_labels"]
    path.write_bytes(b"bit rot")
    expected = sha(files["test_labels"][1])
    download.fetch("mnist", base_url=server.url)  # online: the bad file is set aside and downloaded afresh
    assert sha(path.read_bytes()) == expected
    assert path.with_name(path.name + ".corrupt").read_bytes() == b"bit rot"


def test_hand_placed_file_that_fails_its_hash_offline(server, monkeypatch):
    """Offline, a hand-placed file with the wrong SHA-256: the message says so and how to place a good copy,
    not "run again to download it"; the user's file is kept as .corrupt."""
    files, _, _ = fake_mnist(np.random.default_rng(7))
    serve(server, monkeypatch, "mnist", files)
    paths = download.fetch("mnist", base_url=server.url)
    stop(server)
    paths["test_labels"].write_bytes(b"the wrong file")
    with pytest.raises(download.DownloadError) as err:
        download.fetch("mnist", base_url=server.url)
    text = str(err.value)
    assert "corrupted" in text and sha(b"the wrong file") in text and "by hand" in text
    assert "run again" not in text and str(paths["test_labels"]) in text
    assert paths["test_labels"].with_name("t10k-labels-idx1-ubyte.gz.corrupt").exists()


def test_missing_hash_is_refused(monkeypatch):
    monkeypatch.setitem(
        download.REGISTRY,
        "cifar10",
        {"mirrors": ["http://127.0.0.1:9/"], "files": {"archive": ("cifar-10-python.tar.gz", None)}},
    )
    with pytest.raises(RuntimeError, match="no published SHA-256"):
        download.fetch("cifar10")


# Debian's package holds the published Fashion-MNIST files with one change: the build normalised
# each gzip header (dropped the stored file name, reset the time stamp), so the bytes differ by
# 23-24 bytes and so do the hashes. Putting the original header back (name + time stamp below,
# 2017-08-31 10:50 UTC) gives the published files bit for bit, so the real hashes can be checked.
FASHION_GZIP_MTIME = {
    "train-images-idx3-ubyte.gz": 1504176606,
    "train-labels-idx1-ubyte.gz": 1504176606,
    "t10k-images-idx3-ubyte.gz": 1504176627,
    "t10k-labels-idx1-ubyte.gz": 1504176627,
}


def published_fashion_file(fname):
    data = (DEBIAN_FASHION / fname).read_bytes()
    assert data[:4] == b"\x1f\x8b\x08\x00", f"{fname}: unexpected gzip header {data[:10].hex()}"
    header = b"\x1f\x8b\x08\x08" + struct.pack("<I", FASHION_GZIP_MTIME[fname]) + b"\x00\x03"
    return header + fname.removesuffix(".gz").encode() + b"\x00" + data[10:]


@pytest.mark.skipif(
    not DEBIAN_FASHION.is_dir(),
    reason="real Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)",
)
def test_real_fashion_mnist_matches_the_published_hashes(server):
    for fname in FASHION_GZIP_MTIME:
        server.files[fname] = published_fashion_file(fname)
    download.fetch("fashion_mnist", base_url=server.url)  # the real REGISTRY: real SHA-256 checks
    for split, n in (("train", 60000), ("test", 10000)):
        images, labels = download.mnist(split, fashion=True)
        assert images.shape == (n, 28, 28) and images.dtype == np.uint8
        assert np.array_equal(np.bincount(labels), np.full(10, n // 10))  # 10 balanced classes 0..9
