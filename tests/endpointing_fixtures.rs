//! Endpointing on real speech: which silence threshold splits which
//! utterance? Runs the fixtures through webrtc-vad and the endpointer exactly
//! as a call does (20 ms frames, same VAD mode) and counts the turns.

mod support;

use support::call_harness::fixture;
use switchboard::speech::codec;
use switchboard::telephony::endpointing::{EndpointConfig, EndpointEvent, Endpointer, FRAME_SAMPLES};
use webrtc_vad::{SampleRate, Vad, VadMode};

/// Turns the endpointer finds in `name` (followed by 1 s of silence).
fn turns(name: &str, end_silence_ms: u32) -> usize {
    let mut samples = codec::decode(&fixture(name));
    samples.extend(std::iter::repeat_n(0i16, 8000));
    let mut vad = Vad::new_with_rate_and_mode(SampleRate::Rate8kHz, VadMode::Aggressive);
    let mut ep = Endpointer::new(EndpointConfig { end_silence_ms, ..EndpointConfig::default() });
    samples
        .chunks_exact(FRAME_SAMPLES)
        .filter_map(|frame| ep.push(vad.is_voice_segment(frame).unwrap_or(false), frame))
        .filter(|e| matches!(e, EndpointEvent::TurnEnded(_)))
        .count()
}

#[test]
fn which_silence_splits_which_utterance() {
    let fixtures = ["water-heater", "water-heater-slow", "phone-number", "kitchen-sink", "drain", "hours"];
    let thresholds = [150, 200, 250, 300, 400, 500, 800];
    println!("turns found per end-of-turn silence (ms): {thresholds:?}");
    let mut table = Vec::new();
    for name in fixtures {
        let row: Vec<usize> = thresholds.iter().map(|&t| turns(name, t)).collect();
        println!("{name:>18}: {row:?}");
        table.push((name, row));
    }
    // At the default 300 ms every normally paced utterance is one turn, the
    // phone number read in groups included (it splits at 250 ms and below)...
    let at = |ms: u32| thresholds.iter().position(|&t| t == ms).unwrap();
    for (name, row) in &table {
        assert!(row.windows(2).all(|w| w[0] >= w[1]), "{name}: longer silences never split more: {row:?}");
        if *name != "water-heater-slow" {
            assert_eq!(row[at(300)], 1, "{name} must be one turn at 300 ms");
        }
    }
    // ...while a very slow speaker (120 ms between words, a long comma pause)
    // needs 800 ms; the call pipeline covers the gap by joining a turn with
    // its continuation while the first part is still being transcribed.
    let slow = &table.iter().find(|(n, _)| *n == "water-heater-slow").unwrap().1;
    assert!(slow[at(300)] > 1 && slow[at(800)] == 1, "{slow:?}");
}
