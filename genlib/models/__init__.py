"""Every model of the book, one contract (see `genlib.models.base`), one model family per file:

    base.py          GenerativeModel, AutoregressiveModel: the contract, the one sampling loop (ch. 00)
    independent.py   IndependentBernoulli (ch. 02)       markov.py   MarkovTable, AR(k) (ch. 03)
    fvsbn.py         FVSBN (ch. 04)
    nade.py          NADE, OrderAgnosticNADE; nade_kernel.py: NADE's fused fast path; rnade.py: RNADE (ch. 05)
    masked.py        masked convolutions; pixel.py: PixelModel, the architecture the next two share  (ch. 07)
    pixelrnn.py      RowLSTM, DiagonalBiLSTM             pixelcnn.py  PixelCNN  (ch. 07)
    made.py          MADE: every conditional in one pass of a masked MLP
    gated_pixelcnn.py  GatedPixelCNN: vertical and horizontal stacks, no blind spot

`REGISTRY` maps the lower-case name the CLI uses to the class.
"""

from .base import AutoregressiveModel, GenerativeModel, all_binary_images
from .independent import IndependentBernoulli
from .markov import MarkovTable
from .fvsbn import FVSBN
from .pixel import PixelModel
from .pixelrnn import DiagonalBiLSTM, RowLSTM
from .pixelcnn import PixelCNN
from .nade import NADE, OrderAgnosticNADE
from .rnade import RNADE
from .made import MADE
from .gated_pixelcnn import GatedPixelCNN

REGISTRY = {
    "independent": IndependentBernoulli,
    "markov": MarkovTable,
    "fvsbn": FVSBN,
    "row_lstm": RowLSTM,
    "diagonal_bilstm": DiagonalBiLSTM,
    "pixelcnn": PixelCNN,
    "nade": NADE,
    "oanade": OrderAgnosticNADE,
    "rnade": RNADE,
    "made": MADE,
    "gated_pixelcnn": GatedPixelCNN,
}


def get(name: str):
    """The model class for a CLI name such as 'independent' or 'nade'."""
    key = name.lower().replace("-", "_")
    by_class = {cls.__name__.lower(): cls for cls in REGISTRY.values()}
    if key in REGISTRY:
        return REGISTRY[key]
    if key in by_class:
        return by_class[key]
    raise ValueError(f"unknown model {name!r}; known models: {', '.join(sorted(REGISTRY))}")


__all__ = [
    "GenerativeModel",
    "AutoregressiveModel",
    "PixelModel",
    "IndependentBernoulli",
    "MarkovTable",
    "FVSBN",
    "RowLSTM",
    "DiagonalBiLSTM",
    "PixelCNN",
    "NADE",
    "OrderAgnosticNADE",
    "RNADE",
    "MADE",
    "GatedPixelCNN",
    "REGISTRY",
    "get",
    "all_binary_images",
]
