#!/usr/bin/env python3
"""Independent numpy reference for all-MiniLM-L6-v2 sentence embeddings.

Reads the Hugging Face files directly (no torch, no transformers), so it can
check the GGUF conversion and llama.cpp's BERT graph against something that
shares none of their code. Prints JSON:
{"model": "all-MiniLM-L6-v2", "sentences": {sentence: [384 floats]}}

Usage: minilm_reference.py MODEL_DIR [--decimals N] [--tokens]
"""

import argparse
import json
import struct
import sys
import unicodedata
from pathlib import Path

import numpy as np
from scipy.special import erf

SENTENCES = [
    "How do I descale my kettle?",
    "To descale a kettle, boil a mixture of water and white vinegar, then rinse it.",
    "The ferry timetable changes in winter.",
    "Café prices rose by 3.5% — again!",
]

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def load_safetensors(path):
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    (header_len,) = struct.unpack("<Q", raw[:8].tobytes())
    header = json.loads(raw[8:8 + header_len].tobytes())
    base = 8 + header_len
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        data = raw[base + start:base + end].view(DTYPES[info["dtype"]])
        tensors[name] = data.reshape(info["shape"]).astype(np.float64)
    return tensors


# --- BERT BasicTokenizer + WordPiece (uncased), as in HF BertTokenizer ---

def is_control(ch):
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch).startswith("C")


def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokenize(text):
    cleaned = []
    for ch in text:
        if ord(ch) in (0, 0xFFFD) or is_control(ch):
            continue
        if is_chinese(ord(ch)):
            cleaned.append(f" {ch} ")
        else:
            cleaned.append(" " if is_whitespace(ch) else ch)
    words = []
    for word in "".join(cleaned).split():
        word = unicodedata.normalize("NFD", word.lower())
        word = "".join(ch for ch in word if unicodedata.category(ch) != "Mn")
        current = ""
        for ch in word:
            if is_punctuation(ch):
                if current:
                    words.append(current)
                words.append(ch)
                current = ""
            else:
                current += ch
        if current:
            words.append(current)
    return words


def wordpiece(word, vocab, unk_id):
    if len(word) > 100:
        return [unk_id]
    ids, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                ids.append(vocab[piece])
                break
            end -= 1
        if end == start:
            return [unk_id]
        start = end
    return ids


def tokenize(text, vocab, max_len=256):
    ids = [i for w in basic_tokenize(text) for i in wordpiece(w, vocab, vocab["[UNK]"])]
    return [vocab["[CLS]"]] + ids[:max_len - 2] + [vocab["[SEP]"]]


# --- forward pass ---

def layer_norm(x, w, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def linear(x, t, prefix):
    return x @ t[prefix + ".weight"].T + t[prefix + ".bias"]


def embed(ids, t, cfg):
    n_heads = cfg["num_attention_heads"]
    eps = cfg["layer_norm_eps"]
    n = len(ids)
    x = (t["embeddings.word_embeddings.weight"][ids]
         + t["embeddings.position_embeddings.weight"][:n]
         + t["embeddings.token_type_embeddings.weight"][0])
    x = layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"], eps)
    head_dim = x.shape[1] // n_heads
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q, k, v = (linear(x, t, p + f"attention.self.{m}").reshape(n, n_heads, head_dim).transpose(1, 0, 2)
                   for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_dim)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(n, -1)
        x = layer_norm(x + linear(ctx, t, p + "attention.output.dense"),
                       t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"], eps)
        h = linear(x, t, p + "intermediate.dense")
        h = 0.5 * h * (1.0 + erf(h / np.sqrt(2.0)))
        x = layer_norm(x + linear(h, t, p + "output.dense"),
                       t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"], eps)
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--decimals", type=int, default=6)
    parser.add_argument("--tokens", action="store_true", help="print token ids instead of embeddings")
    args = parser.parse_args()

    lines = (args.model_dir / "vocab.txt").read_text(encoding="utf-8").split("\n")
    vocab = {tok: i for i, tok in enumerate(lines) if tok}
    if args.tokens:
        json.dump({s: tokenize(s, vocab) for s in SENTENCES}, sys.stdout, ensure_ascii=False)
        print()
        return
    cfg = json.loads((args.model_dir / "config.json").read_text())
    tensors = load_safetensors(args.model_dir / "model.safetensors")
    out = {"model": "all-MiniLM-L6-v2", "sentences": {}}
    for s in SENTENCES:
        out["sentences"][s] = [round(float(v), args.decimals) for v in embed(tokenize(s, vocab), tensors, cfg)]
    json.dump(out, sys.stdout, ensure_ascii=False)
    print()


if __name__ == "__main__":
    main()
