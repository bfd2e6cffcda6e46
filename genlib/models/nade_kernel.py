"""The fast paths of NADE: all D logits in O(B D H) time, a block of steps per matrix product (chapter 05).

    logits_o = nade_kernel.shared_weight_logits(x_o, W, c, V, b)      # what NADE.forward calls

Read genlib/models/nade.py first: `naive_logits` and `loop_logits` there compute the same numbers
the way the chapter writes them. This module computes, with rows in generation order,

    logits[b, d] = bias[d] + V[d] . sigmoid(a[b, d]),   a[b, d] = c[d] + S[b, d],
    S[b, d] = sum_{j<d} x[b, j] W[j]                    (the running sum)

a block of K steps at a time, in one of two ways:

- `RunLogits`, for NADE (the same c at every step) and no gradient w.r.t. x: S only changes after a
  nonzero pixel, so an image with n ones has only n + 1 different hidden layers ("runs"), about
  0.13 D on binarized MNIST. Each block computes the hidden layer every image has at its start and
  one per nonzero pixel inside it, and all K logits of the block come from one matrix product of
  those layers with V: a fraction 1/K + 0.13 of the B x D x H sigmoids, about 1 in 5 for K = 16.
- `SharedWeightLogits`, for everything else (a different c at every step: the order-agnostic NADE;
  gradients w.r.t. x): the K pre-activations of a block come from ONE matrix product with a strictly
  lower-triangular mask (`block_activations`).

Both have a hand-written backward pass and never hold all B x D x H activations: `RunLogits`
keeps its few distinct hidden layers, `SharedWeightLogits` recomputes each block's activations.
tests/test_nade_kernel.py checks values and gradients against the formula and the loop;
benchmarks/nade_variants.py times them against the per-pixel loop.
"""

from __future__ import annotations

import torch


def shared_weight_logits(x_o, W, c, V, b, block: int | None = None, images: int | None = None):
    """The logit of every step, (B, D), from x_o (B, D) in generation order; W, c, V (D, H), b (D,).

    c[d] is the hidden bias at step d; NADE passes one c for every step as c.expand(D, H) (stride 0), which
    selects `RunLogits` unless x_o needs a gradient. The batch is cut into chunks of `images` and the steps
    into blocks of `block` (defaults from `block_sizes`); the result does not depend on them.
    """
    runs = c.stride(0) == 0 and not x_o.requires_grad
    default_images, default_block = block_sizes(x_o.device, runs)
    images, block = images or default_images, block or default_block
    kernel = RunLogits if runs else SharedWeightLogits
    starts = range(0, max(len(x_o), 1), images)  # an empty batch still makes one call
    return torch.cat([kernel.apply(x_o[i : i + images], W, c, V, b, block) for i in starts])


def block_sizes(device, runs: bool) -> tuple[int, int]:
    """(images, steps) handled together, chosen with benchmarks/nade_variants.py on one CPU core.

    Runs: 256 images x 16 steps (8, 24 or 32 steps, or 128 images, were 10-15 % slower): fewer
    images make more, smaller operations, and more steps make more new layers per block, each
    multiplied by all the block's rows of V. Blocks: 64 images x 8 steps x 500 hidden units
    (1 MiB) stay in the core's cache, 8 multiply-adds per activation for the in-block product
    (4 x 128 and 4 x 256 were as fast, with 4-8x more memory for the running sums).
    On a GPU: the whole batch (not measured here).
    """
    if runs:
        return (256, 16) if device.type == "cpu" else (1 << 16, 16)
    return (64, 8) if device.type == "cpu" else (1 << 16, 32)


def strictly_lower(k, like) -> torch.Tensor:
    """mask[i, 0, j] = 1 if j < i: step i of a block sees the steps before it in the block, (k, 1, k)."""
    return torch.ones(k, k, dtype=like.dtype, device=like.device).tril(-1).unsqueeze(1)


