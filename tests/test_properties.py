"""Property-based tests (hypothesis): edge-case inputs to the public functions give either a
correct result or a clear ValueError — never a crash from deep inside PyTorch or NumPy."""

import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genlib import checkpoint, data, models, orderings, viz
from genlib.exercises import Verdict, check_function, check_number
from genlib.models.base import check_shape
from genlib.orderings import check_ordering

FAST = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
sizes = st.integers(min_value=-2, max_value=9)
odd_numbers = st.one_of(
    st.integers(-3, 12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=3),
)


def is_permutation(o, n):
    return o.dtype == torch.long and o.shape == (n,) and torch.equal(o.sort().values, torch.arange(n))


# --- orderings -----------------------------------------------------------------------------------
@FAST
@given(name=st.sampled_from(sorted(orderings.NAMED)), H=sizes, W=sizes, seed=st.integers(0, 2**31))
def test_named_orderings_are_permutations_or_refused(name, H, W, seed):
    if H < 1 or W < 1:
        with pytest.raises(ValueError, match="H, W >= 1"):
            orderings.get(name, H, W, seed)
        return
    o = orderings.get(name, H, W, seed)
    assert is_permutation(o, H * W)
    r = orderings.rank(o, H, W)
    assert r.shape == (H, W) and torch.equal(r.flatten()[o], torch.arange(H * W))


@FAST
@given(H=odd_numbers, W=odd_numbers)
def test_ordering_sizes_of_any_type(H, W):
    try:
        o = orderings.get("snake", H, W)
    except ValueError as e:
        assert "H, W >= 1" in str(e)
        return
    assert isinstance(H, int) and isinstance(W, int) and is_permutation(o, H * W)


@FAST
@given(perm=st.lists(st.integers(-3, 12), max_size=12), n=st.integers(1, 12))
def test_user_orderings_are_checked(perm, n):
    ok = sorted(perm) == list(range(n))
    try:
        o = check_ordering(perm, n)
    except ValueError as e:
        assert not ok and "ordering" in str(e)
        return
    assert ok and o.tolist() == perm


# --- model shapes, inputs and sample counts --------------------------------------------------------
MODELS = sorted(models.REGISTRY.items())
DISCRETE = [(n, c) for n, c in MODELS if c.pixel_kind in ("binary", "8bit")]
BINARY = [(n, c) for n, c in MODELS if c.pixel_kind == "binary"]


@FAST
@given(shape=st.one_of(st.tuples(sizes, sizes, sizes), st.lists(odd_numbers, max_size=4)))
def test_check_shape(shape):
    try:
        out = check_shape(shape)
    except ValueError as e:
        assert "shape" in str(e)
        return
    assert len(out) == 3 and all(isinstance(s, int) and s >= 1 for s in out) and list(out) == list(shape)


@pytest.mark.parametrize("name,cls", MODELS, ids=[n for n, _ in MODELS])
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    C=st.integers(-1, 1),
    H=st.integers(-1, 4),
    W=st.integers(-1, 4),
    B=st.integers(1, 3),
    seed=st.integers(0, 99),
)
def test_models_give_a_normalised_log_prob_or_a_clear_error(name, cls, C, H, W, B, seed):
    try:
        model = cls((C, H, W))
    except ValueError as e:
        assert str(e), f"{name}: empty error message"
        return
    assert min(C, H, W) >= 1, f"{name} accepted shape {(C, H, W)}"
    if model.pixel_kind not in ("binary", "8bit"):
        return  # real-valued densities: the shape checks above are what applies to them here
    g = torch.Generator().manual_seed(seed)
    hi = 2 if model.pixel_kind == "binary" else 256
    x = torch.randint(0, hi, (B, C, H, W), generator=g).float()
    with torch.no_grad():
        lp = model.log_prob(x)
    assert lp.shape == (B,) and torch.isfinite(lp).all() and (lp <= 1e-5).all()
    s = model.sample(B)
    assert s.shape == (B, C, H, W) and ((s >= 0) & (s < hi) & (s == s.round())).all()


@pytest.mark.parametrize("name,cls", DISCRETE, ids=[n for n, _ in DISCRETE])
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.floats(allow_nan=True, allow_infinity=True, width=32) | st.integers(-1, 256),
    where=st.integers(0, 8),
)
def test_models_refuse_pixels_of_the_wrong_kind(name, cls, value, where):
    model = cls((1, 3, 3))
    x = torch.zeros(2, 1, 3, 3)
    x.view(-1)[where] = value
    top = 1 if cls.pixel_kind == "binary" else 255
    valid = math.isfinite(value) and 0 <= value <= top and float(value).is_integer()
    if valid:
        assert model.log_prob(x).shape == (2,)
    else:
        with pytest.raises(ValueError, match=type(model).__name__):
            model.log_prob(x)


