//! Results: one JSON document (everything measured), a Markdown summary and
//! the SVG plots, written to an output folder.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::HarnessError;
use super::caller::{CallResult, TurnResult};
use super::plot;
use super::run::{ListenLevel, SweepLevel};
use super::stats::Summary;
use super::target::TargetInfo;
use super::wer::WordErrors;

/// The machine the numbers were taken on.
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub os: String,
}

impl Machine {
    pub fn current() -> Self {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("model name"))
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cpus: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            cpu_model,
            os: std::env::consts::OS.into(),
        }
    }
}

/// Per-stage percentiles from the server's turn records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stages {
    pub endpoint_wait: Summary,
    pub stt: Summary,
    pub policy: Summary,
    pub tts_first_audio: Summary,
    pub first_frame: Summary,
    /// Turns whose transcript was ready when the caller finished (speculative STT).
    pub speculative_hits: usize,
}

/// Latency and accuracy for one group of turns (a condition or a voice).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub turns: usize,
    pub latency: Summary,
    /// Corpus WER (total errors / total reference words).
    pub wer: Option<f64>,
    pub intents_checked: usize,
    pub intents_right: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Budget {
    pub p95_ms: f64,
    pub measured_p95_ms: f64,
    pub ok: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub generated_at: String,
    pub command: String,
    pub machine: Machine,
    /// Which server was measured (in-process, spawned or remote, and where).
    pub target: TargetInfo,
    pub server: String,
    pub calls: Vec<CallResult>,
    /// End of caller speech -> first agent audio frame, all measured turns.
    pub latency: Summary,
    pub stages: Stages,
    pub barge_in: Summary,
    pub greeting: Summary,
    pub by_condition: Vec<Group>,
    pub by_voice: Vec<Group>,
    pub wer: Option<f64>,
    /// Calls whose CRM effect was checked, and how many matched.
    pub outcomes_checked: usize,
    pub outcomes_right: usize,
    pub failed_calls: usize,
    /// Caller turns spoken that the server recorded no speech turn for.
    pub unheard_turns: usize,
    pub sweep: Vec<SweepLevel>,
    pub listen: Vec<ListenLevel>,
    pub rss_mb_per_stream: Option<f64>,
    pub budget: Option<Budget>,
}

impl Report {
    pub fn new(command: String, target: TargetInfo, calls: Vec<CallResult>) -> Self {
        let turns: Vec<&TurnResult> = calls.iter().flat_map(|c| c.turns.iter()).collect();
        let latency = Summary::of(&turns.iter().filter_map(|t| t.latency_ms).collect::<Vec<_>>());
        let checked: Vec<&CallResult> = calls.iter().filter(|c| c.outcome_ok.is_some()).collect();
        Report {
            generated_at: chrono::Utc::now().to_rfc3339(),
            command,
            machine: Machine::current(),
            server: target.description.clone(),
            target,
            latency,
            stages: stages(&turns),
            barge_in: Summary::of(&turns.iter().filter_map(|t| t.barge_in_ms).collect::<Vec<_>>()),
            greeting: Summary::of(&calls.iter().filter_map(|c| c.greeting_ms).collect::<Vec<_>>()),
            by_condition: groups(&turns, |t| t.condition.clone()),
            by_voice: groups(&turns, |t| t.voice.clone()),
            wer: corpus_wer(&turns),
            outcomes_checked: checked.len(),
            outcomes_right: checked.iter().filter(|c| c.outcome_ok == Some(true)).count(),
            failed_calls: calls.iter().filter(|c| c.error.is_some()).count(),
            unheard_turns: calls.iter().map(|c| c.unheard_turns).sum(),
            calls,
            sweep: Vec::new(),
            listen: Vec::new(),
            rss_mb_per_stream: None,
            budget: None,
        }
    }

    /// Checks the p95 budget against the matrix turns (or, without any, the
    /// sweep's first level).
    pub fn check_budget(&mut self, p95_ms: f64) -> bool {
        let measured = if self.latency.count > 0 {
            self.latency.p95_ms
        } else {
            self.sweep.first().map(|l| l.latency.p95_ms).unwrap_or(f64::INFINITY)
        };
        let ok = measured <= p95_ms;
        self.budget = Some(Budget { p95_ms, measured_p95_ms: measured, ok });
        ok
    }

