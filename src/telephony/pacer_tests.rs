use super::*;

const LEAD: Duration = Duration::from_millis(80);

/// Drives the pacer on tokio's paused clock until `until` and returns what it
/// sent, each with the time since `t0`.
async fn drive(p: &mut Pacer, t0: Instant, until: Duration) -> Vec<(Duration, Outbound)> {
    let mut sent = Vec::new();
    loop {
        let now = Instant::now();
        for m in p.poll(now) {
            sent.push((now - t0, m));
        }
        let Some(wake) = p.next_wakeup(Instant::now()) else {
            break;
        };
        if wake > t0 + until {
            break;
        }
        tokio::time::sleep_until(wake).await;
    }
    tokio::time::sleep_until(t0 + until).await;
    sent
}

fn frames(n: usize) -> Vec<u8> {
    (0..n * FRAME_BYTES).map(|i| (i / FRAME_BYTES) as u8).collect()
}

#[tokio::test(start_paused = true)]
async fn frames_go_out_on_a_20ms_clock_with_an_80ms_lead() {
    let t0 = Instant::now();
    let mut p = Pacer::new("MZ1", LEAD);
    let mark = p.push_sentence(1, "Hello there.", &frames(50));
    let sent = drive(&mut p, t0, Duration::from_secs(2)).await;
    let media: Vec<Duration> =
        sent.iter().filter(|(_, m)| matches!(m, Outbound::Media { .. })).map(|(t, _)| *t).collect();
    assert_eq!(media.len(), 50);
    assert_eq!(&media[..4], &[Duration::ZERO; 4], "lead burst of 4 frames");
    for (i, t) in media.iter().enumerate() {
        // Audio sent so far minus audio played so far never exceeds the lead.
        let queued_at_twilio = FRAME * (i as u32 + 1) - *t;
        assert!(queued_at_twilio <= LEAD, "frame {i} at {t:?} leaves {queued_at_twilio:?} queued");
        if i >= 4 {
            assert_eq!(*t, FRAME * (i as u32 - 3), "frame {i} paced");
        }
    }
    let (last_t, last) = sent.last().unwrap();
    assert_eq!(last, &Outbound::mark("MZ1", &mark), "mark follows the sentence");
    assert_eq!(*last_t, *media.last().unwrap());
    // The frames carry the sentence's bytes in order.
    let Outbound::Media { media: first, .. } = &sent[1].1 else { panic!() };
    assert_eq!(first.payload, base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [1u8; 160]));
}

#[tokio::test(start_paused = true)]
async fn a_partial_last_frame_is_padded_with_silence() {
    let mut p = Pacer::new("MZ1", LEAD);
    p.push_sentence(1, "Hi.", &[7u8; 200]);
    let sent = p.poll(Instant::now());
    assert_eq!(sent.len(), 3, "two frames and the mark");
    let Outbound::Media { media, .. } = &sent[1] else { panic!() };
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &media.payload).unwrap();
    assert_eq!(bytes.len(), FRAME_BYTES);
    assert_eq!(&bytes[..40], &[7u8; 40]);
    assert!(bytes[40..].iter().all(|&b| b == MULAW_SILENCE));
}

#[tokio::test(start_paused = true)]
async fn echoed_marks_confirm_what_was_heard() {
    let t0 = Instant::now();
    let mut p = Pacer::new("MZ1", LEAD);
    let m1 = p.push_sentence(3, "Hello there.", &frames(10));
    let m2 = p.push_sentence(3, "How can I help?", &frames(10));
    drive(&mut p, t0, Duration::from_millis(150)).await;
    assert_eq!(p.first_frame_sent(3), Some(t0));
    assert!(p.is_playing(Instant::now()));
    assert_eq!(p.on_mark_echo(&m1).as_deref(), Some("Hello there."));
    assert_eq!(p.on_mark_echo(&m1), None, "duplicate echo");
    assert_eq!(p.on_mark_echo("nonsense"), None);
    assert_eq!(p.heard_text(3), "Hello there.");
    drive(&mut p, t0, Duration::from_millis(500)).await;
    assert_eq!(p.on_mark_echo(&m2).as_deref(), Some("How can I help?"));
    assert_eq!(p.heard_text(3), "Hello there. How can I help?");
    assert!(!p.is_playing(Instant::now()));
    assert_eq!(p.clear(Instant::now()), None, "nothing to clear");
}

