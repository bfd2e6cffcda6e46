"""RNADE: NADE for real-valued pixels (chapter 05; Uria, Murray & Larochelle, 2013).

g = data.load("digits8", "train")                       # grey levels 0..16
model = RNADE((1, 8, 8), hidden=100, components=5)
train.fit(model, g, x_val, transform=Dequantize(17))     # fresh noise u every epoch: (g + u) / 17
model.log_prob(dequantize(g, levels=17))                 # exact log density of (0, 1)-valued images, nats
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .base import AutoregressiveModel
from .nade import running_sum

LOG_SIGMA_MIN, LOG_SIGMA_MAX = -7.0, 2.0
EPS = 1e-6  # dequantized values stay in [EPS, 1 - EPS], inside (0, 1)


def dequantize(x, levels: int = 17, seed: int | None = 0) -> torch.Tensor:
    """Integer grey levels 0..levels-1 -> reals in (0, 1): (x + u) / levels with u ~ U(0, 1).

    seed: a fixed draw of the noise (for val and test); None: fresh noise from torch's global generator.
    A density p on the dequantized values bounds the probability of the grey levels (chapter 05):
    log P(levels) >= E_u[log p((x + u) / levels)] - D log(levels) (Theis, van den Oord & Bethge, 2016).
    """
    x = torch.as_tensor(x).float()
    if x.min() < 0 or x.max() > levels - 1 or not torch.equal(x, x.round()):
        raise ValueError(
            f"dequantize expects integer grey levels in 0..{levels - 1}; got values in "
            f"[{x.min().item():g}, {x.max().item():g}]"
        )
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    u = torch.rand(x.shape, generator=gen).to(x.device)
    return ((x + u) / levels).clamp(EPS, 1 - EPS)  # float rounding must never give exactly 0 or 1


class Dequantize:
    """A per-batch transform for `train.fit`: fresh dequantization noise every time a batch is drawn.

    train.fit(model, grey_levels, x_val, transform=Dequantize(17))   # every epoch sees new u
    Dequantizing the training set once would let the model fit that one draw of u, not the grey levels.
    """

    def __init__(self, levels: int = 17):
        self.levels = levels

    def __call__(self, x):
        return dequantize(x, self.levels, seed=None)

    def __repr__(self):  # part of fit_or_load's cache key: the same for every run
        return f"Dequantize(levels={self.levels})"


class RNADE(AutoregressiveModel):
    """Real-valued NADE (chapter 05): every conditional a mixture of K Gaussians.

    a_d = c + W[o[<d]]^T x_o[<d],  h_d = sigmoid(rho_d a_d)         (the NADE hidden layer, shared W)
    p(x_o[d] | x_o[<d]) = sum_k alpha_dk N(x_o[d]; mu_dk, sigma_dk^2)
    [logit alpha_d, mu_d, log sigma_d] = b_d + V_d^T h_d            V_d: (H, 3K), one per pixel
    Cost O(HD + DHK) per image; log_prob is an exact log density in nats.
    """

    pixel_kind = "real"

    def __init__(self, shape=(1, 8, 8), hidden: int = 100, components: int = 5, ordering=None):
        super().__init__(shape, ordering)
        for name, v in (("hidden", hidden), ("components", components)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int; got {v!r}")
        self.hidden, self.components = hidden, components
        D, H, K = self.dim, hidden, components
        self.W = nn.Parameter(torch.randn(D, H) / math.sqrt(D))
        self.c = nn.Parameter(torch.zeros(H))
        self.rho = nn.Parameter(torch.ones(D))
        self.V = nn.Parameter(torch.randn(D, H, 3 * K) * 0.01)
        b = torch.zeros(D, 3, K)
        b[:, 1] = torch.linspace(0, 1, K)  # spread the initial means over the data range (0, 1)
        b[:, 2] = math.log(0.3)
        self.b = nn.Parameter(b.view(D, 3 * K))

    def _mixture(self, h, d):
        """Mixture parameters from hidden units h (..., H) at steps d: log alpha, mu, log sigma (..., K)."""
        out = torch.einsum("...h,...hk->...k", h, self.V[d]) + self.b[d]
        logit_alpha, mu, log_sigma = out.chunk(3, -1)
        return F.log_softmax(logit_alpha, -1), mu, log_sigma.clamp(LOG_SIGMA_MIN, LOG_SIGMA_MAX)

    def forward(self, x):
        """Mixture parameters of every conditional, (B, 3K, *shape): log alpha, mu, log sigma."""
        x = self.check_input(x)
        steps = self.steps()
        x_o = x.flatten(1)[:, steps]  # (B, D)
        contrib = x_o.unsqueeze(2) * self.W[steps]  # (B, D, H)
        a = self.c + torch.cumsum(contrib, 1) - contrib  # sum over j < d only
        h = torch.sigmoid(self.rho[steps, None] * a)
        params = torch.cat(self._mixture(h, steps), -1)  # (B, D, 3K) in order
        out = torch.empty_like(params)
        out[:, steps] = params
        return out.transpose(1, 2).reshape(x.shape[0], -1, *self.shape)

    def conditional_log_density(self, x) -> torch.Tensor:
        """log p(x_i | pixels before i) for every pixel, in image layout (B, *shape)."""
        x = self.check_input(x)
        log_alpha, mu, log_sigma = self(x).unflatten(1, (3, self.components)).unbind(1)  # (B, K, *shape)
        z = (x.unsqueeze(1) - mu) / log_sigma.exp()
        log_normal = -0.5 * z**2 - log_sigma - 0.5 * math.log(2 * math.pi)
        return torch.logsumexp(log_alpha + log_normal, 1)

    def log_prob(self, x):
        """Exact log density log p(x) in nats, (B,)."""
        return self.conditional_log_density(x).flatten(1).sum(1)

    def conditional(self, x, d, cache):
        """The mixture of step d from the running sum of NADE (`running_sum`): O(H K) per step."""
        s = cache["steps"][d]
        h = torch.sigmoid(self.rho[s] * (self.c + running_sum(x, d, cache, self.W)))
        return torch.cat(self._mixture(h, s), -1)  # (B, 3K), as in forward

    def draw(self, params):
        """Pick a component k with probability alpha_k, then x ~ N(mu_k, sigma_k^2): (B,)."""
        log_alpha, mu, log_sigma = params.chunk(3, -1)  # each (B, K)
        k = torch.multinomial(log_alpha.exp(), 1)  # (B, 1)
        return (mu.gather(1, k) + log_sigma.gather(1, k).exp() * torch.randn_like(mu[:, :1])).squeeze(1)
