"""faster-whisper on the same CTranslate2 model, 2 threads, greedy or a beam: the STT peer of `voice bench stt`.

Usage: stt_peer.py MODEL_DIR RUNS BEAM_SIZE WAV... ; prints one JSON object {wav: {"ms": [..], "text": ".."}}.
"""
import json
import sys
import time

from faster_whisper import WhisperModel

model_dir, runs, beam_size, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=2)
results = {}
for path in files:
    def once():
        segments, _ = model.transcribe(path, beam_size=beam_size, best_of=1, temperature=0.0, language="en",
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
