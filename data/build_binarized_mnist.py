"""Rebuild data/binarized_mnist.npz: the fixed binarization of MNIST by Larochelle & Murray (2011).

    python data/build_binarized_mnist.py SOURCE_DIR

SOURCE_DIR holds the published files binarized_mnist_{train,valid,test}.amat (text, one image a line,
784 values 0/1 separated by spaces) or MAT-file copies of them with the same names and the
extension .mat (one array X, N x 784 uint8; reading them needs scipy). Before anything is written,
each split is turned back into the published text form and its SHA-256 compared with the published
one, so the file here holds exactly the benchmark of the NADE, MADE and PixelRNN papers.

The output stores each split as np.packbits of its rows (N x 98 uint8) in a zip with fixed timestamps,
so a rebuild gives the same bytes and the same SHA-256 (BINARIZED_MNIST_SHA256 in genlib/data.py).
"""

import hashlib
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("binarized_mnist.npz")
# split here: (file name stem, rows, SHA-256 of the published .amat text file)
PUBLISHED = {
    "train": (
        "binarized_mnist_train",
        50000,
        "ad693b29f94c14277b095f5238ddefbbdaaae0939789dd2f4f0205278cee3e4d",
    ),
    "val": (
        "binarized_mnist_valid",
        10000,
        "1de3d397c40fe8eeb33dafd4099a1f665ec01e96d9be234aaeeac8a34930e2e2",
    ),
    "test": (
        "binarized_mnist_test",
        10000,
        "e6687bfea3f820c174f33b7865140b2a2dd2930ef786f35d45795fc193b5ab2c",
    ),
}


def amat_text(x: np.ndarray) -> bytes:
    """The published text form: one image a line, values separated by single spaces."""
    return "".join(" ".join(map(str, row)) + "\n" for row in x.tolist()).encode()


def read_split(folder: Path, stem: str) -> np.ndarray:
    amat, mat = folder / f"{stem}.amat", folder / f"{stem}.mat"
    if amat.is_file():
        try:
            return np.loadtxt(amat, dtype=np.uint8).reshape(-1, 784)
        except ValueError:  # some copies named .amat are in fact MAT files
            pass
    import scipy.io

    path = mat if mat.is_file() else amat
    if not path.is_file():
        sys.exit(f"{stem}.amat or {stem}.mat not found in {folder}")
    return np.asarray(scipy.io.loadmat(path)["X"], dtype=np.uint8)


def build(folder: Path) -> bytes:
    arrays = {}
    for split, (stem, rows, published) in PUBLISHED.items():
        x = read_split(folder, stem)
        digest = hashlib.sha256(amat_text(x)).hexdigest()
        if x.shape != (rows, 784) or digest != published:
            sys.exit(
                f"{stem}: shape {x.shape}, text SHA-256 {digest[:12]}... is not the published file "
                f"({rows} x 784, {published[:12]}...); nothing written"
            )
        arrays[f"{split}_bits"] = np.packbits(x, axis=1)  # (N, 98): 784 bits a row
        print(f"{split}: {x.shape}, mean {x.mean():.4f}, matches the published file")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, a in arrays.items():
            npy = io.BytesIO()
            np.save(npy, a)
            z.writestr(
                zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)),
                npy.getvalue(),
                compress_type=zipfile.ZIP_DEFLATED,
            )
    return buf.getvalue()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    data = build(Path(sys.argv[1]))
    OUT.write_bytes(data)
    print(f"wrote {OUT} ({len(data):,} bytes), sha256 {hashlib.sha256(data).hexdigest()}")