def block_activations(x_blk, S, W_blk, c_blk):
    """a[i, b] = c[i] + S[b] + sum_{j<i} x[b, j] W[j] for the k steps of a block, (k, B, H); and the inputs P.

    x_blk (B, k): the block's pixels; S (B, H): the running sum before the block; W_blk, c_blk (k, H).
    P[i, b, j] = x[b, j] if j < i else 0, so all k in-block sums are one product P @ W_blk.
    """
    (B, k), H = x_blk.shape, S.shape[1]
    P = x_blk * strictly_lower(k, x_blk)  # (k, B, k)
    a = S + c_blk[:, None, :]  # (k, B, H)
    a.view(k * B, H).addmm_(P.view(k * B, k), W_blk)
    return a, P


def running_sums(x, W, block) -> list[torch.Tensor]:
    """S_n = sum_{j < n block} x[:, j] W[j], the running sum at the start of every block: a list of (B, H)."""
    S = [x.new_zeros(x.shape[0], W.shape[1])]
    for s in range(0, x.shape[1] - block, block):
        S.append(torch.addmm(S[-1], x[:, s : s + block], W[s : s + block]))
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
        logitsT = x.new_empty(D, x.shape[0])  # (D, B)
        for s, S in zip(range(0, D, block), running_sums(x, W, block)):
            e = min(s + block, D)
            h = block_activations(x[:, s:e], S, W[s:e], c[s:e])[0].sigmoid_()  # (k, B, H)
            torch.linalg.vecdot(h, V[s:e, None, :], out=logitsT[s:e])  # V[d] . h[d] for every image
        ctx.save_for_backward(x, W, c, V)
        ctx.block = block
        return logitsT.t() + bias

    @staticmethod
    @torch.amp.custom_bwd(device_type="cuda")
    def backward(ctx, g):
        x, W, c, V = ctx.saved_tensors
        block, (B, D), H = ctx.block, x.shape, W.shape[1]
        gT = g.t().contiguous()  # (D, B)
        dW, dc, dV = torch.empty_like(W), torch.empty_like(c), torch.empty_like(V)
        dx = torch.empty_like(x) if ctx.needs_input_grad[0] else None
        R = x.new_zeros(B, H)  # dL/dS after the block: sum of dL/da over the later steps
        blocks = list(zip(range(0, D, block), running_sums(x, W, block)))
        for s, S in reversed(blocks):
            e = min(s + block, D)
            k = e - s
            a, P = block_activations(x[:, s:e], S, W[s:e], c[s:e])
            h = a.sigmoid_()  # (k, B, H), recomputed
            torch.bmm(gT[s:e, None, :], h, out=dV[s:e, None, :])  # dV[d] = sum_b g[b, d] h[b, d]
            da = gT[s:e, :, None] * V[s:e, None, :]  # dL/dh
            da.mul_(h).mul_(1 - h)  # dL/da = dL/dh * h (1 - h)
            torch.sum(da, 1, out=dc[s:e])
            # a[i] holds x[j] W[j] for j < i in the block (through P) and for every later block (through R)
            torch.addmm(x[:, s:e].t() @ R, P.view(k * B, k).t(), da.view(k * B, H), out=dW[s:e])
            if dx is not None:
                dP = (da.view(k * B, H) @ W[s:e].t()).view(k, B, k)  # dL/dP[i, b, j]
                dx[:, s:e] = (dP * strictly_lower(k, x)).sum(0) + R @ W[s:e].t()
            R += da.sum(0)
        return dx, dW, dc, dV, g.sum(0), None


