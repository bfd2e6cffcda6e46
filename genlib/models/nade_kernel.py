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
  Where its time goes (one core, D = 784, H = 500, B = 256, K = 16): about half in the matrix
  products, most of them with the new layers (each one multiplied by all K rows of the block), the
  rest in sigmoids, element-wise gradients and gathers. So the index bookkeeping is done once per
  batch (`find_runs`), and each block is a handful of large operations.
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

    Runs: 256 images x 16 steps (8, 24 or 32 steps, or 128 images, were 10-15 % slower; 16 was
    still the fastest of 8, 12, 16 and 20 after the bookkeeping moved into `find_runs`): fewer
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


def find_runs(x, block):
    """Where the hidden layer of every image changes, for all blocks at once (shared c only).

    x (B, D) in generation order, cut into blocks of `block` steps (the last one padded with zeros).
    The layer of image b changes after each nonzero pixel; inside a block, step i of image b uses its
    layer at the block start, or the new layer made by the last nonzero pixel before step i.
    Returns a dict of tensors, each sorted by block (so a block's part is a slice), and the slice
    lengths:
      b_of (n,), P (n, block): one new layer per nonzero pixel, sorted by block, image and step;
        P[u, j] = x[b, j] if j <= (the step of pixel u) else 0, the pixels new layer u adds to the
        block's starting sum (b = b_of[u]);
      flat (blocks, B, block): where step i of image b finds its logit in the block's products Y
        (B + n_block, k), flattened: row b for the layer at the block start, row B + u for new layer u;
      b_end, u_end (m,): the images with a nonzero pixel in the block, and their last new layer
        there, which holds all of the block's pixels (its pre-activation is the next block's start);
      unchanged (blocks, B, 1): 1 where the block has no nonzero pixel of image b, else 0;
      n_layers, n_ends: per block, the number of new layers and of images with one.
    """
    B, D = x.shape
    blocks = -(-D // block)
    xb = torch.nn.functional.pad(x, (0, blocks * block - D)).view(B, blocks, block).transpose(0, 1)
    nonzero = xb != 0  # (blocks, B, block)
    blk_of, b_of, i_of = nonzero.nonzero(as_tuple=True)
    steps = torch.arange(block, device=x.device)
    P = xb[blk_of, b_of] * (steps <= i_of[:, None])  # (n, block)
    count = nonzero.sum(2)  # new layers of image b in each block, (blocks, B)
    first = count.cumsum(1) - count  # the block's index of image b's first new layer
    before = nonzero.cumsum(2) - nonzero.long()  # nonzero pixels before step i in its block
    at_start = torch.arange(B, device=x.device)[:, None]
    row = torch.where(before == 0, at_start, B - 1 + first[..., None] + before)  # (blocks, B, block)
    k = (D - torch.arange(0, D, block, device=x.device)).clamp(max=block)  # steps in each block
    flat = row * k[:, None, None] + steps
    blk_end, b_end = (count > 0).nonzero(as_tuple=True)
    u_end = (first + count - 1)[blk_end, b_end]
    unchanged = (count == 0).to(x.dtype)[..., None]
    n_layers, n_ends = count.sum(1).tolist(), (count > 0).sum(1).tolist()
    tensors = dict(b_of=b_of, P=P, flat=flat, b_end=b_end, u_end=u_end, unchanged=unchanged)
    return tensors | dict(n_layers=n_layers, n_ends=n_ends)


class RunLogits(torch.autograd.Function):
    """The same logits when every step has the same hidden bias c: NADE, with S started at c.

    h only changes after a nonzero pixel, so a block needs the B layers at its start and one per
    nonzero pixel inside it (`find_runs`): O((B + n) H) sigmoids, and the logits of the block are one
    product (B + n, H) x (H, k). c arrives as c.expand(D, H); its gradient is the one that reaches
    the start of the running sum, returned in row 0. No gradient w.r.t. x (use SharedWeightLogits).
    Memory: the backward pass uses the layers the forward pass made (keeping them measured 25 %
    faster than recomputing them): B H D / block numbers for the layers at the block starts and
    N H for the new ones (N nonzero pixels in the batch, about 0.13 B D on binarized MNIST).
    """

    @staticmethod
    @torch.amp.custom_fwd(device_type="cuda", cast_inputs=torch.float32)
    def forward(ctx, x, W, c, V, bias, block):
        if x.requires_grad:
            raise ValueError("RunLogits gives no gradient w.r.t. x; use SharedWeightLogits for that")
        B, D = x.shape
        r = find_runs(x, block)  # all the index bookkeeping, once per batch
        S = c[0].repeat(B, 1)  # c + the running sum: (B, H), a copy (updated in place below)
        logits, layers = [], []
        u0 = m0 = 0  # the block's first new layer and first image with one
        for n, s in enumerate(range(0, D, block)):
            e, u1, m1 = min(s + block, D), u0 + r["n_layers"][n], m0 + r["n_ends"][n]
            b_end, u_end = r["b_end"][m0:m1], r["u_end"][m0:m1]
            h = S.sigmoid()  # every image's layer at the block start, (B, H)
            # the new layers' pre-activations: S of their image + the block's pixels up to theirs, (n, H)
            a_new = S.index_select(0, r["b_of"][u0:u1]).addmm_(r["P"][u0:u1, : e - s], W[s:e])
            # S after the block = the pre-activation of the image's last new layer (no second product)
            S.index_copy_(0, b_end, a_new.index_select(0, u_end))
            h_new = a_new.sigmoid_()  # the new layers, (n, H), in place
            Y = torch.cat([h @ V[s:e].t(), h_new @ V[s:e].t()])  # every layer at every step, (B + n, k)
            logits.append(Y.take(r["flat"][n, :, : e - s]))  # each step's logit from its layer's row, (B, k)
            layers += [h, h_new]
            u0, m0 = u1, m1
        index = [r[name] for name in ("b_of", "P", "flat", "b_end", "u_end", "unchanged")]
        ctx.save_for_backward(W, V, *index, *layers)
        ctx.block, ctx.n_layers, ctx.n_ends = block, r["n_layers"], r["n_ends"]
        return torch.cat(logits, 1) + bias

    @staticmethod
    @torch.amp.custom_bwd(device_type="cuda")
    def backward(ctx, g):
        W, V, b_of, P, flat, b_ends, u_ends, unchanged, *layers = ctx.saved_tensors
        block, (D, H), B = ctx.block, W.shape, len(g)
        dW, dc, dV = torch.empty_like(W), torch.zeros_like(W), torch.empty_like(V)
        R = W.new_zeros(B, H)  # dL/dS after the block: the sum of dL/da over the later steps
        u1, m1 = len(b_of), len(b_ends)
        for n, s in reversed(list(enumerate(range(0, D, block)))):
            e, u0, m0 = min(s + block, D), u1 - ctx.n_layers[n], m1 - ctx.n_ends[n]
            b_end, u_end, b_new = b_ends[m0:m1], u_ends[m0:m1], b_of[u0:u1]
            h, h_new = layers[2 * n], layers[2 * n + 1]
            # dL/dY: each logit's gradient put where the forward pass took the logit from, (B + n, k)
            dY = g.new_zeros(B + u1 - u0, e - s)
            dY.put_(flat[n, :, : e - s], g[:, s:e])
            dY_h, dY_new = dY[:B], dY[B:]
            torch.addmm(dY_h.t() @ h, dY_new.t(), h_new, out=dV[s:e])  # dV[d] = sum over layers of dY h
            # dL/da = h (1 - h) dL/dh for the layers at the block start and the new ones
            da = torch.addcmul(h, h, h, value=-1).mul_(dY_h @ V[s:e])
            da_new = torch.addcmul(h_new, h_new, h_new, value=-1).mul_(dY_new @ V[s:e])
            # The later blocks see this block's pixels through S, the pre-activation of the image's last
            # new layer: R added to that layer's dL/da makes P^T da_new the whole gradient of W[s:e].
            da_new.index_add_(0, u_end, R.index_select(0, b_end))
            torch.mm(P[u0:u1, : e - s].t(), da_new, out=dW[s:e])
            # dL/dS at the block start: its layers' da, the new layers' (R included for the images that
            # have one), and R itself for the images without a nonzero pixel in the block
            R = torch.addcmul(da, R, unchanged[n]).index_add_(0, b_new, da_new)
            u1, m1 = u0, m0
        dc[0] = R.sum(0)  # c is where every running sum starts
        return None, dW, dc, dV, g.sum(0), None
