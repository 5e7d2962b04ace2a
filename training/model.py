"""A small llama in PyTorch, written so that its weights map one to one onto llama.cpp's "llama"
architecture: RMSNorm, rotary embeddings on adjacent pairs (llama.cpp's normal rope mode, so no
permutation is needed on export), SwiGLU feed-forward, no biases, tied input/output embeddings."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional


@dataclass
class Config:
    vocab: int
    width: int = 256
    layers: int = 6
    heads: int = 4
    feed_forward: int = 704
    context: int = 1024
    rope_base: float = 10000.0
    norm_eps: float = 1e-5
    dropout: float = 0.0  # training only: nothing of it is exported

    def as_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, width: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(config: Config, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    head = config.width // config.heads
    freqs = config.rope_base ** (-torch.arange(0, head, 2, dtype=torch.float64) / head)
    angles = torch.outer(torch.arange(length, dtype=torch.float64), freqs)
    return angles.cos().float(), angles.sin().float()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """x: (batch, heads, time, head); rotates the pairs (0,1), (2,3), ... as llama.cpp does."""
    even, odd = x[..., 0::2], x[..., 1::2]
    rotated = torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1)
    return rotated.flatten(-2)


class Block(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        width, self.heads = config.width, config.heads
        self.attn_norm = RMSNorm(width, config.norm_eps)
        self.wq = nn.Linear(width, width, bias=False)
        self.wk = nn.Linear(width, width, bias=False)
        self.wv = nn.Linear(width, width, bias=False)
        self.wo = nn.Linear(width, width, bias=False)
        self.ffn_norm = RMSNorm(width, config.norm_eps)
        self.gate = nn.Linear(width, config.feed_forward, bias=False)
        self.up = nn.Linear(width, config.feed_forward, bias=False)
        self.down = nn.Linear(config.feed_forward, width, bias=False)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        batch, time, width = x.shape
        h = self.attn_norm(x)

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, time, self.heads, width // self.heads).transpose(1, 2)

        q = apply_rope(split(self.wq(h)), cos, sin)
        k = apply_rope(split(self.wk(h)), cos, sin)
        attended = functional.scaled_dot_product_attention(q, k, split(self.wv(h)), is_causal=True)
        x = x + self.dropout(self.wo(attended.transpose(1, 2).reshape(batch, time, width)))
        h = self.ffn_norm(x)
        return x + self.dropout(self.down(functional.silu(self.gate(h)) * self.up(h)))


class Llama(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.config = config
        self.embed = nn.Embedding(config.vocab, config.width)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.norm = RMSNorm(config.width, config.norm_eps)
        cos, sin = rope_tables(config, config.context)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        self.apply(self.init_weights)
        for block in self.blocks:  # scaled residual projections (GPT-2)
            for layer in (block.wo, block.down):
                nn.init.normal_(layer.weight, std=0.02 / math.sqrt(2 * config.layers))

    @staticmethod
    def init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, std=0.02)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids: (batch, time) → logits (batch, time, vocab)."""
        time = ids.shape[1]
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x, self.cos[:time], self.sin[:time])
        return self.norm(x) @ self.embed.weight.T

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())
