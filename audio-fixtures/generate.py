#!/usr/bin/env python3
"""Generates the harness's caller fixtures: phone-band 8 kHz G.711 mu-law WAVs.

Why a generator and not recordings: every condition (voice, accent, noise
type, SNR) is then one line of data, the whole matrix can be rebuilt on any
machine, and the same bytes come out every time (espeak-ng and sox are
deterministic with dither off; every noise is drawn from a seeded PRNG here,
not from sox's unseeded generators).

    audio-fixtures/generate.py              # the small core set (committed)
    audio-fixtures/generate.py --full DIR   # the full voices x noise matrix

Needs: python3 (stdlib only), espeak-ng, sox. Packet loss and jitter are not
baked into the audio: they are manifest fields (`loss`, `jitter_ms`) that the
harness applies while it streams, because on a real call they happen to the
packets (missing `media` events, bursty arrival), not to the waveform.
"""

import argparse
import array
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import wave

RATE = 8000

# Caller turns per scenario, in order. `intent` is what the policy should
# recognise on that turn (None: a slot answer, not an intent); `outcome` is
# the CRM effect the whole scenario must end with. Intent names are the
# assistant's (`assistant::Intent`, snake_case; any `question` kind).
SCENARIOS = {
    "booking": {
        "outcome": "booked",
        "turns": [
            ("I need someone to repair my water heater, it stopped working.", "book"),
            ("My name is John Smith.", None),
            ("Forty two Oak Street.", None),
            ("Tomorrow morning would be great.", None),
            ("Yes, that works.", None),
            # Against a live calendar the agent may counter-offer before the
            # read-back, so the script confirms once more.
            ("Yes, please book it.", None),
        ],
    },
    "emergency": {
        "outcome": "emergency_booked",
        "turns": [
            ("A pipe just burst in my basement and there is water everywhere!", "emergency"),
            ("Sarah Johnson.", None),
            ("Eighteen Maple Avenue.", None),
            ("Yes, please send someone right away.", None),
        ],
    },
    "reschedule": {
        "outcome": "rescheduled",
        "turns": [
            ("I need to reschedule my appointment.", "reschedule"),
            ("Can we do Friday afternoon instead?", None),
            ("Yes, that's fine.", None),
            ("Yes, that's right.", None),
        ],
    },
    "cancel": {
        "outcome": "cancelled",
        "turns": [
            ("I'd like to cancel my appointment.", "cancel"),
            ("Yes, please cancel it.", None),
        ],
    },
    "hours": {
        "outcome": "answered",
        "turns": [("What are your hours on Saturday?", "question")],
    },
    "person": {
        "outcome": "transferred",
        "turns": [("Can I talk to a person, please?", "talk_to_person")],
    },
    "long": {
        "outcome": "answered",
        "turns": [("My water heater is leaking, can someone come tomorrow?", "book")],
    },
    # Spoken over the agent's greeting: measures barge-in reaction.
    "barge_in": {
        "outcome": "interrupted",
        "turns": [("Sorry, wait, I have a question.", None)],
    },
}

# (id, espeak voice, words per minute, pitch 0-99)
VOICES = [
    ("us", "en-us", 160, 50),
    ("gb", "en-gb", 160, 50),
    ("scot", "en-gb-scotland", 155, 45),
    ("carib", "en-029", 150, 55),
    ("rp", "en-gb-x-rp", 165, 50),
    ("us-slow-high", "en-us", 125, 75),
    ("us-fast-low", "en-us", 195, 25),
]

NOISES = ["white", "pink", "brown", "babble", "hum"]
SNRS = [20, 10, 5]

