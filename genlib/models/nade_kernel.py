"""The fast path of NADE: all D logits in O(B D H) time, a block of K pixels per matrix product (chapter 05).

    logits_o = nade_kernel.shared_weight_logits(x_o, W, c, V, b)      # what NADE.forward calls

Read genlib/models/nade.py first: `naive_logits` and `loop_logits` there compute the same numbers
the way the chapter writes them. This module computes, with rows in generation order,

    logits[b, d] = bias[d] + V[d] . sigmoid(a[b, d]),   a[b, d] = c[d] + sum_{j<d} x[b, j] W[j]

a block of K steps at a time. At the start of a block s..s+K-1 the running sum S = sum_{j<s} x[:, j] W[j]
is known; inside the block, a[d] = c[d] + S + sum_{s<=j<d} x[j] W[j] for all K steps comes from ONE
matrix product with a strictly lower-triangular mask (`block_activations`). A hand-written backward
pass recomputes each block's activations instead of storing all B x D x H of them.
tests/test_nade_kernel.py checks values and gradients against the formula; benchmarks/nade_variants.py
times it against the per-pixel loop.
"""
from __future__ import annotations

import torch


def shared_weight_logits(x_o, W, c, V, b, block: int | None = None, images: int | None = None) -> torch.Tensor:
    """The logit of every step, (B, D), from x_o (B, D) in generation order; W, c, V (D, H), b (D,).

    c[d] is the hidden bias at step d. The batch is cut into chunks of `images` and the steps into
    blocks of `block` (defaults from `block_sizes`); the result does not depend on them.
    """
    default_images, default_block = block_sizes(x_o.device)
    images, block = images or default_images, block or default_block
    starts = range(0, max(len(x_o), 1), images)                  # an empty batch still makes one call
    return torch.cat([SharedWeightLogits.apply(x_o[i:i + images], W, c, V, b, block) for i in starts])


def block_sizes(device) -> tuple[int, int]:
    """(images, pixels) handled by one matrix product: a tile of images x pixels x H activations.

    On a CPU, 128 images x 4 pixels x 500 hidden units (1 MiB) stays in the core's cache and keeps
    the in-block product at 4 multiply-adds per activation (measured in benchmarks/nade_variants.py).
    On a GPU, the whole batch and 32 pixels per product (not measured here).
    """
    return (128, 4) if device.type == "cpu" else (1 << 16, 32)


def strictly_lower(k, like) -> torch.Tensor:
    """mask[i, 0, j] = 1 if j < i: step i of a block sees the steps before it in the block, (k, 1, k)."""
    return torch.ones(k, k, dtype=like.dtype, device=like.device).tril(-1).unsqueeze(1)


def block_activations(x_blk, S, W_blk, c_blk):
    """a[i, b] = c[i] + S[b] + sum_{j<i} x[b, j] W[j] for the k steps of a block, (k, B, H); and the inputs P.

    x_blk (B, k): the block's pixels; S (B, H): the running sum before the block; W_blk, c_blk (k, H).
    P[i, b, j] = x[b, j] if j < i else 0, so all k in-block sums are one product P @ W_blk.
    """
    (B, k), H = x_blk.shape, S.shape[1]
    P = x_blk * strictly_lower(k, x_blk)                                 # (k, B, k)
    a = S + c_blk[:, None, :]                                            # (k, B, H)
    a.view(k * B, H).addmm_(P.view(k * B, k), W_blk)
    return a, P


def running_sums(x, W, block) -> list[torch.Tensor]:
    """S_n = sum_{j < n block} x[:, j] W[j], the running sum at the start of every block: a list of (B, H)."""
    S = [x.new_zeros(x.shape[0], W.shape[1])]
    for s in range(0, x.shape[1] - block, block):
        S.append(torch.addmm(S[-1], x[:, s:s + block], W[s:s + block]))
    return S


class SharedWeightLogits(torch.autograd.Function):
    """logits[b, d] = bias[d] + V[d] . sigmoid(c[d] + sum_{j<d} x[b, j] W[j]) for every step d.

    x (B, D) in generation order; W, c, V (D, H); bias (D,). O(B D H) time. Memory beyond the inputs:
    the running sums at the block starts (B H D / block numbers) and one block's activations
    (B H block numbers); the backward pass recomputes both instead of storing B D H activations.
    """

    @staticmethod
    @torch.amp.custom_fwd(device_type="cuda", cast_inputs=torch.float32)
    def forward(ctx, x, W, c, V, bias, block):
        D = x.shape[1]
        logitsT = x.new_empty(D, x.shape[0])                             # (D, B)
        for s, S in zip(range(0, D, block), running_sums(x, W, block)):
            e = min(s + block, D)
            h = block_activations(x[:, s:e], S, W[s:e], c[s:e])[0].sigmoid_()   # (k, B, H)
            torch.linalg.vecdot(h, V[s:e, None, :], out=logitsT[s:e])    # V[d] . h[d] for every image
        ctx.save_for_backward(x, W, c, V)
        ctx.block = block
        return logitsT.t() + bias

    @staticmethod
    @torch.amp.custom_bwd(device_type="cuda")
    def backward(ctx, g):
        x, W, c, V = ctx.saved_tensors
        block, (B, D), H = ctx.block, x.shape, W.shape[1]
        gT = g.t().contiguous()                                          # (D, B)
        dW, dc, dV = torch.empty_like(W), torch.empty_like(c), torch.empty_like(V)
        dx = torch.empty_like(x) if ctx.needs_input_grad[0] else None
        R = x.new_zeros(B, H)                # sum of dL/da over the steps after the block: what x[j] W[j] feeds
        blocks = list(zip(range(0, D, block), running_sums(x, W, block)))
        for s, S in reversed(blocks):
            e = min(s + block, D)
            k = e - s
            a, P = block_activations(x[:, s:e], S, W[s:e], c[s:e])
            h = a.sigmoid_()                                             # (k, B, H), recomputed
            torch.bmm(gT[s:e, None, :], h, out=dV[s:e, None, :])        # dV[d] = sum_b g[b, d] h[b, d]
            da = gT[s:e, :, None] * V[s:e, None, :]                      # dL/dh
            da.mul_(h).mul_(1 - h)                                       # dL/da = dL/dh * h (1 - h)
            torch.sum(da, 1, out=dc[s:e])
            # a[i] holds x[j] W[j] for j < i in the block (through P) and for every later block (through R)
            torch.addmm(x[:, s:e].t() @ R, P.view(k * B, k).t(), da.view(k * B, H), out=dW[s:e])
            if dx is not None:
                dP = (da.view(k * B, H) @ W[s:e].t()).view(k, B, k)     # dL/dP[i, b, j]
                dx[:, s:e] = (dP * strictly_lower(k, x)).sum(0) + R @ W[s:e].t()
            R += da.sum(0)
        return dx, dW, dc, dV, g.sum(0), None
