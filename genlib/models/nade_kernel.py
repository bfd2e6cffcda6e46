"""The fast path of NADE: all D logits in O(B D H) time and O(B H) memory per block (chapter 05).

    logits_o = nade_kernel.shared_weight_logits(x_o, W, c, V, b)      # what NADE.forward calls

Read genlib/models/nade.py first: `naive_logits` and `loop_logits` there compute the same numbers
the way the chapter writes them. This module does it faster on the same formula,

    logits[b, d] = b[d] + V[d] . sigmoid(c[d] + sum_{j<d} x[b, j] W[j])      (rows in generation order)

by taking the running sum over a block of pixels with one `torch.cumsum`, and by a hand-written
backward pass that recomputes each block's activations instead of storing all B x D x H of them.
tests/test_nade.py checks the values and the gradients against the formula.
"""
from __future__ import annotations

import torch


def shared_weight_logits(x_o, W, c, V, b) -> torch.Tensor:
    """The logit of every step, (B, D), from x_o (B, D) in generation order; W, c, V (D, H), b (D,).

    c[d] is the hidden bias at step d. The batch is cut into chunks and the steps into blocks
    whose sizes suit the device (`block_sizes`); the result does not depend on them.
    """
    images, block = block_sizes(x_o.device, W.shape[1])
    chunks = [SharedWeightLogits.apply(x_o[i:i + images], W, c, V, b, block)
              for i in range(0, len(x_o), images)]
    return torch.cat(chunks) if chunks else x_o.new_zeros(x_o.shape)  # an empty batch has no logits


def block_sizes(device, hidden) -> tuple[int, int]:
    """(images, pixels) handled at once by the shared-weight kernel.

    On a CPU, blocks of about 16 x 16 x 500 activations stay inside the cache (measured in
    benchmarks/nade_variants.py); on a GPU one block of 64 pixels for the whole batch is fastest.
    """
    return (max(16, (1 << 17) // (16 * hidden)), 16) if device.type == "cpu" else (1 << 16, 64)


def block_activations(xT, W, c, S, s, e):
    """a[d] = c[d] + S + sum_{s<=j<d} x[j] W[j] for the steps d = s..e-1: (e - s, B, H); and S after e."""
    m, (B, H) = e - s, S.shape
    a = torch.empty(m, B, H, dtype=S.dtype, device=S.device)
    a[0] = S
    if m > 1:
        torch.mul(xT[s:e - 1, :, None], W[s:e - 1, None, :], out=a[1:])
    torch.cumsum(a, 0, out=a)                               # the shared-weight trick: a running sum
    S_next = a[-1] + xT[e - 1, :, None] * W[e - 1]
    return a.add_(c[s:e, None, :]), S_next


class SharedWeightLogits(torch.autograd.Function):
    """logits[b, d] = bias[d] + V[d] . sigmoid(c[d] + sum_{j<d} x[b, j] W[j]) for every step d.

    x (B, D) in generation order; W, c, V (D, H); bias (D,). O(B D H) time, and memory O(B H)
    per block instead of O(B D H): the forward pass keeps only the running sum at the start of
    each block, and the backward pass recomputes the block's activations from it.
    """

    @staticmethod
    @torch.amp.custom_fwd(device_type="cuda", cast_inputs=torch.float32)
    def forward(ctx, x, W, c, V, bias, block):
        xT = x.t().contiguous()                             # (D, B)
        D, B = xT.shape
        out = torch.empty(D, B, dtype=W.dtype, device=W.device)
        S = torch.zeros(B, W.shape[1], dtype=W.dtype, device=W.device)
        starts = []
        for s in range(0, D, block):
            e = min(s + block, D)
            starts.append(S)
            a, S = block_activations(xT, W, c, S, s, e)
            torch.bmm(a.sigmoid_(), V[s:e, :, None], out=out[s:e, :, None])
        ctx.save_for_backward(xT, W, c, V, torch.stack(starts))
        ctx.block = block
        return out.t() + bias

    @staticmethod
    @torch.amp.custom_bwd(device_type="cuda")
    def backward(ctx, g):
        xT, W, c, V, starts = ctx.saved_tensors
        block, (D, B) = ctx.block, xT.shape
        gT = g.t().contiguous()                             # (D, B)
        dW, dc, dV = torch.empty_like(W), torch.empty_like(W), torch.empty_like(V)
        dx = torch.empty_like(xT) if ctx.needs_input_grad[0] else None
        R = torch.zeros_like(starts[0])                     # sum of dL/da over the steps after the block
        for i in reversed(range(len(starts))):
            s = i * block
            e = min(s + block, D)
            a, _ = block_activations(xT, W, c, starts[i], s, e)
            h = a.sigmoid_()                                # (e - s, B, H)
            torch.bmm(gT[s:e, None, :], h, out=dV[s:e, None, :])
            da = h * (1 - h) * (gT[s:e, :, None] * V[s:e, None, :])
            dc[s:e] = da.sum(1)
            later = da.flip(0).cumsum(0).flip(0)            # sum over steps >= d inside the block
            R_next = R + later[0]
            later.sub_(da).add_(R)                          # sum over steps > d: what x[d] W[d] feeds
            torch.bmm(xT[s:e, None, :], later, out=dW[s:e, None, :])
            if dx is not None:
                dx[s:e] = torch.bmm(later, W[s:e, :, None]).squeeze(2)
            R = R_next
        return (dx.t() if dx is not None else None), dW, dc, dV, g.sum(0), None