#[tokio::test(start_paused = true)]
async fn clear_cuts_mid_sentence_and_truncates_the_line() {
    let t0 = Instant::now();
    let mut p = Pacer::new("MZ1", LEAD);
    let m1 = p.push_sentence(1, "Hello there.", &frames(25));
    let m2 = p.push_sentence(1, "How can I help you with your plumbing today?", &frames(50));
    drive(&mut p, t0, Duration::from_millis(500)).await;
    p.on_mark_echo(&m1);
    drive(&mut p, t0, Duration::from_millis(700)).await;
    // By 700 ms: 39 frames sent, 4 still buffered at Twilio, so 35 played:
    // 10 of the second sentence's 50 frames (1 of its 8 words).
    let (clear, cleared) = p.clear(Instant::now()).expect("was playing");
    assert_eq!(clear, Outbound::clear("MZ1"));
    assert_eq!(cleared, Cleared { turn: 1, heard_text: "Hello there. How".into(), truncated: true });
    assert!(!p.is_playing(Instant::now()));
    assert!(p.poll(Instant::now()).is_empty(), "nothing more is sent");
    assert_eq!(p.next_wakeup(Instant::now()), None);
    // Twilio echoes the pending mark after a clear; it is not "heard".
    assert_eq!(p.on_mark_echo(&m2), None);
    assert_eq!(p.heard_text(1), "Hello there.");
}

#[tokio::test(start_paused = true)]
async fn clear_before_any_mark_keeps_only_the_played_words() {
    let t0 = Instant::now();
    let mut p = Pacer::new("MZ1", LEAD);
    p.push_sentence(2, "one two three four five six seven eight nine ten", &frames(100));
    drive(&mut p, t0, Duration::from_millis(1000)).await;
    // 54 frames sent by 1000 ms, 4 buffered: 50 of 100 played.
    let (_, cleared) = p.clear(Instant::now()).unwrap();
    assert_eq!(cleared.heard_text, "one two three four five");
}

#[tokio::test(start_paused = true)]
async fn after_an_underrun_the_lead_burst_restarts_and_next_turn_is_tracked() {
    let t0 = Instant::now();
    let mut p = Pacer::new("MZ1", LEAD);
    let m = p.push_sentence(1, "First.", &frames(5));
    drive(&mut p, t0, Duration::from_millis(1000)).await;
    p.on_mark_echo(&m);
    p.forget_before(2);
    let t1 = Instant::now();
    p.push_sentence(2, "Second.", &frames(10));
    let sent = drive(&mut p, t1, Duration::from_millis(500)).await;
    let at_start = sent.iter().filter(|(t, m)| t.is_zero() && matches!(m, Outbound::Media { .. })).count();
    assert_eq!(at_start, 4);
    assert_eq!(p.first_frame_sent(2), Some(t1));
    assert_eq!(p.first_frame_sent(1), None, "forgotten");
    assert_eq!(sent.iter().filter(|(_, m)| matches!(m, Outbound::Media { .. })).count(), 10);
}

#[tokio::test(start_paused = true)]
async fn a_lost_mark_does_not_keep_the_agent_talking_forever() {
    let t0 = Instant::now();
    let mut p = Pacer::new("MZ1", LEAD);
    p.push_sentence(1, "Hello.", &frames(5));
    drive(&mut p, t0, Duration::from_millis(200)).await;
    assert!(p.is_playing(Instant::now()), "waiting for the mark");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!p.is_playing(Instant::now()));
    assert!(p.pending(Instant::now()).is_zero());
}

#[tokio::test(start_paused = true)]
async fn a_tapped_pacer_reports_each_frame_with_when_it_plays() {
    let t0 = Instant::now();
    let mut p = Pacer::new("MZ1", LEAD);
    p.push_sentence(1, "Untapped.", &frames(2));
    drive(&mut p, t0, Duration::from_millis(100)).await;
    assert!(p.take_sent().is_empty(), "nothing is kept unless tapped");
    p.tap_sent();
    let start = Instant::now();
    p.push_sentence(2, "Tapped.", &frames(10));
    drive(&mut p, start, Duration::from_secs(1)).await;
    let sent = p.take_sent();
    assert_eq!(sent.len(), 10);
    for (i, f) in sent.iter().enumerate() {
        // Back to back from the first send, even the lead burst sent at once.
        assert_eq!(f.plays_at - start, FRAME * i as u32, "frame {i}");
        assert_eq!(f.mulaw[0], i as u8);
    }
    assert!(p.take_sent().is_empty(), "taken once");
}
