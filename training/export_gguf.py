"""Write a trained model as a llama GGUF, and read one back into PyTorch.

`python training/export_gguf.py [training/run] [data/starter-model.gguf]`

Tensor names are llama.cpp's; weights are stored as F32 (the model is small, and F32 keeps
llama.cpp's logits equal to PyTorch's within float rounding).
"""

from __future__ import annotations

import sys
from pathlib import Path

import gguf
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training.model import Config, Llama  # noqa: E402
from training.tokenizer import BOS, BYTE_OFFSET, EOS, UNK, CharTokenizer  # noqa: E402

MODEL_NAME = "llm-music-gen-starter"
# (llama.cpp's name, ours) per block
BLOCK_TENSORS = (
    ("attn_norm", "attn_norm"),
    ("attn_q", "wq"),
    ("attn_k", "wk"),
    ("attn_v", "wv"),
    ("attn_output", "wo"),
    ("ffn_norm", "ffn_norm"),
    ("ffn_gate", "gate"),
    ("ffn_up", "up"),
    ("ffn_down", "down"),
)


def tensor_pairs(model: Llama):
    """(GGUF name, PyTorch parameter) for every weight."""
    yield "token_embd.weight", model.embed.weight
    yield "output_norm.weight", model.norm.weight
    for index, block in enumerate(model.blocks):
        for ours, theirs in BLOCK_TENSORS:
            yield f"blk.{index}.{ours}.weight", getattr(block, theirs).weight


def token_types(tokenizer: CharTokenizer) -> list[int]:
    types = [gguf.TokenType.CONTROL] * BYTE_OFFSET + [gguf.TokenType.BYTE] * 256
    types[UNK] = gguf.TokenType.UNKNOWN
    return types + [gguf.TokenType.NORMAL] * (len(tokenizer) - len(types))


def export(model: Llama, tokenizer: CharTokenizer, path: Path, description: str = "") -> Path:
    config = model.config
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name(MODEL_NAME)
    if description:
        writer.add_description(description)
    writer.add_context_length(config.context)
    writer.add_embedding_length(config.width)
    writer.add_block_count(config.layers)
    writer.add_feed_forward_length(config.feed_forward)
    writer.add_head_count(config.heads)
    writer.add_head_count_kv(config.heads)
    writer.add_rope_dimension_count(config.width // config.heads)
    writer.add_rope_freq_base(config.rope_base)
    writer.add_layer_norm_rms_eps(config.norm_eps)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokenizer.tokens)
    writer.add_token_scores([0.0] * len(tokenizer))
    writer.add_token_types(token_types(tokenizer))
    writer.add_unk_token_id(UNK)
    writer.add_bos_token_id(BOS)
    writer.add_eos_token_id(EOS)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_add_space_prefix(False)
    for name, parameter in tensor_pairs(model):
        writer.add_tensor(name, parameter.detach().to(torch.float32).numpy())
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def field_value(reader: gguf.GGUFReader, key: str):
    field = reader.fields[key]
    return field.contents()


def load_gguf(path: Path) -> tuple[Llama, CharTokenizer]:
    """The GGUF's weights and vocabulary back in PyTorch: what llama.cpp must agree with."""
    reader = gguf.GGUFReader(str(path))
    tokens = field_value(reader, "tokenizer.ggml.tokens")
    tokenizer = CharTokenizer(tokens[BYTE_OFFSET + 256 :])
    if tokenizer.tokens != tokens:
        raise ValueError(f"{path}: the vocabulary is not a character vocabulary")
    config = Config(
        vocab=len(tokens),
        width=int(field_value(reader, "llama.embedding_length")),
        layers=int(field_value(reader, "llama.block_count")),
        heads=int(field_value(reader, "llama.attention.head_count")),
        feed_forward=int(field_value(reader, "llama.feed_forward_length")),
        context=int(field_value(reader, "llama.context_length")),
        rope_base=float(field_value(reader, "llama.rope.freq_base")),
        norm_eps=float(field_value(reader, "llama.attention.layer_norm_rms_epsilon")),
    )
    model = Llama(config)
    arrays = {t.name: np.array(t.data).reshape(list(reversed(t.shape))) for t in reader.tensors}
    with torch.no_grad():
        for name, parameter in tensor_pairs(model):
            parameter.copy_(torch.from_numpy(arrays[name].reshape(parameter.shape)))
    return model.eval(), tokenizer


def load_checkpoint(run: Path) -> tuple[Llama, CharTokenizer]:
    state = torch.load(run / "model.pt", weights_only=False)
    model = Llama(Config(**{**state["config"], "dropout": 0.0}))
    model.load_state_dict(state["model"])
    return model.eval(), CharTokenizer.load(run / "tokenizer.json")


if __name__ == "__main__":
    run = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "run"
    target = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("data/starter-model.gguf")
    model, tokenizer = load_checkpoint(run)
    export(model, tokenizer, target, "Writes folk-style ABC tunes; see data/starter-model.md")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB)")
