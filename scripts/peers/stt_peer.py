"""faster-whisper on the same CTranslate2 model, greedy, 2 threads: the STT peer of `voice bench stt`.

Usage: stt_peer.py MODEL_DIR RUNS WAV... ; prints one JSON object {wav: {"ms": [..], "text": ".."}}.
"""
import json
import sys
import time

from faster_whisper import WhisperModel

model_dir, runs, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=2)
results = {}
for path in files:
    def once():
        segments, _ = model.transcribe(path, beam_size=1, best_of=1, temperature=0.0, language="en",
                                       condition_on_previous_text=False, vad_filter=False)
        return " ".join(s.text.strip() for s in segments)
    once()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        text = once()
        times.append((time.perf_counter() - start) * 1000)
    results[path] = {"ms": times, "text": text}
print(json.dumps(results))
