//! Every scripted scenario, on every channel it applies to, clean and with
//! speech-recognition errors, through the policy directly.

use super::{PolicyDriver, library, run};

fn run_all(asr: bool) {
    let mut failures = Vec::new();
    let mut runs = 0;
    for s in library() {
        for ch in &s.channels {
            let mut d = PolicyDriver::new(&s, *ch);
            runs += 1;
            if let Err(e) = run(&s, &mut d, asr) {
                failures.extend(e);
            }
        }
    }
    assert!(runs >= 40, "only {runs} scenario runs");
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn scenarios_on_every_channel() {
    run_all(false);
}

#[test]
fn scenarios_with_asr_errors() {
    run_all(true);
}

#[test]
fn every_scenario_has_asr_variants_of_its_key_utterances() {
    for s in library() {
        let text_steps = s.steps.iter().filter(|st| matches!(st.input, crate::assistant::Input::Text(_))).count();
        let noisy = s.steps.iter().filter(|st| st.asr.is_some()).count();
        if text_steps > 0 {
            assert!(noisy > 0, "scenario {:?} has no ASR variant", s.name);
        }
    }
}

/// The policy must never be the slow part of a voice turn (target: whole
/// turn p95 <= 800 ms). Times every turn of every scenario on every channel.
#[test]
fn policy_turns_are_fast() {
    use super::Driver;
    let mut micros = Vec::new();
    for _ in 0..5 {
        for s in library() {
            for ch in &s.channels {
                let mut d = PolicyDriver::new(&s, *ch);
                d.open();
                for step in &s.steps {
                    let t0 = std::time::Instant::now();
                    d.turn(&step.input);
                    micros.push(t0.elapsed().as_micros());
                }
            }
        }
    }
    micros.sort_unstable();
    let pct = |p: usize| micros[(micros.len() - 1) * p / 100];
    println!("policy turn over {} turns: p50 {} us, p95 {} us, max {} us", micros.len(), pct(50), pct(95), pct(100));
    assert!(pct(95) < 20_000, "p95 {} us", pct(95));
}
