"""The fast path of NADE (genlib/models/nade_kernel.py) against the formula as written (genlib/models/nade.py)."""
import pytest
import torch

from genlib.models import NADE, OrderAgnosticNADE
from genlib.models.nade import loop_logits, naive_logits
from genlib.models.nade_kernel import shared_weight_logits

TOLERANCE = {torch.float64: dict(atol=1e-10, rtol=1e-9), torch.float32: dict(atol=2e-5, rtol=1e-4)}
SHAPE = (1, 4, 5)   # D = 20: blocks of 3 and 7 do not divide it


def random_model(cls, dtype, seed, hidden=7):
    """A model away from its initialisation (U starts at zero), on a random ordering, in `dtype`."""
    g = torch.Generator().manual_seed(seed)
    model = cls(SHAPE, hidden=hidden, ordering=torch.randperm(20, generator=g)).to(dtype)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.7 * torch.randn(p.shape, generator=g, dtype=dtype))
    return model


def binary(batch, dtype, seed):
    return torch.bernoulli(torch.full((batch, *SHAPE), 0.4, dtype=dtype), generator=torch.Generator().manual_seed(seed))


def kernel_logits(model, x, block, images):
    """The kernel called the way NADE.logits_in_order calls it, with explicit block sizes. (B, D) in order."""
    steps = model.steps()
    x_o = x.flatten(1)[:, steps]
    return shared_weight_logits(x_o, model.W[steps], model.step_bias(steps), model.V[steps], model.b[steps],
                                block=block, images=images)


def values_and_gradients(model, logits_fn, x):
    """The logits, log p(x), and the gradients of a loss that weights every logit differently."""
    x = x.clone().requires_grad_(True)
    logits = logits_fn(x)
    x_o = x.detach().flatten(1)[:, model.steps()]
    log_prob = -torch.nn.functional.binary_cross_entropy_with_logits(logits, x_o, reduction="none").sum(1)
    weights = torch.linspace(-1, 2, logits.numel(), dtype=logits.dtype).view_as(logits)
    loss = (weights * logits).sum() - log_prob.sum()
    grads = torch.autograd.grad(loss, [x, *model.parameters()], allow_unused=True)
    return logits.detach(), log_prob.detach(), grads


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("cls", [NADE, OrderAgnosticNADE], ids=lambda c: c.__name__)
@pytest.mark.parametrize("block, images", [(1, 5), (3, 2), (4, 64), (7, 3), (20, 1), (32, 4)])
@pytest.mark.parametrize("batch", [0, 1, 9])
def test_fast_path_equals_the_formula_and_the_loop_in_values_and_gradients(dtype, cls, block, images, batch):
    model = random_model(cls, dtype, seed=block + 10 * batch)
    x = binary(batch, dtype, seed=batch)
    fast = values_and_gradients(model, lambda x: kernel_logits(model, x, block, images), x)
    for reference in (naive_logits, loop_logits):
        ref = values_and_gradients(model, lambda x: reference(model, x), x)
        assert fast[0].shape == ref[0].shape == (batch, 20)
        assert torch.allclose(fast[0], ref[0], **TOLERANCE[dtype]), "logits"
        assert torch.allclose(fast[1], ref[1], **TOLERANCE[dtype]), "log p(x)"
        names = ["x"] + [name for name, _ in model.named_parameters()]
        for name, a, b in zip(names, fast[2], ref[2]):
            a = torch.zeros_like(x) if a is None else a   # the loop does not use the last pixel at all
            b = torch.zeros_like(x) if b is None else b
            assert torch.allclose(a, b, **TOLERANCE[dtype]), f"gradient w.r.t. {name}"


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
    logits = shared_weight_logits(x, model.W[steps], model.step_bias(steps), model.V[steps], model.b[steps],
                                  block=block)
    for d in range(20):
        (g,) = torch.autograd.grad(logits[:, d].sum(), x, retain_graph=True)
        assert torch.all(g[:, d:] == 0), f"step {d} sees itself or a later pixel"
        if d > 0:
            assert torch.all(g[:, :d].abs().sum(1) > 0), f"step {d} ignores the pixels before it"


def test_the_result_does_not_depend_on_the_block_sizes():
    model = random_model(NADE, torch.float32, seed=7, hidden=50)
    x = binary(33, torch.float32, seed=7)
    with torch.no_grad():
        outs = [kernel_logits(model, x, block, images) for block, images in [(1, 33), (5, 8), (16, 3), (20, 64)]]
    for out in outs[1:]:
        assert torch.allclose(out, outs[0], atol=1e-5)
