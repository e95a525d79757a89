"""Piper's own runtime (piper-tts, onnxruntime in Python): the neural-voice peer of `voice bench tts`.

Usage: piper_peer.py MODEL. Loads the voice once, prints {"rss": bytes}, then answers each stdin line:
{"text": ..., "runs": n} with {"first_ms": [..], "total_ms": [..], "seconds": audio length};
{"texts": [..], "folder": path} by writing each text's speech to folder/NN.wav and answering {"files": [..]}.
"""
import json
import os
import sys
import time
import wave

from piper import PiperVoice


def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


voice = PiperVoice.load(sys.argv[1])
list(voice.synthesize("Warming up."))
print(json.dumps({"rss": rss()}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if "texts" in request:
        files = []
        for index, text in enumerate(request["texts"]):
            files.append(os.path.join(request["folder"], f"{index:02d}.wav"))
            with wave.open(files[-1], "wb") as out:
                voice.synthesize_wav(text, out)
        print(json.dumps({"files": files}), flush=True)
        continue
    first, total, seconds = [], [], 0.0
    for _ in range(request["runs"]):
        start = time.perf_counter()
        samples = 0
        for index, chunk in enumerate(voice.synthesize(request["text"])):
            if index == 0:
                first.append((time.perf_counter() - start) * 1000)
            samples += len(chunk.audio_int16_array)
        total.append((time.perf_counter() - start) * 1000)
        seconds = samples / voice.config.sample_rate
    print(json.dumps({"first_ms": first, "total_ms": total, "seconds": seconds, "rss": rss()}), flush=True)
