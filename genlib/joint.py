"""An exact joint distribution over a few discrete variables, stored as a table (chapters 01–02).

    J = Joint.from_data(pixels, names=["a", "b", "c"])   # empirical frequencies of real data
    J.marginal("a", "b")                  # p(a, b): sum c out
    J.condition(b=1)                      # p(a, c | b = 1)
    J.chain_rule(["c", "a", "b"])         # p(c) p(a|c) p(b|c,a): the same table again, exactly
    J.factorize({"a": [], "b": ["a"], "c": ["b"]})   # p(a) p(b|a) p(c|b): drops c's dependence on a
    J.independent("a", "c", given=["b"])  # is a independent of c given b?

A table over d variables with m values each has m**d cells, so this is for a few variables
only: it is the object the whole book tries to avoid writing down for 784 pixels.
Probabilities are float64; for one variable (a Bernoulli or a categorical) see `categorical_mle`.
"""

from __future__ import annotations

import math

import torch

MAX_CELLS = 2**24


def _as_list(names) -> list:
    if names is None:
        return []
    return [names] if isinstance(names, str) else list(names)


class Joint:
    """p(x_1, ..., x_d) as a table: table[v_1, ..., v_d] = p(x_1 = v_1, ..., x_d = v_d)."""

    def __init__(self, table, names, tol: float = 1e-6):
        t = torch.as_tensor(table, dtype=torch.float64)
        names = _as_list(names)
        if t.dim() != len(names):
            raise ValueError(
                f"the table has {t.dim()} axes but {len(names)} names {names}; give one name per variable"
            )
        if len(set(names)) != len(names) or not all(isinstance(n, str) and n for n in names):
            raise ValueError(f"variable names must be distinct non-empty strings; got {names}")
        if t.numel() > MAX_CELLS:
            raise ValueError(
                f"a table of {t.numel():,} cells is too big to write down; keep it under "
                f"{MAX_CELLS:,} (that is the point of chapters 02-07)"
            )
        if not torch.isfinite(t).all():
            raise ValueError("the table holds NaN or infinite entries; probabilities are finite numbers")
        if (t < 0).any():
            raise ValueError(f"probabilities cannot be negative; the table has an entry {t.min().item():g}")
        if abs(t.sum().item() - 1) > tol:
            raise ValueError(
                f"a joint table must sum to 1; this one sums to {t.sum().item():.6g}. "
                f"Divide by its sum, or build it with Joint.from_data"
            )
        self.table, self.names = t, tuple(names)

    # --- building one -----------------------------------------------------------------
    @classmethod
    def from_data(cls, samples, names, sizes=None, alpha: float = 0.0) -> "Joint":
        """The empirical joint of N observations: samples (N, d) of integer values.

        alpha adds a pseudo-count to every cell (Laplace smoothing); alpha = 0 gives the
        maximum-likelihood table, which is exactly the table of empirical frequencies.
        """
        x = torch.as_tensor(samples)
        names = _as_list(names)
        if x.dim() == 1:
            x = x.unsqueeze(1)
        if x.dim() != 2 or x.shape[1] != len(names):
            raise ValueError(
                f"samples must be (N, {len(names)}): one column per name {names}; got shape {tuple(x.shape)}"
            )
        if x.is_floating_point() and not torch.equal(x, x.round()):
            raise ValueError("samples must hold integer values 0, 1, ..., m - 1")
        x = x.long()
        if len(x) == 0 and alpha <= 0:
            raise ValueError("no samples: an empirical table needs at least one observation (or alpha > 0)")
        if len(x) and x.min() < 0:
            raise ValueError(f"values must be 0, 1, ..., m - 1; got {x.min().item()}")
        if sizes is None:
            sizes = [int(x[:, j].max()) + 1 if len(x) else 2 for j in range(len(names))]
        sizes = [int(s) for s in sizes]
        for j, (name, m) in enumerate(zip(names, sizes)):
            if len(x) and x[:, j].max() >= m:
                raise ValueError(f"variable {name!r} takes value {x[:, j].max().item()}, but its size is {m}")
        if alpha < 0:
            raise ValueError(f"alpha is a pseudo-count and must be >= 0; got {alpha}")
        strides = [math.prod(sizes[j + 1 :]) for j in range(len(sizes))]
        flat = (x * torch.tensor(strides, dtype=torch.long)).sum(1)
        counts = torch.bincount(flat, minlength=math.prod(sizes)).double() + alpha
        return cls((counts / counts.sum()).view(sizes), names)

    # --- looking at it ------------------------------------------------------------------
    @property
    def sizes(self) -> tuple:
        return tuple(self.table.shape)

    @property
    def num_parameters(self) -> int:
        """Free numbers in the table: all cells but one (they sum to 1)."""
        return self.table.numel() - 1

    def _axes(self, names) -> list:
        names = _as_list(names)
        for n in names:
            if n not in self.names:
                raise ValueError(f"unknown variable {n!r}; this table has {', '.join(self.names)}")
        if len(set(names)) != len(names):
            raise ValueError(f"a variable is named twice in {names}")
        return [self.names.index(n) for n in names]

    def p(self, **values) -> float:
        """The probability of an assignment to some variables: J.p(a=1, c=0) = p(a=1, c=0)."""
        m = self.marginal(*values) if values else self
        for name, v in values.items():
            if not 0 <= int(v) < m.sizes[m.names.index(name)]:
                raise ValueError(f"{name}={v} is out of range 0..{m.sizes[m.names.index(name)] - 1}")
        return m.table[tuple(int(values[n]) for n in m.names)].item()

    def marginal(self, *names) -> "Joint":
        """p(names): sum every other variable out. The result's axes follow the order of names."""
        axes = self._axes(names)
        rest = [a for a in range(len(self.names)) if a not in axes]
        t = self.table.sum(dim=rest) if rest else self.table
        kept = sorted(axes)  # order left after summing
        t = t.permute([kept.index(a) for a in axes]) if axes else t
        return Joint(t, names)

    def condition(self, **evidence) -> "Joint":
        """p(other variables | evidence): fix the evidence and renormalize (Bayes' rule)."""
        axes = self._axes(list(evidence))
        index = [slice(None)] * len(self.names)
        for a, (name, v) in zip(axes, evidence.items()):
            if not 0 <= int(v) < self.sizes[a]:
                raise ValueError(f"{name}={v} is out of range 0..{self.sizes[a] - 1}")
            index[a] = int(v)
        t = self.table[tuple(index)]
        z = t.sum().item()
        if z == 0:
            raise ValueError(f"cannot condition on {evidence}: it has probability 0 in this table")
        return Joint(t / z, [n for n in self.names if n not in evidence])

    def conditional(self, target, given=()) -> torch.Tensor:
        """The table p(target | given) with axes (given..., target...).

        Where p(given) = 0 the conditional is undefined; we fill it with the uniform distribution
        (any choice gives the same joint, because it is multiplied by p(given) = 0).
        """
        target, given = _as_list(target), _as_list(given)
        if set(target) & set(given):
            raise ValueError(f"a variable cannot be both target and given: {set(target) & set(given)}")
        joint = self.marginal(*given, *target).table
        pg = (
            joint.sum(dim=list(range(len(given), len(given) + len(target))), keepdim=True)
            if target
            else joint
        )
        cond = torch.where(pg > 0, joint / pg.clamp_min(1e-300), 1.0 / math.prod(joint.shape[len(given) :]))
        return cond

    # --- factorizations ---------------------------------------------------------------------
    def factorize(self, parents: dict) -> "Joint":
        """q(x) = prod_v p(v | parents[v]), every factor read off this table.

        parents maps every variable to the list of variables it depends on; listing the
        variables in an order where parents come first makes this a chain rule with some
        dependencies dropped. q equals p exactly when each dropped dependency is a true
        conditional independence.
        """
        self._check_parents(parents)
        q = torch.ones(self.sizes, dtype=torch.float64)
        for v, pa in parents.items():
            cond = self.conditional([v], pa)  # axes (pa..., v)
            order = list(pa) + [v]
            axes = [self.names.index(n) for n in order]
            shape = [1] * len(self.names)
            for a in axes:
                shape[a] = self.sizes[a]
            perm = sorted(range(len(order)), key=lambda i: axes[i])
            q = q * cond.permute(perm).reshape(shape)
        return Joint(q, self.names)

    def chain_rule(self, order=None) -> "Joint":
        """p(x_o1) p(x_o2 | x_o1) ... p(x_od | x_o<d): exact for any order, so it returns this table."""
        order = list(self.names) if order is None else _as_list(order)
        if sorted(order) != sorted(self.names):
            raise ValueError(f"order must list each of {', '.join(self.names)} once; got {order}")
        return self.factorize({v: order[:j] for j, v in enumerate(order)})

    def factor_parameters(self, parents: dict) -> int:
        """Free parameters of prod_v p(v | parents[v]): sum_v (m_v - 1) prod_{u in parents[v]} m_u."""
        self._check_parents(parents)
        size = dict(zip(self.names, self.sizes))
        return sum((size[v] - 1) * math.prod(size[u] for u in pa) for v, pa in parents.items())

    def _check_parents(self, parents: dict):
        if sorted(parents) != sorted(self.names):
            raise ValueError(
                f"parents must have one entry for each of {', '.join(self.names)}; got {', '.join(parents)}"
            )
        seen = set()
        for v, pa in parents.items():
            self._axes(list(pa) + [v])
            if v in pa:
                raise ValueError(f"{v!r} cannot be its own parent")
            if not set(pa) <= seen:
                raise ValueError(
                    f"list the variables so that parents come first: {v!r} depends on "
                    f"{sorted(set(pa) - seen)}, which come later"
                )
            seen.add(v)

    # --- Bayes' rule and independence --------------------------------------------------------
    def bayes(self, a: str, a_value: int, b: str, b_value: int) -> float:
        """p(a = a_value | b = b_value) by Bayes' rule: p(b | a) p(a) / p(b)."""
        p_b = self.p(**{b: b_value})
        if p_b == 0:
            raise ValueError(f"p({b}={b_value}) = 0, so p({a} | {b}={b_value}) is undefined")
        p_b_given_a = self.conditional([b], [a])[a_value, b_value].item()
        return p_b_given_a * self.p(**{a: a_value}) / p_b

    def independence_gap(self, a, b, given=()) -> float:
        """max |p(a, b | c) - p(a | c) p(b | c)| over all values, for contexts c with p(c) > 0."""
        a, b, c = _as_list(a), _as_list(b), _as_list(given)
        if set(a) & set(b) or (set(a) | set(b)) & set(c):
            raise ValueError("the variable groups a, b and given must not overlap")
        pab = self.conditional(a + b, c)  # (c..., a..., b...)
        pa = self.conditional(a, c).reshape(*pab.shape[: len(c) + len(a)], *[1] * len(b))
        pb = self.conditional(b, c).reshape(
            *pab.shape[: len(c)], *[1] * len(a), *pab.shape[len(c) + len(a) :]
        )
        seen = (self.marginal(*c).table > 0) if c else torch.tensor(True)
        gap = (pab - pa * pb).abs().reshape(*pab.shape[: len(c)], -1).amax(-1)
        return gap[seen].max().item() if c else gap.item()

    def independent(self, a, b, given=(), tol: float = 1e-9) -> bool:
        """Is a independent of b (given the variables in `given`)? Up to tol on every probability."""
        return self.independence_gap(a, b, given) <= tol

    def mutual_information(self, a, b, given=()) -> float:
        """I(a; b | given) in nats: 0 exactly when a and b are (conditionally) independent."""
        a, b, c = _as_list(a), _as_list(b), _as_list(given)
        j = self.marginal(*c, *a, *b).table
        pab = self.conditional(a + b, c)
        pa = self.conditional(a, c).reshape(*pab.shape[: len(c) + len(a)], *[1] * len(b))
        pb = self.conditional(b, c).reshape(
            *pab.shape[: len(c)], *[1] * len(a), *pab.shape[len(c) + len(a) :]
        )
        mask = j > 0
        return (j[mask] * (pab[mask] / (pa * pb).expand_as(pab)[mask]).log()).sum().item()

    def entropy(self) -> float:
        """H(p) = -sum p log p, in nats."""
        t = self.table[self.table > 0]
        return -(t * t.log()).sum().item()

    def kl(self, other: "Joint") -> float:
        """KL(self || other) in nats: the extra cost of coding data from self with other."""
        if other.names != self.names or other.sizes != self.sizes:
            raise ValueError(
                f"both tables must have the same variables and sizes; got "
                f"{self.names}{self.sizes} and {other.names}{other.sizes}"
            )
        p, q = self.table, other.table
        if ((p > 0) & (q == 0)).any():
            return math.inf
        m = p > 0
        return (p[m] * (p[m] / q[m]).log()).sum().item()

    def sample(self, n: int, generator=None) -> torch.Tensor:
        """n draws of all variables, (n, d) integers: pick a cell with probability table[cell]."""
        flat = torch.multinomial(self.table.flatten(), n, replacement=True, generator=generator)
        out = []
        for m in reversed(self.sizes):
            out.append(flat % m)
            flat = flat // m
        return torch.stack(out[::-1], 1)

    def __repr__(self):
        head = (
            f"Joint({', '.join(f'{n}:{m}' for n, m in zip(self.names, self.sizes))}; "
            f"{self.num_parameters:,} free parameters)"
        )
        if self.table.numel() > 32:
            return head
        rows = [" ".join(f"{n:>4}" for n in self.names) + " |      p"]
        for cell in torch.cartesian_prod(*[torch.arange(m) for m in self.sizes]).view(-1, len(self.sizes)):
            rows.append(
                " ".join(f"{v:>4}" for v in cell.tolist()) + f" | {self.table[tuple(cell)].item():.4f}"
            )
        return head + "\n" + "\n".join(rows)