    /// Writes `results.json`, `report.md` and the plots into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(), HarnessError> {
        let write = |name: &str, contents: &str| {
            let path = dir.join(name);
            std::fs::write(&path, contents)
                .map_err(|source| HarnessError::Output { path: path.display().to_string(), source })
        };
        std::fs::create_dir_all(dir)
            .map_err(|source| HarnessError::Output { path: dir.display().to_string(), source })?;
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| HarnessError::Output { path: "results.json".into(), source: std::io::Error::other(e) })?;
        write("results.json", &json)?;
        write("report.md", &self.markdown())?;
        let turns: Vec<&TurnResult> = self.calls.iter().flat_map(|c| c.turns.iter()).collect();
        if !turns.is_empty() {
            write("latency-cdf.svg", &plot::cdf(&turns))?;
            write("stage-waterfall.svg", &plot::waterfall(&turns))?;
        }
        if !self.sweep.is_empty() {
            write("latency-vs-concurrency.svg", &plot::concurrency(&self.sweep))?;
        }
        Ok(())
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let l = &self.latency;
        md.push_str("# Switchboard harness report\n\n");
        md.push_str(&format!(
            "- Generated {} on {} CPUs ({}), {}\n- Target: {}{}\n- Server: {}\n- Command: `{}`\n\n",
            self.generated_at,
            self.machine.cpus,
            self.machine.cpu_model,
            self.machine.os,
            self.target.kind,
            self.target.url.as_deref().map(|u| format!(" ({u})")).unwrap_or_default(),
            self.server,
            self.command
        ));
        if l.count > 0 {
            md.push_str("## Turn latency (end of caller speech -> first agent audio)\n\n");
            md.push_str("| turns | p50 ms | p90 ms | p95 ms | p99 ms | max ms |\n|---:|---:|---:|---:|---:|---:|\n");
            md.push_str(&format!(
                "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |\n\n",
                l.count, l.p50_ms, l.p90_ms, l.p95_ms, l.p99_ms, l.max_ms
            ));
            md.push_str("## Server stages (from the call record)\n\n| stage | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|\n");
            let s = &self.stages;
            for (name, v) in [
                ("endpoint wait", &s.endpoint_wait),
                ("STT (after end of turn)", &s.stt),
                ("policy", &s.policy),
                ("TTS first audio", &s.tts_first_audio),
                ("end of turn -> first frame sent", &s.first_frame),
            ] {
                md.push_str(&format!("| {name} | {:.0} | {:.0} | {:.0} |\n", v.p50_ms, v.p95_ms, v.max_ms));
            }
            if self.target.kind == "in-process" {
                md.push_str(&format!(
                    "\nSpeculative STT ready at end of turn: {} of {} turns.\n\n",
                    s.speculative_hits, s.stt.count
                ));
            } else {
                // The stored call record keeps the stage times, not whether speculation hit.
                md.push_str(
                    "\nSpeculative STT hits: not kept in the stored call record (in-process runs report them).\n\n",
                );
            }
            if self.barge_in.count > 0 {
                md.push_str(&format!(
                    "Barge-in (caller starts talking over the agent -> `clear`): p50 {:.0} ms, max {:.0} ms over {} turns.\n\n",
                    self.barge_in.p50_ms, self.barge_in.max_ms, self.barge_in.count
                ));
            }
            md.push_str(&format!(
                "Greeting (stream start -> first frame): p50 {:.0} ms. Word error rate (Whisper-style normalisation): {}. \
                 Scenario outcomes right: {}/{}. Failed calls: {}. Caller turns the server did not hear \
                 (no speech turn recorded): {}.\n\n",
                self.greeting.p50_ms,
                pct(self.wer),
                self.outcomes_right,
                self.outcomes_checked,
                self.failed_calls,
                self.unheard_turns
            ));
            for (title, groups) in [("By condition", &self.by_condition), ("By voice", &self.by_voice)] {
                md.push_str(&format!("## {title}\n\n| group | turns | p50 ms | p95 ms | WER | intents right |\n|---|---:|---:|---:|---:|---:|\n"));
                for g in groups.iter() {
                    md.push_str(&format!(
                        "| {} | {} | {:.0} | {:.0} | {} | {}/{} |\n",
                        g.name,
                        g.turns,
                        g.latency.p50_ms,
                        g.latency.p95_ms,
                        pct(g.wer),
                        g.intents_right,
                        g.intents_checked
                    ));
                }
                md.push('\n');
            }
            md.push_str("![latency CDF](latency-cdf.svg)\n\n![stage waterfall](stage-waterfall.svg)\n\n");
        }
        if !self.calls.is_empty() {
            md.push_str(&self.effects_table());
        }
        if !self.sweep.is_empty() {
            md.push_str("## Concurrency sweep\n\n| callers | turns | p50 ms | p95 ms | failed calls | CPU cores | RSS MB |\n|---:|---:|---:|---:|---:|---:|---:|\n");
            for s in &self.sweep {
                md.push_str(&format!(
                    "| {} | {} | {:.0} | {:.0} | {} | {:.2} | {:.0} |\n",
                    s.callers,
                    s.latency.count,
                    s.latency.p50_ms,
                    s.latency.p95_ms,
                    s.failed_calls,
                    s.cpu_cores,
                    s.rss_mb
                ));
            }
            md.push_str("\n![latency vs concurrency](latency-vs-concurrency.svg)\n\n");
        }
        if !self.listen.is_empty() {
            md.push_str("## Listening-only load\n\n| streams | CPU cores | CPU per stream | RSS MB | calls open |\n|---:|---:|---:|---:|---:|\n");
            for s in &self.listen {
                md.push_str(&format!(
                    "| {} | {:.3} | {:.4} | {:.0} | {} |\n",
                    s.streams, s.cpu_cores, s.cpu_per_stream, s.rss_mb, s.active_calls
                ));
            }
            if let Some(per) = self.rss_mb_per_stream {
                md.push_str(&format!("\nMemory per added call (least-squares slope): {per:.2} MB.\n"));
            }
            md.push('\n');
        }
        if let Some(b) = &self.budget {
            md.push_str(&format!(
                "## Budget\n\np95 {:.0} ms against a budget of {:.0} ms: **{}**.\n",
                b.measured_p95_ms,
                b.p95_ms,
                if b.ok { "within" } else { "EXCEEDED" }
            ));
        }
        md
    }
}