@pytest.mark.parametrize("name,cls", MODELS, ids=[n for n, _ in MODELS])
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(n=odd_numbers)
def test_sample_counts(name, cls, n):
    model = cls((1, 2, 2))
    if isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 12:
        assert model.sample(n).shape == (n, 1, 2, 2)
    elif not (isinstance(n, int) and n > 12):
        with pytest.raises(ValueError, match="number of samples"):
            model.sample(n)


@pytest.mark.parametrize("name,cls", BINARY, ids=[n for n, _ in BINARY])
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(known_shape=st.lists(st.integers(1, 4), min_size=1, max_size=4))
def test_completion_masks_of_any_shape(name, cls, known_shape):
    model = cls((1, 3, 3))
    x = torch.ones(2, 1, 3, 3)
    known = torch.ones(known_shape, dtype=torch.bool)
    if tuple(known_shape) in {(3, 3), (1, 3, 3), (2, 1, 3, 3)}:
        assert torch.equal(model.complete(x, known), x)  # everything known: nothing changes
    else:
        with pytest.raises(ValueError, match="known must have shape"):
            model.complete(x, known)


# --- data, plots, checkpoints, exercise checkers ---------------------------------------------------
@FAST
@given(
    values=st.lists(st.floats(-10, 300) | st.just(float("nan")) | st.just(float("inf")), max_size=30),
    threshold=st.none() | st.floats(0, 1),
)
def test_binarize(values, threshold):
    x = np.array(values, dtype=np.float64)
    ok = all(math.isfinite(v) and 0 <= np.float32(v) <= 255 for v in values)  # binarize works in float32
    try:
        b = data.binarize(x, threshold=threshold)
    except ValueError as e:
        assert not ok and "grey levels" in str(e)
        return
    assert ok and b.shape == x.shape and set(b.unique().tolist()) <= {0.0, 1.0}
    if threshold is not None and len(values):
        x32 = x.astype(np.float32)
        scale = np.float32(255.0 if x32.max() > 1 else 1.0)
        assert b.tolist() == [float(v / scale > threshold) for v in x32]


@FAST
@given(
    n=st.integers(0, 9),
    c=st.sampled_from([1, 3]),
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    nrow=st.none() | st.integers(-1, 12),
    pad=st.integers(-1, 3),
    scale=st.sampled_from([1.0, 255.0]),
)
def test_make_grid(n, c, h, w, nrow, pad, scale):
    x = torch.rand(n, c, h, w) * scale
    try:
        grid = viz.make_grid(x, nrow=nrow, pad=pad)
    except ValueError as e:
        assert n == 0 or pad < 0 or (nrow is not None and nrow < 1), str(e)
        return
    cols = nrow or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    assert grid.shape[:2] == (rows * (h + pad) + pad, cols * (w + pad) + pad)
    assert grid.ndim == (2 if c == 1 else 3) and 0 <= grid.min() and grid.max() <= 1


@FAST
@given(junk=st.binary(max_size=200))
def test_random_bytes_are_never_a_checkpoint(tmp_path_factory, junk):
    path = tmp_path_factory.mktemp("junk") / "x.pt"
    path.write_bytes(junk)
    with pytest.raises(ValueError):
        checkpoint.load_payload(path)


@FAST
@given(position=st.integers(0, 10**6), bit=st.integers(0, 7))
def test_any_flipped_bit_in_a_checkpoint_is_detected(tmp_path_factory, position, bit):
    path = tmp_path_factory.mktemp("flip") / "m.pt"
    checkpoint.save(models.IndependentBernoulli((1, 3, 3)), path)
    raw = bytearray(path.read_bytes())
    raw[position % len(raw)] ^= 1 << bit
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError):
        checkpoint.load(path)


@FAST
@given(
    answer=odd_numbers | st.integers() | st.just(256**784) | st.just(Ellipsis),
    expected=st.integers(-5, 5) | st.just(256**784) | st.floats(-1e6, 1e6),
)
def test_check_number_always_gives_a_verdict(answer, expected):
    v = check_number(answer, expected, "hint")
    assert isinstance(v, Verdict) and isinstance(repr(v), str)
    if isinstance(answer, int) and not isinstance(answer, bool) and isinstance(expected, int):
        assert bool(v) == (answer == expected)


@FAST
@given(result=odd_numbers, crash=st.booleans())
def test_check_function_always_gives_a_verdict(result, crash):
    def learner(x):
        if crash:
            raise ZeroDivisionError("oops")
        return result

    v = check_function(learner, [((1,), 3)], "hint")
    assert isinstance(v, Verdict) and bool(v) == (not crash and result == 3)
    assert not check_function("not a function", [((1,), 3)], "hint")
