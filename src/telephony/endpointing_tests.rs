use super::*;

fn tone(amplitude: f32, marker: i16) -> Vec<i16> {
    let mut frame: Vec<i16> = (0..FRAME_SAMPLES)
        .map(|i| (amplitude * (i as f32 * 2.0 * std::f32::consts::PI * 300.0 / 8000.0).sin()) as i16)
        .collect();
    frame[0] = marker;
    frame
}

fn silence(marker: i16) -> Vec<i16> {
    let mut frame = vec![0i16; FRAME_SAMPLES];
    frame[0] = marker;
    frame
}

/// Feeds `n` frames and returns the events with the index (in this call) of
/// the frame that produced them.
fn feed(ep: &mut Endpointer, voiced: bool, loud: bool, n: usize) -> Vec<(usize, EndpointEvent)> {
    let frame = if voiced { tone(if loud { 8000.0 } else { 200.0 }, 1) } else { silence(0) };
    (0..n).filter_map(|i| ep.push(voiced, &frame).map(|e| (i, e))).collect()
}

fn names(events: &[(usize, EndpointEvent)]) -> Vec<&'static str> {
    events
        .iter()
        .map(|(_, e)| match e {
            EndpointEvent::SpeechStarted { barge_in: false } => "start",
            EndpointEvent::SpeechStarted { barge_in: true } => "barge_in",
            EndpointEvent::Speculate { .. } => "speculate",
            EndpointEvent::SpeculationCancelled { .. } => "cancel",
            EndpointEvent::TurnEnded(_) => "end",
            EndpointEvent::NoInput => "no_input",
        })
        .collect()
}

fn turn(events: &[(usize, EndpointEvent)]) -> &Utterance {
    events
        .iter()
        .find_map(|(_, e)| if let EndpointEvent::TurnEnded(u) = e { Some(u) } else { None })
        .expect("turn ended")
}

#[test]
fn a_click_does_not_start_a_turn() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    assert!(feed(&mut ep, false, false, 20).is_empty());
    assert!(feed(&mut ep, true, true, 2).is_empty());
    assert!(feed(&mut ep, false, false, 20).is_empty());
    assert!(!ep.is_caller_speaking());
}

#[test]
fn speech_starts_on_the_third_voiced_frame() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    feed(&mut ep, false, false, 10);
    let events = feed(&mut ep, true, true, 5);
    assert_eq!(names(&events), ["start"]);
    assert_eq!(events[0].0, 2, "third voiced frame");
}

#[test]
fn turn_ends_after_300ms_with_speculation_at_100ms() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    feed(&mut ep, false, false, 20);
    feed(&mut ep, true, true, 50); // one second of speech
    let events = feed(&mut ep, false, false, 30);
    assert_eq!(names(&events), ["speculate", "end"]);
    assert_eq!(events[0].0, 4, "speculation after 5 silent frames (100 ms)");
    assert_eq!(events[1].0, 14, "end after 15 silent frames (300 ms)");
    let EndpointEvent::Speculate { id, audio } = &events[0].1 else { unreachable!() };
    let u = turn(&events);
    assert_eq!(u.reason, EndReason::Silence);
    assert_eq!(u.speculation, Some(*id));
    assert_eq!(&u.audio, audio, "speculation covers exactly the turn's audio");
    // 50 speech frames + 5 silent tail frames + at most pre-roll/window frames.
    let frames = u.audio.len() / FRAME_SAMPLES;
    assert!((55..=55 + 10 + 13).contains(&frames), "{frames} frames");
    assert_eq!(u.voiced_ms, 1000);
    assert!(!u.barge_in);
}

#[test]
fn a_pause_shorter_than_the_endpoint_keeps_one_turn_and_cancels_speculation() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    feed(&mut ep, true, true, 40);
    let mut events = feed(&mut ep, false, false, 10); // 200 ms comma pause
    events.extend(feed(&mut ep, true, true, 30));
    events.extend(feed(&mut ep, false, false, 20));
    assert_eq!(names(&events), ["speculate", "cancel", "speculate", "end"]);
    let EndpointEvent::Speculate { id: first, .. } = events[0].1 else { unreachable!() };
    assert_eq!(events[1].1, EndpointEvent::SpeculationCancelled { id: first });
    let EndpointEvent::Speculate { id: second, .. } = events[2].1 else { unreachable!() };
    assert_ne!(first, second);
    assert_eq!(turn(&events).speculation, Some(second));
    assert_eq!(turn(&events).voiced_ms, 70 * FRAME_MS);
}

