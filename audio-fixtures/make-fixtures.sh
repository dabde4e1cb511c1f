#!/bin/sh
# Regenerates the committed audio fixtures. Needs sox and espeak-ng.
# The mu-law references use `sox -D` (no dither) so the encoding is exactly
# G.711 of the input samples and can be compared byte for byte.
set -eu
cd "$(dirname "$0")"
R=reference
# 1 s loud sweep across the phone band + 0.5 s quiet pink noise (exercises every mu-law segment).
sox -n -r 8000 -b 16 -c 1 /tmp/sweep.wav synth 1 sine 100-3800 vol 0.9
sox -n -r 8000 -b 16 -c 1 /tmp/noise.wav synth 0.5 pinknoise vol 0.02
sox /tmp/sweep.wav /tmp/noise.wav $R/sweep-8k-pcm16.wav
sox -D $R/sweep-8k-pcm16.wav -e mu-law $R/sweep-8k-mulaw.wav
sox -D $R/sweep-8k-mulaw.wav -e signed-integer -b 16 $R/sweep-8k-mulaw-decoded-pcm16.wav
# 440 Hz at the voice's rate, and sox's own 8 kHz version of it (energy reference).
sox -n -r 22050 -b 16 -c 1 $R/tone440-22050-pcm16.wav synth 1 sine 440 vol 0.5
sox -D $R/tone440-22050-pcm16.wav -r 8000 $R/tone440-8000-sox-pcm16.wav
# Speech by a different synthesiser than ours (espeak-ng), for the converter test.
espeak-ng -v en-us -s 150 -w /tmp/fixture-speech.wav "Please send a plumber to fix the kitchen sink."
sox -D /tmp/fixture-speech.wav -r 16000 -b 16 speech/kitchen-sink-16k-pcm16.wav
sox -D /tmp/fixture-speech.wav -r 8000 -e mu-law speech/kitchen-sink-8k-mulaw.wav
