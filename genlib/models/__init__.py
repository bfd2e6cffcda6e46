"""Every model of the book, one contract (see `genlib.models.base`).

`REGISTRY` maps the lower-case name the CLI uses to the class.
"""
from .base import AutoregressiveModel, GenerativeModel, all_binary_images, check_ordering
from .independent import IndependentBernoulli
from .markov import MarkovTable
from .fvsbn import FVSBN
from .pixelrnn import DiagonalBiLSTM, PixelCNN, RowLSTM
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


__all__ = ["GenerativeModel", "AutoregressiveModel", "IndependentBernoulli", "MarkovTable", "FVSBN", "RowLSTM", "DiagonalBiLSTM", "PixelCNN", "NADE", "OrderAgnosticNADE", "RNADE", "MADE", "GatedPixelCNN", "REGISTRY", "get",
           "all_binary_images", "check_ordering"]