#[test]
fn a_pause_longer_than_the_endpoint_splits_the_turn() {
    let mut ep = Endpointer::new(EndpointConfig { end_silence_ms: 300, ..EndpointConfig::default() });
    feed(&mut ep, true, true, 40);
    let mut events = feed(&mut ep, false, false, 20);
    events.extend(feed(&mut ep, true, true, 30));
    events.extend(feed(&mut ep, false, false, 20));
    assert_eq!(names(&events), ["speculate", "end", "start", "speculate", "end"]);
}

#[test]
fn a_single_voiced_blip_in_the_silence_does_not_cancel() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    feed(&mut ep, true, true, 30);
    let mut events = feed(&mut ep, false, false, 7);
    events.extend(feed(&mut ep, true, true, 1));
    events.extend(feed(&mut ep, false, false, 10));
    assert_eq!(names(&events), ["speculate", "end"]);
}

#[test]
fn max_length_cuts_a_monologue() {
    let mut ep = Endpointer::new(EndpointConfig { max_utterance_ms: 2_000, ..EndpointConfig::default() });
    let events = feed(&mut ep, true, true, 150);
    assert_eq!(names(&events), ["start", "end", "start"]);
    let u = turn(&events);
    assert_eq!(u.reason, EndReason::MaxLength);
    assert_eq!(u.audio.len(), 100 * FRAME_SAMPLES);
    assert_eq!(u.speculation, None);
}

#[test]
fn pre_roll_keeps_the_audio_before_speech_start() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    for marker in 100..130 {
        assert!(ep.push(false, &silence(marker)).is_none());
    }
    let mut events = Vec::new();
    for marker in 200..260 {
        if let Some(e) = ep.push(true, &tone(8000.0, marker)) {
            events.push((0, e));
        }
    }
    events.extend(feed(&mut ep, false, false, 20));
    let u = turn(&events);
    let markers: Vec<i16> = u.audio.chunks(FRAME_SAMPLES).map(|f| f[0]).collect();
    // The ten silent frames (200 ms) right before the first voiced one are kept...
    let first_voiced = markers.iter().position(|&m| m == 200).expect("speech kept");
    assert!(first_voiced >= 10, "pre-roll of {first_voiced} frames");
    assert_eq!(&markers[first_voiced - 10..first_voiced], &(120..130).collect::<Vec<i16>>()[..]);
    // ...and every voiced frame is there, in order.
    assert_eq!(&markers[first_voiced..first_voiced + 60], &(200..260).collect::<Vec<i16>>()[..]);
}

#[test]
fn barge_in_needs_200ms_of_loud_speech_while_the_agent_talks() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    ep.set_agent_speaking(true);
    // Our own echo: voiced by the VAD but quiet.
    assert!(feed(&mut ep, true, false, 100).is_empty(), "echo must not barge in");
    feed(&mut ep, false, false, 10);
    // "mhm": 160 ms.
    assert!(feed(&mut ep, true, true, 8).is_empty(), "backchannel must not barge in");
    feed(&mut ep, false, false, 10);
    let events = feed(&mut ep, true, true, 20);
    assert_eq!(names(&events), ["barge_in"]);
    assert_eq!(events[0].0, 9, "after 10 loud voiced frames (200 ms)");
    ep.set_agent_speaking(false);
    let events = feed(&mut ep, false, false, 20);
    assert!(turn(&events).barge_in);
}

#[test]
fn barge_in_tolerates_a_short_dip() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    ep.set_agent_speaking(true);
    let mut events = feed(&mut ep, true, true, 6);
    events.extend(feed(&mut ep, false, false, 1));
    events.extend(feed(&mut ep, true, true, 4));
    assert_eq!(names(&events), ["barge_in"]);
}

#[test]
fn quiet_speech_still_starts_a_turn_when_the_agent_is_silent() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    assert_eq!(names(&feed(&mut ep, true, false, 5)), ["start"]);
}

#[test]
fn no_input_fires_every_six_seconds_of_mutual_silence() {
    let mut ep = Endpointer::new(EndpointConfig::default());
    ep.set_agent_speaking(true);
    assert!(feed(&mut ep, false, false, 400).is_empty(), "not while the agent talks");
    ep.set_agent_speaking(false);
    let events = feed(&mut ep, false, false, 600);
    assert_eq!(names(&events), ["no_input", "no_input"]);
    assert_eq!(events[0].0, 299);
    assert_eq!(events[1].0, 599);
}

#[test]
fn rms_of_known_signals() {
    assert_eq!(rms(&[]), 0.0);
    assert_eq!(rms(&[3, -3, 3, -3]), 3.0);
    let r = rms(&tone(1000.0, 0));
    assert!((r - 707.0).abs() < 15.0, "{r}");
}