BABBLE_LINES = [
    ("en-us", "Did you see the game last night, it went into overtime."),
    ("en-gb", "I will pick up the groceries on my way home from work."),
    ("en-029", "The bus was late again so I walked the whole way."),
    ("en-gb-scotland", "She said the meeting moved to Thursday at three."),
    ("en-us+f3", "We should paint the kitchen a lighter colour this spring."),
]


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def read_pcm16(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1 and w.getframerate() == RATE, path
        data = array.array("h")
        data.frombytes(w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        data.byteswap()
    return list(data)


def write_pcm16(path, samples):
    data = array.array("h", (max(-32768, min(32767, int(round(s)))) for s in samples))
    if sys.byteorder == "big":
        data.byteswap()
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(data.tobytes())


def speak(tmp, voice, wpm, pitch, text):
    """espeak-ng -> 16-bit 8 kHz PCM (no band limit yet, no dither)."""
    raw = os.path.join(tmp, "espeak.wav")
    out = os.path.join(tmp, "speech8k.wav")
    run(["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", raw, text])
    run(["sox", "-D", raw, "-r", str(RATE), "-c", "1", "-b", "16", out])
    return read_pcm16(out)


def active_rms(samples):
    """RMS over 20 ms frames within 40 dB of the loudest: speech level, not pauses."""
    frames = [samples[i : i + 160] for i in range(0, len(samples) - 159, 160)]
    energies = [sum(s * s for s in f) / len(f) for f in frames] or [0.0]
    peak = max(energies)
    active = [e for e in energies if e > peak * 1e-4] or [peak]
    return math.sqrt(sum(active) / len(active))


def seed_for(*parts):
    return int.from_bytes(hashlib.sha256("/".join(map(str, parts)).encode()).digest()[:8], "little")


def white(n, rng):
    return [rng.gauss(0.0, 1.0) for _ in range(n)]


def pink(n, rng):
    # Paul Kellet's economy pink filter over white noise.
    b0 = b1 = b2 = 0.0
    out = []
    for _ in range(n):
        w = rng.gauss(0.0, 1.0)
        b0 = 0.99765 * b0 + w * 0.0990460
        b1 = 0.96300 * b1 + w * 0.2965164
        b2 = 0.57000 * b2 + w * 1.0526913
        out.append(b0 + b1 + b2 + w * 0.1848)
    return out


def brown(n, rng):
    # Leaky integrator, so it does not wander off to DC.
    acc = 0.0
    out = []
    for _ in range(n):
        acc = 0.995 * acc + rng.gauss(0.0, 1.0) * 0.1
        out.append(acc)
    return out


def hum(n, rng):
    # Mains hum with its odd harmonics (a bad ground on a cheap handset);
    # 60 Hz itself is cut by the phone band, the harmonics are not.
    phase = rng.random() * 2 * math.pi
    return [
        sum(math.sin(2 * math.pi * f * (i / RATE) + phase * k) / k for k, f in enumerate((60, 180, 300, 420, 540), 1))
        for i in range(n)
    ]


_babble_cache = {}


def babble(n, rng, tmp):
    """Several other voices talking at once, each starting at a random offset."""
    if "bed" not in _babble_cache:
        _babble_cache["bed"] = [speak(tmp, v, 165, 50, text) for v, text in BABBLE_LINES]
    out = [0.0] * n
    for voice in _babble_cache["bed"]:
        level = 1.0 / max(active_rms(voice), 1.0)
        offset = rng.randrange(len(voice))
        for i in range(n):
            out[i] += voice[(offset + i) % len(voice)] * level
    return out


def mix(speech, noise_kind, snr_db, seed, tmp):
    if noise_kind == "clean":
        return speech
    rng = random.Random(seed)
    n = len(speech)
    noise = {"white": white, "pink": pink, "brown": brown, "hum": hum}.get(noise_kind)
    noise = noise(n, rng) if noise else babble(n, rng, tmp)
    noise_rms = math.sqrt(sum(x * x for x in noise) / n) or 1.0
    gain = active_rms(speech) / (noise_rms * 10 ** (snr_db / 20))
    mixed = [s + x * gain for s, x in zip(speech, noise)]
    peak = max(abs(x) for x in mixed)
    if peak > 32000:  # keep the SNR, avoid clipping
        mixed = [x * 32000 / peak for x in mixed]
    return mixed


def speech_span_ms(samples):
    """First and last 20 ms frame of the clean speech within 35 dB of its
    loudest frame: where the caller starts and stops talking, which the
    harness cannot tell from a noisy file."""
    frames = [samples[i : i + 160] for i in range(0, len(samples) - 159, 160)]
    energies = [sum(s * s for s in f) / len(f) for f in frames]
    peak = max(energies)
    active = [i for i, e in enumerate(energies) if e > peak * 10 ** (-35 / 10)]
    return active[0] * 20, (active[-1] + 1) * 20


def render(tmp, out_path, voice, text, noise, snr, seed):
    _vid, espeak_voice, wpm, pitch = voice
    speech = speak(tmp, espeak_voice, wpm, pitch, text)
    span = speech_span_ms(speech)
    mixed_path = os.path.join(tmp, "mixed.wav")
    write_pcm16(mixed_path, mix(speech, noise, snr, seed, tmp))
    # Phone band, then G.711 mu-law at 8 kHz, no dither: what Twilio sends.
    run(["sox", "-D", mixed_path, "-r", str(RATE), "-e", "mu-law", out_path, "sinc", "300-3400"])
    return span


def entry(set_dir, voice, scenario, turn, noise, snr, loss=0.0, jitter_ms=0):
    vid = voice[0]
    text, intent = SCENARIOS[scenario]["turns"][turn]
    cond = "clean" if noise == "clean" else f"{noise}{snr}"
    net = f"-loss{int(loss * 100)}-jit{jitter_ms}" if loss or jitter_ms else ""
    fid = f"{scenario}-t{turn + 1}-{vid}-{cond}{net}"
    return {
        "id": fid,
        "file": f"{set_dir}/{scenario}-t{turn + 1}-{vid}-{cond}.wav",
        "text": text,
        "voice": vid,
        "espeak_voice": voice[1],
        "speed_wpm": voice[2],
        "pitch": voice[3],
        "noise": noise,
        "snr_db": None if noise == "clean" else snr,
        "loss": loss,
        "jitter_ms": jitter_ms,
        "scenario": scenario,
        "turn": turn + 1,
        "turns_in_scenario": len(SCENARIOS[scenario]["turns"]),
        "intent": intent,
        "outcome": SCENARIOS[scenario]["outcome"],
        "barge_in": scenario == "barge_in",
    }


def core_set():
    """Small enough to commit (~0.6 MB): every turn clean in the US voice,
    the long sentence in every voice and every noise at 10 dB, a few 5 dB
    and network-impaired cases."""
    us = VOICES[0]
    out = []
    for scenario, spec in SCENARIOS.items():
        for turn in range(len(spec["turns"])):
            out.append(entry("core", us, scenario, turn, "clean", None))
    for voice in VOICES[1:]:
        out.append(entry("core", voice, "long", 0, "clean", None))
    for noise in NOISES:
        out.append(entry("core", us, "long", 0, noise, 10))
    out.append(entry("core", us, "long", 0, "babble", 5))
    out.append(entry("core", us, "long", 0, "pink", 5))
    out.append(entry("core", us, "emergency", 0, "babble", 10))
    out.append(entry("core", us, "long", 0, "clean", None, loss=0.05, jitter_ms=40))
    out.append(entry("core", VOICES[2], "long", 0, "pink", 20, loss=0.02, jitter_ms=20))
    return out


def full_set():
    out = []
    for voice in VOICES:
        for scenario, spec in SCENARIOS.items():
            for turn in range(len(spec["turns"])):
                out.append(entry("full", voice, scenario, turn, "clean", None))
                for noise in NOISES:
                    for snr in SNRS:
                        out.append(entry("full", voice, scenario, turn, noise, snr))
        out.append(entry("full", voice, "long", 0, "clean", None, loss=0.05, jitter_ms=40))
        out.append(entry("full", voice, "long", 0, "pink", 10, loss=0.10, jitter_ms=60))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", metavar="DIR", help="write the full matrix here (with its manifest) instead of the core set")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    if args.full:
        root = os.path.abspath(args.full)
        entries = full_set()
        # Paths in a full manifest are relative to its own folder.
        for e in entries:
            e["file"] = e["file"].removeprefix("full/")
        audio_dir = root
        manifest = os.path.join(root, "manifest.json")
    else:
        root = here
        entries = core_set()
        audio_dir = os.path.join(here, "core")
        manifest = os.path.join(here, "manifest.json")
    os.makedirs(audio_dir, exist_ok=True)
    rendered = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, e in enumerate(entries):
            path = os.path.join(root, e["file"])
            if path not in rendered:
                voice = next(v for v in VOICES if v[0] == e["voice"])
                seed = seed_for(e["scenario"], e["turn"], e["voice"], e["noise"], e["snr_db"])
                rendered[path] = render(tmp, path, voice, e["text"], e["noise"], e["snr_db"] or 0, seed)
            e["speech_start_ms"], e["speech_end_ms"] = rendered[path]
            print(f"\r{i + 1}/{len(entries)} {e['id']:<60}", end="", file=sys.stderr)
    print(file=sys.stderr)
    doc = {
        "version": 1,
        "sample_rate": RATE,
        "encoding": "audio/x-mulaw",
        "generator": "audio-fixtures/generate.py" + (" --full" if args.full else ""),
        "scenarios": {k: {"outcome": v["outcome"], "turns": [t for t, _ in v["turns"]]} for k, v in SCENARIOS.items()},
        "fixtures": entries,
    }
    with open(manifest, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"{len(entries)} fixtures, manifest {manifest}", file=sys.stderr)


if __name__ == "__main__":
    main()
