"""MLLA (MILA) detection backbone and a softmax-attention block in PyTorch, written for the benchmark.

Same architecture and shapes as backbones/mila/ (the official MLLA), in the token layout ([B, L, C]) a
PyTorch user would write; weights are random (timing only). Own code for this project.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvLayer(nn.Module):
    def __init__(self, cin, cout, k, stride=1, padding=0, groups=1, bias=True, norm=True, act=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, padding, groups=groups, bias=bias)
        self.norm = nn.BatchNorm2d(cout) if norm else None
        self.act = nn.ReLU() if act else None

    def forward(self, x):
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return self.act(x) if self.act is not None else x


class Stem(nn.Module):
    def __init__(self, cin, dim):
        super().__init__()
        half = dim // 2
        self.conv1 = ConvLayer(cin, half, 3, 2, 1, bias=False)
        self.conv2 = nn.Sequential(ConvLayer(half, half, 3, 1, 1, bias=False), ConvLayer(half, half, 3, 1, 1, bias=False, act=False))
        self.conv3 = nn.Sequential(ConvLayer(half, dim * 4, 3, 2, 1, bias=False), ConvLayer(dim * 4, dim, 1, bias=False, act=False))

    def forward(self, x):
        x = self.conv1(x)
        x = self.conv2(x) + x
        return self.conv3(x)  # NCHW


class PatchMerging(nn.Module):
    def __init__(self, dim, ratio=4.0):
        super().__init__()
        out = 2 * dim
        hidden = int(out * ratio)
        self.conv = nn.Sequential(
            ConvLayer(dim, hidden, 1, norm=False),
            ConvLayer(hidden, hidden, 3, 2, 1, groups=hidden, norm=False),
            ConvLayer(hidden, out, 1, act=False),
        )

    def forward(self, x, h, w):
        b, _, c = x.shape
        x = x.transpose(1, 2).reshape(b, c, h, w)
        if h % 2 or w % 2:
            x = F.pad(x, (0, w % 2, 0, h % 2))
        x = self.conv(x)
        return x.flatten(2).transpose(1, 2), x.shape[2], x.shape[3]


def rope_tables(h, w, c, device=None):
    """cos, sin per position and channel pair: [h*w, c/2]."""
    k_max = c // 4
    theta = 1.0 / (10000 ** (torch.arange(k_max, dtype=torch.float32) / k_max))
    rows = torch.arange(h, dtype=torch.float32)[:, None, None] * theta[None, None, :]
    cols = torch.arange(w, dtype=torch.float32)[None, :, None] * theta[None, None, :]
    angles = torch.cat([rows.expand(h, w, k_max), cols.expand(h, w, k_max)], dim=-1).reshape(h * w, c // 2)
    return torch.cos(angles), torch.sin(angles)


def apply_rope(x, cos, sin):
    """x: [b, n, c] with (even, odd) channel pairs rotated by the tables."""
    b, n, c = x.shape
    x = x.reshape(b, n, c // 2, 2)
    x0, x1 = x[..., 0], x[..., 1]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).reshape(b, n, c)


class LinearAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.dim, self.heads = dim, heads
        self.qk = nn.Linear(dim, dim * 2)
        self.lepe = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self._tables = {}

    def forward(self, x, h, w):
        b, n, c = x.shape
        hd = c // self.heads
        qk = self.qk(x).reshape(b, n, 2, c).permute(2, 0, 1, 3)
        q, k = F.elu(qk[0]) + 1.0, F.elu(qk[1]) + 1.0
        if (h, w) not in self._tables:
            self._tables[(h, w)] = rope_tables(h, w, c)
        cos, sin = self._tables[(h, w)]
        heads = lambda t: t.reshape(b, n, self.heads, hd).permute(0, 2, 1, 3)
        q_rope, k_rope = heads(apply_rope(q, cos, sin)), heads(apply_rope(k, cos, sin))
        q, k, v = heads(q), heads(k), heads(x)
        z = 1.0 / (q @ k.mean(dim=-2, keepdim=True).transpose(-2, -1) + 1e-6)
        kv = (k_rope.transpose(-2, -1) * (n ** -0.5)) @ (v * (n ** -0.5))
        out = (q_rope @ kv * z).transpose(1, 2).reshape(b, n, c)
        v_img = x.transpose(1, 2).reshape(b, c, h, w)
        return out + self.lepe(v_img).flatten(2).transpose(1, 2)


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1, self.act, self.fc2 = nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class MllaBlock(nn.Module):
    def __init__(self, dim, heads, mlp_ratio=4.0):
        super().__init__()
        self.cpe1 = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm1 = nn.LayerNorm(dim)
        self.in_proj, self.act_proj, self.out_proj = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.dwc = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.act = nn.SiLU()
        self.attn = LinearAttention(dim, heads)
        self.cpe2 = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x, h, w):
        b, n, c = x.shape
        img = lambda t: t.transpose(1, 2).reshape(b, c, h, w)
        tok = lambda t: t.flatten(2).transpose(1, 2)
        x = x + tok(self.cpe1(img(x)))
        shortcut = x
        x = self.norm1(x)
        gate = self.act(self.act_proj(x))
        x = tok(self.act(self.dwc(img(self.in_proj(x)))))
        x = self.out_proj(self.attn(x, h, w) * gate)
        x = shortcut + x
        x = x + tok(self.cpe2(img(x)))
        return x + self.mlp(self.norm2(x))


class MllaBackbone(nn.Module):
    """MLLA-T by default: outputs the four normalised stage maps as NCHW, like the detection backbone."""

    def __init__(self, embed_dim=64, depths=(2, 4, 8, 4), heads=(2, 4, 8, 16)):
        super().__init__()
        self.patch_embed = Stem(3, embed_dim)
        self.stages = nn.ModuleList()
        self.downsamples = nn.ModuleList()
        self.norms = nn.ModuleList()
        for i, (depth, nh) in enumerate(zip(depths, heads)):
            dim = embed_dim * 2 ** i
            self.stages.append(nn.ModuleList([MllaBlock(dim, nh) for _ in range(depth)]))
            self.downsamples.append(PatchMerging(dim) if i < len(depths) - 1 else nn.Identity())
            self.norms.append(nn.LayerNorm(dim))

    def forward(self, img):
        x = self.patch_embed(img)
        b, c, h, w = x.shape
        x = x.flatten(2).transpose(1, 2)
        outs = []
        for i, blocks in enumerate(self.stages):
            for blk in blocks:
                x = blk(x, h, w)
            y = self.norms[i](x)
            outs.append(y.transpose(1, 2).reshape(b, y.shape[2], h, w))
            if i < len(self.stages) - 1:
                x, h, w = self.downsamples[i](x, h, w)
        return outs


class SoftmaxBlock(nn.Module):
    """Pre-norm transformer block with full softmax attention (queries chunked, as bench/softmax-attention-block.ts)."""

    CHUNK = 2048

    def __init__(self, dim, heads, mlp_ratio=4):
        super().__init__()
        self.heads = heads
        self.norm1, self.qkv, self.proj = nn.LayerNorm(dim), nn.Linear(dim, 3 * dim), nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, dim * mlp_ratio)

    def forward(self, x, h, w):
        b, n, c = x.shape
        d = c // self.heads
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, d).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * d ** -0.5, qkv[1], qkv[2]
        out = torch.cat([torch.softmax(q[:, :, s:s + self.CHUNK] @ k.transpose(-2, -1), dim=-1) @ v for s in range(0, n, self.CHUNK)], dim=2)
        x = x + self.proj(out.transpose(1, 2).reshape(b, n, c))
        return x + self.mlp(self.norm2(x))
