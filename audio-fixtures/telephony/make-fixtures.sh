#!/bin/sh
# Regenerates the caller utterances used by the telephony tests: espeak-ng
# speech (a different synthesiser than our Piper voice), phone band, 8 kHz
# G.711 mu-law WAV, no dither. Needs espeak-ng and sox.
set -eu
cd "$(dirname "$0")"
say() {
  espeak-ng -v en-us -s 150 -w /tmp/tel-fixture.wav "$2"
  sox -D /tmp/tel-fixture.wav -r 8000 -e mu-law "$1.wav" sinc 300-3400
}
say water-heater "My water heater is leaking, can someone come tomorrow?"
say kitchen-sink "Please send a plumber to fix the kitchen sink."
say drain "The drain in my shower is clogged."
say hours "What time do you open on Saturday?"
say interrupt "Sorry, wait, I have a question."
# A slow speaker with long gaps between words (-g: gap in 10 ms units).
espeak-ng -v en-us -s 110 -g 12 -w /tmp/tel-fixture.wav "My water heater is leaking, can someone come tomorrow?"
sox -D /tmp/tel-fixture.wav -r 8000 -e mu-law water-heater-slow.wav sinc 300-3400
# A caller reading out a phone number in groups.
espeak-ng -v en-us -s 140 -w /tmp/tel-fixture.wav "My number is 555, 201, 4477."
sox -D /tmp/tel-fixture.wav -r 8000 -e mu-law phone-number.wav sinc 300-3400