def new_runs(x_blk, S, W_blk):
    """The hidden layers that start inside a block: one per nonzero x[b, i] (shared c only).

    x_blk (B, k); S (B, H): c + the running sum at the block start; W_blk (k, H). Returns
    h_new (n, H) = sigmoid(S[b] + sum_{j<=i} x[b, j] W[j]) for the n nonzero pixels, image by image;
    P (n, k), the pixels in that sum; their images b_of (n,); and row (B, k): the layer step i of
    image b uses, row[b, i] = b for the layer it had at the block start, B + u for new layer u.
    """
    B, k = x_blk.shape
    nonzero = x_blk != 0
    b_of, i_of = nonzero.nonzero(as_tuple=True)
    P = x_blk[b_of] * (torch.arange(k, device=x_blk.device) <= i_of[:, None])  # (n, k)
    h_new = S.index_select(0, b_of).addmm_(P, W_blk).sigmoid_()
    count = nonzero.sum(1)
    before = nonzero.cumsum(1) - nonzero.long()  # nonzero pixels before step i in the block
    first = count.cumsum(0) - count  # index of image b's first new layer
    at_start = torch.arange(B, device=x_blk.device)[:, None]
    row = torch.where(before == 0, at_start, B - 1 + first[:, None] + before)
    return h_new, P, b_of, row


class RunLogits(torch.autograd.Function):
    """The same logits when every step has the same hidden bias c: NADE, with S started at c.

    h only changes after a nonzero pixel, so a block needs the B layers at its start and one per
    nonzero pixel inside it: O((B + n) H) sigmoids, and the logits of the block are one product
    (B + n, H) x (H, k). c arrives as c.expand(D, H); its gradient is the one that reaches the
    start of the running sum, returned in row 0. No gradient w.r.t. x (use SharedWeightLogits).
    Memory: the backward pass uses the layers the forward pass made, B H (D / block + N) numbers
    for N nonzero pixels per image (keeping them measured 25 % faster than recomputing them).
    """

    @staticmethod
    @torch.amp.custom_fwd(device_type="cuda", cast_inputs=torch.float32)
    def forward(ctx, x, W, c, V, bias, block):
        if x.requires_grad:
            raise ValueError("RunLogits gives no gradient w.r.t. x; use SharedWeightLogits for that")
        B, D = x.shape
        logits = x.new_empty(B, D)
        S = c[0].expand(B, -1).contiguous()  # c + the running sum: (B, H)
        layers = []
        for s in range(0, D, block):
            e = min(s + block, D)
            h = S.sigmoid()  # each image's layer at the block start
            h_new, P, b_of, row = new_runs(x[:, s:e], S, W[s:e])
            Y = torch.cat([h @ V[s:e].t(), h_new @ V[s:e].t()])  # (B + n, k): every layer, every step
            logits[:, s:e] = Y[row, torch.arange(e - s, device=x.device)]
            layers += [h, h_new, P, b_of, row]
            S = torch.addmm(S, x[:, s:e], W[s:e])
        ctx.save_for_backward(x, W, c, V, *layers)
        ctx.block = block
        return logits + bias

    @staticmethod
    @torch.amp.custom_bwd(device_type="cuda")
    def backward(ctx, g):
        x, W, c, V, *layers = ctx.saved_tensors
        block, (B, D), H = ctx.block, x.shape, W.shape[1]
        dW, dc, dV = torch.empty_like(W), torch.zeros_like(c), torch.empty_like(V)
        R = x.new_zeros(B, H)  # dL/dS after the block: the sum of dL/da over the later steps
        for n, s in reversed(list(enumerate(range(0, D, block)))):
            e = min(s + block, D)
            k = e - s
            h, h_new, P, b_of, row = layers[5 * n : 5 * n + 5]
            dY = x.new_zeros(B + len(b_of), k)
            dY[row, torch.arange(k, device=x.device)] = g[:, s:e]
            dY_h, dY_new = dY[:B], dY[B:]
            torch.addmm(dY_h.t() @ h, dY_new.t(), h_new, out=dV[s:e])
            da = torch.addcmul(h, h, h, value=-1).mul_(dY_h @ V[s:e])  # dL/da of every layer: h (1 - h) dL/dh
            da_new = torch.addcmul(h_new, h_new, h_new, value=-1).mul_(dY_new @ V[s:e])
            torch.addmm(x[:, s:e].t() @ R, P.t(), da_new, out=dW[s:e])
            R += da
            R.index_add_(0, b_of, da_new)
        dc[0] = R.sum(0)  # c is where every running sum starts
        return None, dW, dc, dV, g.sum(0), None