impl Report {
    /// One row per call: expected outcome, the CRM effect observed, pass/fail.
    fn effects_table(&self) -> String {
        let via = self.calls.iter().find_map(|c| c.effects.as_ref().map(|e| e.observed_via.clone()));
        let mut md = format!(
            "## CRM effect per call (checked {})\n\n| call | caller | expected | observed | result |\n|---|---|---|---|---|\n",
            match via.as_deref() {
                Some("api") => "through the server's REST API",
                Some(_) => "in the in-process brain's memory",
                None => "nowhere: no call was read back",
            }
        );
        for c in &self.calls {
            let observed = match (&c.effects, &c.error) {
                (Some(e), _) => e.observed(),
                (None, Some(err)) => format!("error: {}", err.replace('|', "/")),
                (None, None) => "-".into(),
            };
            let result = match c.outcome_ok {
                Some(true) => "pass",
                Some(false) => "**FAIL**",
                None if c.effects.is_some() => "not checked (partial scenario)",
                None => "not checked",
            };
            md.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                c.name,
                if c.from.is_empty() { "-" } else { &c.from },
                c.expected_outcome,
                observed,
                result
            ));
        }
        md.push('\n');
        md
    }
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{:.1}%", v * 100.0))
}

fn stages(turns: &[&TurnResult]) -> Stages {
    let pick = |f: &dyn Fn(&crate::telephony::ports::TurnTimings) -> Option<u32>| {
        let v: Vec<f64> = turns.iter().filter_map(|t| t.stages.as_ref().and_then(f)).map(f64::from).collect();
        Summary::of(&v)
    };
    Stages {
        endpoint_wait: pick(&|s| Some(s.endpoint_wait_ms)),
        stt: pick(&|s| s.stt_ms),
        policy: pick(&|s| s.policy_ms),
        tts_first_audio: pick(&|s| s.tts_first_audio_ms),
        first_frame: pick(&|s| s.first_frame_ms),
        speculative_hits: turns.iter().filter(|t| t.stages.as_ref().is_some_and(|s| s.speculative_hit)).count(),
    }
}

fn corpus_wer(turns: &[&TurnResult]) -> Option<f64> {
    let mut total = WordErrors::default();
    let mut any = false;
    for e in turns.iter().filter_map(|t| t.word_errors) {
        total.add(e);
        any = true;
    }
    any.then(|| total.rate())
}

fn groups(turns: &[&TurnResult], key: impl Fn(&TurnResult) -> String) -> Vec<Group> {
    let mut by: BTreeMap<String, Vec<&TurnResult>> = BTreeMap::new();
    for t in turns {
        by.entry(key(t)).or_default().push(t);
    }
    by.into_iter()
        .map(|(name, ts)| {
            let checked: Vec<_> = ts.iter().filter(|t| t.expected_intent.is_some() && t.intent.is_some()).collect();
            Group {
                name,
                turns: ts.len(),
                latency: Summary::of(&ts.iter().filter_map(|t| t.latency_ms).collect::<Vec<_>>()),
                wer: corpus_wer(&ts),
                intents_checked: checked.len(),
                intents_right: checked.iter().filter(|t| t.expected_intent == t.intent).count(),
            }
        })
        .collect()
}
