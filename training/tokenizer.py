"""Character vocabulary with byte fallback, laid out the way llama.cpp's "llama" (SentencePiece)
tokenizer reads it from a GGUF: three control tokens, 256 byte tokens, then one token per
character, with the space written as SentencePiece's "▁". llama.cpp then splits text into the same
ids as `encode` (a character outside the vocabulary becomes its UTF-8 bytes)."""

from __future__ import annotations

import json
from pathlib import Path

SPECIALS = ("<unk>", "<s>", "</s>")
UNK, BOS, EOS = 0, 1, 2
BYTE_OFFSET = len(SPECIALS)
SPACE = "\u2581"


class CharTokenizer:
    def __init__(self, chars: list[str]):
        self.chars = sorted(set(chars) - {" "} | {SPACE})
        self.tokens = [*SPECIALS, *(f"<0x{b:02X}>" for b in range(256)), *self.chars]
        self.index = {token: i for i, token in enumerate(self.tokens)}
        first = BYTE_OFFSET + 256
        self.char_ids = {char: first + i for i, char in enumerate(self.chars)}

    @classmethod
    def from_texts(cls, texts: list[str]) -> CharTokenizer:
        return cls(sorted({char for text in texts for char in text}))

    @classmethod
    def load(cls, path: Path) -> CharTokenizer:
        return cls(json.loads(path.read_text(encoding="utf-8"))["chars"])

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"chars": self.chars}, ensure_ascii=False), encoding="utf-8")

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, bos: bool = False, eos: bool = False) -> list[int]:
        ids = [BOS] if bos else []
        for char in text.replace(" ", SPACE):
            if char in self.char_ids:
                ids.append(self.char_ids[char])
            else:
                ids.extend(BYTE_OFFSET + b for b in char.encode("utf-8"))
        return ids + ([EOS] if eos else [])

    def decode(self, ids: list[int]) -> str:
        out = bytearray()
        for i in ids:
            if BYTE_OFFSET <= i < BYTE_OFFSET + 256:
                out.append(i - BYTE_OFFSET)
            elif i >= BYTE_OFFSET + 256:
                out.extend(self.tokens[i].replace(SPACE, " ").encode("utf-8"))
        return out.decode("utf-8", errors="replace")
