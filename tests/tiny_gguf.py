"""Tiny llama-architecture GGUF files for tests, written with the `gguf` package in milliseconds.

The bigram model is a real transformer whose weights are set by hand: one-hot embeddings, zero
attention and feed-forward outputs (so the residual stream is the embedding itself), and an output
matrix holding log P(next char | this char) counted from a text. llama.cpp runs it like any llama
model; it writes text with the character statistics of what it was built from.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import gguf
import numpy as np

SPECIALS = ("<unk>", "<s>", "</s>")
SPACE = "\u2581"  # SentencePiece's space, as llama.cpp's "llama" tokenizer expects
ALPHABET = "XTMLKQ:0123456789/=#\n"  # header characters: prompts use them, bodies may not
N_HEAD = 4
# ChatML, as many instruct GGUFs carry it: llama-cpp-python formats chats with it.
CHATML = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
FEED_FORWARD = 32


def vocabulary(text: str) -> list[str]:
    """Specials, the 256 byte-fallback tokens, then every character of `text`."""
    chars = sorted(set(text.replace(" ", SPACE)) | set(ALPHABET))
    return [*SPECIALS, *(f"<0x{b:02X}>" for b in range(256)), *chars]


def write_llama_gguf(
    path: Path,
    tokens: list[str],
    embeddings: np.ndarray,
    output: np.ndarray,
    output_norm: np.ndarray,
    context: int = 2048,
    chat_template: str | None = None,
    architecture: str = "llama",
) -> Path:
    """A one-block llama whose attention and feed-forward add nothing to the residual stream."""
    n_vocab, width = embeddings.shape
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name("tiny-test-model")
    writer.add_context_length(context)
    writer.add_embedding_length(width)
    writer.add_block_count(1)
    writer.add_feed_forward_length(FEED_FORWARD)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(width // N_HEAD)
    writer.add_layer_norm_rms_eps(1e-6)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * n_vocab)
    types = [gguf.TokenType.CONTROL] * 3 + [gguf.TokenType.BYTE] * 256
    writer.add_token_types(types + [gguf.TokenType.NORMAL] * (n_vocab - len(types)))
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_space_prefix(False)
    if chat_template:
        writer.add_chat_template(chat_template)
    zeros = np.zeros((width, width), dtype=np.float32)
    writer.add_tensor("token_embd.weight", embeddings.astype(np.float32))
    writer.add_tensor("output_norm.weight", output_norm.astype(np.float32))
    writer.add_tensor("output.weight", output.astype(np.float32))
    writer.add_tensor("blk.0.attn_norm.weight", np.ones(width, dtype=np.float32))
    for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
        writer.add_tensor(f"blk.0.{name}.weight", zeros)
    writer.add_tensor("blk.0.ffn_norm.weight", np.ones(width, dtype=np.float32))
    writer.add_tensor("blk.0.ffn_gate.weight", np.zeros((FEED_FORWARD, width), np.float32))
    writer.add_tensor("blk.0.ffn_up.weight", np.zeros((FEED_FORWARD, width), np.float32))
    writer.add_tensor("blk.0.ffn_down.weight", np.zeros((width, FEED_FORWARD), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def bigram_gguf(path: Path, text: str, damp: dict[str, float] | None = None, **options) -> Path:
    """A model that samples like a character bigram model of `text`. `damp` scales the
    probability of chosen characters (e.g. {"\\n": 0.1}: lines run longer). `options` go to
    write_llama_gguf (a chat template, another architecture name)."""
    tokens = vocabulary(text)
    index = {token: i for i, token in enumerate(tokens)}
    n_vocab = len(tokens)
    width = -(-n_vocab // 64) * 64
    counts = np.full((n_vocab, n_vocab), 0.01)  # [next, current]; smoothing keeps every path open
    spm = text.replace(" ", SPACE)
    for (current, following), number in Counter(zip(spm, spm[1:], strict=False)).items():
        counts[index[following], index[current]] += number
    counts[: 3 + 256, :] = 1e-9  # no specials, no raw bytes: the model never ends by itself
    for char, factor in (damp or {}).items():
        counts[index[char.replace(" ", SPACE)], :] *= factor
    log_probs = np.log(counts / counts.sum(axis=0, keepdims=True))
    embeddings = np.zeros((n_vocab, width), dtype=np.float32)
    embeddings[np.arange(n_vocab), np.arange(n_vocab)] = 1.0
    output = np.zeros((n_vocab, width), dtype=np.float32)
    output[:, :n_vocab] = log_probs
    # RMSNorm turns a one-hot row into sqrt(width) at its place: undo that scale.
    norm = np.full(width, 1.0 / np.sqrt(width), dtype=np.float32)
    return write_llama_gguf(path, tokens, embeddings, output, norm, **options)


def random_gguf(path: Path, text: str, seed: int = 0) -> Path:
    """A model with random weights over the same vocabulary: it writes garbage."""
    tokens = vocabulary(text)
    rng = np.random.default_rng(seed)
    width = -(-len(tokens) // 64) * 64
    embeddings = rng.normal(size=(len(tokens), width)).astype(np.float32)
    output = rng.normal(size=(len(tokens), width)).astype(np.float32)
    return write_llama_gguf(path, tokens, embeddings, output, np.ones(width, dtype=np.float32))
