"""NADE's fast paths (genlib/models/nade_kernel.py) against the formula as written (genlib/models/nade.py)."""

import pytest
import torch

from genlib.models import NADE, OrderAgnosticNADE, nade_kernel
from genlib.models import nade as nade_lib
from genlib.models.nade import loop_logits, naive_logits
from genlib.models.nade_kernel import shared_weight_logits

TOLERANCE = {torch.float64: dict(atol=1e-10, rtol=1e-9), torch.float32: dict(atol=2e-5, rtol=1e-4)}
SHAPE = (1, 4, 5)  # D = 20: blocks of 3 and 7 do not divide it


def random_model(cls, dtype, seed, hidden=7):
    """A model away from its initialisation (U starts at zero), on a random ordering, in `dtype`."""
    g = torch.Generator().manual_seed(seed)
    model = cls(SHAPE, hidden=hidden, ordering=torch.randperm(20, generator=g)).to(dtype)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.7 * torch.randn(p.shape, generator=g, dtype=dtype))
    return model


def binary(batch, dtype, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.bernoulli(torch.full((batch, *SHAPE), 0.4, dtype=dtype), generator=g)


def kernel_logits(model, x, block, images, path):
    """The kernel called the way NADE.logits_in_order calls it, with explicit sizes and path. (B, D) in order.

    path "runs": NADE's c.expand(D, H) (one c for every step); "blocks": the same numbers in a (D, H)
    tensor of its own, as the order-agnostic NADE passes them, which takes the general kernel.
    """
    steps = model.steps()
    c = model.step_bias(steps)
    if path == "blocks":
        c = c.contiguous()
    elif c.stride(0) != 0:
        raise AssertionError("the runs kernel needs one hidden bias for every step")
    return shared_weight_logits(
        x.flatten(1)[:, steps], model.W[steps], c, model.V[steps], model.b[steps], block=block, images=images
    )


def values_and_gradients(model, logits_fn, x, wrt_x):
    """The logits, log p(x), and the gradients of a loss that weights every logit differently."""
    x = x.clone().requires_grad_(wrt_x)
    logits = logits_fn(x)
    x_o = x.detach().flatten(1)[:, model.steps()]
    log_prob = -torch.nn.functional.binary_cross_entropy_with_logits(logits, x_o, reduction="none").sum(1)
    weights = torch.linspace(-1, 2, logits.numel(), dtype=logits.dtype).view_as(logits)
    loss = (weights * logits).sum() - log_prob.sum()
    wrt = [x] * wrt_x + list(model.parameters())
    grads = torch.autograd.grad(loss, wrt, allow_unused=True)
    names = ["x"] * wrt_x + [name for name, _ in model.named_parameters()]
    return logits.detach(), log_prob.detach(), dict(zip(names, grads))


PATHS = [("blocks", NADE), ("blocks", OrderAgnosticNADE), ("runs", NADE)]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("path, cls", PATHS, ids=lambda p: getattr(p, "__name__", p))
@pytest.mark.parametrize("block, images", [(1, 5), (3, 2), (4, 64), (7, 3), (20, 1), (32, 4)])
@pytest.mark.parametrize("batch", [0, 1, 9])
def test_fast_path_equals_the_formula_and_the_loop_in_values_and_gradients(
    dtype, path, cls, block, images, batch
):
    model = random_model(cls, dtype, seed=block + 10 * batch)
    x = binary(batch, dtype, seed=batch)
    wrt_x = path == "blocks"  # the runs kernel gives no gradient w.r.t. x
    fast = values_and_gradients(model, lambda x: kernel_logits(model, x, block, images, path), x, wrt_x)
    for reference in (naive_logits, loop_logits):
        ref = values_and_gradients(model, lambda x: reference(model, x), x, wrt_x)
        assert fast[0].shape == ref[0].shape == (batch, 20)
        assert torch.allclose(fast[0], ref[0], **TOLERANCE[dtype]), "logits"
        assert torch.allclose(fast[1], ref[1], **TOLERANCE[dtype]), "log p(x)"
        assert fast[2].keys() == ref[2].keys()
        for name, a in fast[2].items():
            b = ref[2][name]
            a = torch.zeros_like(x) if a is None else a  # the loop does not use the last pixel at all
            b = torch.zeros_like(x) if b is None else b
            assert torch.allclose(a, b, **TOLERANCE[dtype]), f"gradient w.r.t. {name}"


@pytest.mark.parametrize("density", [0.0, 1.0])
def test_runs_kernel_on_blank_and_full_images(density):
    """No nonzero pixel: one hidden layer per image; all ones: a new layer at every step."""
    model = random_model(NADE, torch.float64, seed=4)
    x = torch.full((3, *SHAPE), density, dtype=torch.float64)
    fast = values_and_gradients(model, lambda x: kernel_logits(model, x, 6, 2, "runs"), x, False)
    ref = values_and_gradients(model, lambda x: naive_logits(model, x), x, False)
    assert torch.allclose(fast[0], ref[0], **TOLERANCE[torch.float64])
    for name, a in fast[2].items():
        assert torch.allclose(a, ref[2][name], **TOLERANCE[torch.float64]), name


@pytest.mark.parametrize("density", [0.05, 0.15, 0.6])
@pytest.mark.parametrize("block", [2, 4, 7])
def test_runs_kernel_gradients_when_blocks_skip_images(density, block):
    """Sparse images (most blocks hold no nonzero pixel of a given image, as on MNIST) and dense ones:
    the backward pass sends the later blocks' gradient back through each image's last new layer, or
    straight to the block start when the block has none; both must give the formula's gradients."""
    model = random_model(NADE, torch.float64, seed=block)
    g = torch.Generator().manual_seed(block)
    x = torch.bernoulli(torch.full((12, *SHAPE), density, dtype=torch.float64), generator=g)
    fast = values_and_gradients(model, lambda x: kernel_logits(model, x, block, 12, "runs"), x, False)
    ref = values_and_gradients(model, lambda x: naive_logits(model, x), x, False)
    assert torch.allclose(fast[0], ref[0], **TOLERANCE[torch.float64])
    for name, a in fast[2].items():
        assert torch.allclose(a, ref[2][name], **TOLERANCE[torch.float64]), name


@pytest.mark.parametrize("cls", [NADE, OrderAgnosticNADE])
def test_raster_order_skips_the_reordering_and_gives_the_same_values_and_gradients(cls, monkeypatch):
    """In raster order NADE.forward hands W, V and b to the kernel as they are (no copies); the
    logits and every parameter's gradient still equal the formula's, and a permuted copy is never made."""
    model = random_model(cls, torch.float64, seed=11)
    model.ordering = torch.arange(20)
    assert nade_lib.in_raster_order(model.steps())
    x = binary(7, torch.float64, seed=11)
    seen, original = [], nade_kernel.shared_weight_logits

    def recording(x_o, W, *args):
        seen.append(W)
        return original(x_o, W, *args)

    monkeypatch.setattr(nade_kernel, "shared_weight_logits", recording)
    fast = values_and_gradients(model, lambda x: model(x).flatten(1), x, False)
    assert seen and all(W is model.W for W in seen), "raster order should pass W itself, not a copy"
    ref = values_and_gradients(model, lambda x: naive_logits(model, x), x, False)
    assert torch.allclose(fast[0], ref[0], **TOLERANCE[torch.float64])
    for name, a in fast[2].items():
        assert torch.allclose(a, ref[2][name], **TOLERANCE[torch.float64]), name
    assert not nade_lib.in_raster_order(torch.tensor([1, 0, 2]))


def test_nade_takes_the_runs_kernel_and_the_order_agnostic_nade_the_blocks(monkeypatch):
    calls = []

    def recording(kernel):
        def apply(*args):
            calls.append(kernel.__name__)
            return original(*args)

        original = kernel.apply
        return apply

    for kernel in (nade_kernel.RunLogits, nade_kernel.SharedWeightLogits):
        monkeypatch.setattr(kernel, "apply", recording(kernel))
    x = binary(4, torch.float32, seed=0)
    for cls in (NADE, OrderAgnosticNADE):
        random_model(cls, torch.float32, seed=0)(x)
    random_model(NADE, torch.float32, seed=0)(x.requires_grad_(True))  # a gradient w.r.t. x: blocks
    assert calls == ["RunLogits", "SharedWeightLogits", "SharedWeightLogits"]


def test_runs_kernel_refuses_a_gradient_wrt_x():
    model = random_model(NADE, torch.float32, seed=0)
    steps = model.steps()
    x_o = binary(2, torch.float32, seed=0).flatten(1)[:, steps].requires_grad_(True)
    with pytest.raises(ValueError, match="SharedWeightLogits"):
        nade_kernel.RunLogits.apply(x_o, model.W, model.step_bias(steps), model.V, model.b, 4)


def test_default_blocks_are_what_nade_forward_uses():
    model = random_model(NADE, torch.float32, seed=3)
    x = binary(5, torch.float32, seed=3)
    with torch.no_grad():
        assert torch.allclose(model(x).flatten(1)[:, model.steps()], loop_logits(model, x), atol=1e-5)


@pytest.mark.parametrize("block", [1, 3, 8, 20])
def test_autoregressive_property_by_gradients(block):
    """d logit_d / d x_i is exactly zero for every pixel i at or after step d, and not all zero before it."""
    model = random_model(NADE, torch.float64, seed=block)
    steps = model.steps()
    x = binary(2, torch.float64, seed=block).flatten(1)[:, steps].requires_grad_(True)
    logits = shared_weight_logits(
        x, model.W[steps], model.step_bias(steps), model.V[steps], model.b[steps], block=block
    )  # x needs a gradient: the blocks kernel
    for d in range(20):
        (g,) = torch.autograd.grad(logits[:, d].sum(), x, retain_graph=True)
        assert torch.all(g[:, d:] == 0), f"step {d} sees itself or a later pixel"
        if d > 0:
            assert torch.all(g[:, :d].abs().sum(1) > 0), f"step {d} ignores the pixels before it"


def test_runs_kernel_is_autoregressive():
    """Changing the pixels at and after step d leaves logit d as it was; changing those before moves it.

    (The runs kernel takes no gradient w.r.t. x, so this checks the property by perturbation.)"""
    model = random_model(NADE, torch.float64, seed=9)
    steps = model.steps()
    x = binary(6, torch.float64, seed=9).flatten(1)  # image layout, pixel i = steps[d]
    for d in range(20):
        later, earlier = x.clone(), x.clone()
        later[:, steps[d:]] = 1 - later[:, steps[d:]]
        earlier[:, steps[:d]] = 1 - earlier[:, steps[:d]]
        with torch.no_grad():
            base, moved_later, moved_earlier = (
                kernel_logits(model, v.view(-1, *SHAPE), 3, 4, "runs")[:, d] for v in (x, later, earlier)
            )
        assert torch.allclose(moved_later, base, atol=1e-12, rtol=0), f"step {d} sees itself or a later pixel"
        if d > 0:
            assert not torch.allclose(moved_earlier, base), f"step {d} ignores the pixels before it"


@pytest.mark.parametrize("path", ["blocks", "runs"])
def test_the_result_does_not_depend_on_the_block_sizes(path):
    model = random_model(NADE, torch.float32, seed=7, hidden=50)
    x = binary(33, torch.float32, seed=7)
    with torch.no_grad():
        sizes = [(1, 33), (5, 8), (16, 3), (20, 64)]
        outs = [kernel_logits(model, x, block, images, path) for block, images in sizes]
    for out in outs[1:]:
        assert torch.allclose(out, outs[0], atol=1e-5)
