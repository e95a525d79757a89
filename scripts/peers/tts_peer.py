"""pyttsx3 through its espeak driver: the TTS peer of `voice bench tts`.

Usage: tts_peer.py RUNS OUT_DIR TEXT ; prints {"ms": [..], "first_audio_ms": [..], "seconds": audio length}.
pyttsx3 only writes whole files, so its first audio is when the file is complete.
"""
import contextlib
import json
import os
import sys
import time
import wave

import pyttsx3

runs, out_dir, text = int(sys.argv[1]), sys.argv[2], sys.argv[3]
engine = pyttsx3.init("espeak")
engine.setProperty("rate", 150)
times = []
path = os.path.join(out_dir, "peer.wav")
for i in range(runs + 1):
    start = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # the driver prints "Audio saved to …"
        engine.save_to_file(text, path)
        engine.runAndWait()
    elapsed = (time.perf_counter() - start) * 1000
    if i > 0:  # the first run is a warm-up
        times.append(elapsed)
with wave.open(path) as w:
    seconds = w.getnframes() / w.getframerate()
print(json.dumps({"ms": times, "first_audio_ms": times, "seconds": seconds}))