# --- one variable: a Bernoulli or a categorical ----------------------------------------------
def categorical_mle(samples, m: int) -> torch.Tensor:
    """The maximum-likelihood categorical over 0..m-1: the empirical frequencies count_v / N."""
    x = torch.as_tensor(samples).long().flatten()
    if len(x) == 0:
        raise ValueError("no samples: the maximum-likelihood estimate needs at least one observation")
    if x.min() < 0 or x.max() >= m:
        raise ValueError(
            f"samples must be values 0..{m - 1}; got values in [{x.min().item()}, {x.max().item()}]"
        )
    return torch.bincount(x, minlength=m).double() / len(x)


def log_likelihood(probs, samples) -> float:
    """log p(samples) = sum_i log probs[x_i] in nats (a Bernoulli is probs = [1 - p, p])."""
    probs = torch.as_tensor(probs, dtype=torch.float64)
    x = torch.as_tensor(samples).long().flatten()
    if probs.dim() != 1 or (probs < 0).any() or abs(probs.sum().item() - 1) > 1e-6:
        raise ValueError(
            f"probs must be a vector of non-negative numbers that sum to 1; got {probs.tolist()}"
        )
    if len(x) and (x.min() < 0 or x.max() >= len(probs)):
        raise ValueError(f"samples must be values 0..{len(probs) - 1}")
    return torch.bincount(x, minlength=len(probs)).double().mul(probs.log()).nan_to_num(0.0).sum().item()


def fit_by_gradient(samples, m: int, steps: int = 100) -> torch.Tensor:
    """Maximize the log-likelihood numerically (L-BFGS on softmax logits), without the closed form.

    Used to *check* that the maximum-likelihood estimate is the vector of frequencies.
    """
    x = torch.as_tensor(samples).long().flatten()
    counts = torch.bincount(x, minlength=m).double()
    logits = torch.zeros(m, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS(
        [logits], max_iter=steps, tolerance_grad=1e-12, tolerance_change=1e-15, line_search_fn="strong_wolfe"
    )

    def nll():
        opt.zero_grad()
        loss = -(counts * torch.log_softmax(logits, 0)).sum() / len(x)
        loss.backward()
        return loss

    opt.step(nll)
    return torch.softmax(logits.detach(), 0)


__all__ = ["Joint", "categorical_mle", "log_likelihood", "fit_by_gradient"]
