//! SVG plots written by hand: three simple charts do not justify a plotting
//! crate (and its font and image dependencies). Browsers and GitHub render
//! the files directly.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::caller::TurnResult;
use super::run::SweepLevel;

const W: f64 = 760.0;
const H: f64 = 420.0;
const LEFT: f64 = 200.0;
const RIGHT: f64 = 190.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
const COLORS: &[&str] =
    &["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

struct Frame {
    svg: String,
    x_max: f64,
    y_max: f64,
    h: f64,
}

impl Frame {
    fn new(title: &str, x_label: &str, y_label: &str, x_max: f64, y_max: f64) -> Self {
        Self::sized(title, x_label, y_label, x_max, y_max, H, true)
    }

    fn sized(title: &str, x_label: &str, y_label: &str, x_max: f64, y_max: f64, h: f64, y_ticks: bool) -> Self {
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
             <text x=\"{}\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">{}</text>\n",
            W / 2.0,
            escape(title)
        );
        let (x0, y0, x1, y1) = (LEFT, h - BOTTOM, W - RIGHT, TOP);
        let _ = writeln!(svg, "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"black\"/>");
        let _ = writeln!(svg, "<line x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\" stroke=\"black\"/>");
        for i in 0..=5 {
            let f = f64::from(i) / 5.0;
            let x = x0 + (x1 - x0) * f;
            let y = y0 - (y0 - y1) * f;
            let _ =
                writeln!(svg, "<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>", y0 + 16.0, tick(x_max * f));
            if y_ticks {
                let _ = writeln!(
                    svg,
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
                    x0 - 6.0,
                    y + 4.0,
                    tick(y_max * f)
                );
                let _ = writeln!(svg, "<line x1=\"{x0}\" y1=\"{y}\" x2=\"{x1}\" y2=\"{y}\" stroke=\"#eee\"/>");
            }
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            (x0 + x1) / 2.0,
            h - 12.0,
            escape(x_label)
        );
        let _ = writeln!(
            svg,
            "<text x=\"16\" y=\"{}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {})\">{}</text>",
            (y0 + y1) / 2.0,
            (y0 + y1) / 2.0,
            escape(y_label)
        );
        Frame { svg, x_max: x_max.max(1e-9), y_max: y_max.max(1e-9), h }
    }

    fn x(&self, v: f64) -> f64 {
        LEFT + (W - RIGHT - LEFT) * (v / self.x_max).clamp(0.0, 1.0)
    }

    fn y(&self, v: f64) -> f64 {
        (self.h - BOTTOM) - (self.h - BOTTOM - TOP) * (v / self.y_max).clamp(0.0, 1.0)
    }

    fn line(&mut self, points: &[(f64, f64)], color: &str, dashed: bool) {
        let path: Vec<String> = points.iter().map(|(x, y)| format!("{:.1},{:.1}", self.x(*x), self.y(*y))).collect();
        let dash = if dashed { " stroke-dasharray=\"6 4\"" } else { "" };
        let _ = writeln!(
            self.svg,
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash} points=\"{}\"/>",
            path.join(" ")
        );
    }

    fn legend(&mut self, row: usize, color: &str, label: &str) {
        let y = TOP + 8.0 + row as f64 * 18.0;
        let x = W - RIGHT + 12.0;
        let _ = writeln!(self.svg, "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{color}\"/>", y - 10.0);
        let _ = writeln!(self.svg, "<text x=\"{}\" y=\"{y}\">{}</text>", x + 18.0, escape(label));
    }

    fn finish(mut self) -> String {
        self.svg.push_str("</svg>\n");
        self.svg
    }
}

fn tick(v: f64) -> String {
    if v >= 100.0 || v == 0.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn nice_max(v: f64) -> f64 {
    let v = v.max(1.0);
    let step = 10f64.powf(v.log10().floor());
    (v / step).ceil() * step
}

/// Cumulative distribution of turn latency, one line per condition.
pub fn cdf(turns: &[&TurnResult]) -> String {
    let mut by: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for t in turns {
        if let Some(l) = t.latency_ms {
            by.entry(t.condition.as_str()).or_default().push(l.max(0.0));
        }
    }
    let max = nice_max(by.values().flatten().copied().fold(0.0, f64::max));
    let mut f = Frame::new(
        "Turn latency CDF by condition",
        "end of caller speech -> first agent audio (ms)",
        "fraction of turns",
        max,
        1.0,
    );
    for (i, (name, mut values)) in by.into_iter().enumerate() {
        values.sort_by(f64::total_cmp);
        let n = values.len() as f64;
        let mut points = vec![(values[0], 0.0)];
        for (k, v) in values.iter().enumerate() {
            points.push((*v, k as f64 / n));
            points.push((*v, (k + 1) as f64 / n));
        }
        let color = COLORS[i % COLORS.len()];
        f.line(&points, color, false);
        f.legend(i, color, &format!("{name} (n={})", values.len()));
    }
    f.finish()
}

/// p50 and p95 turn latency against simultaneous callers.
pub fn concurrency(levels: &[SweepLevel]) -> String {
    let x_max = levels.iter().map(|l| l.callers).max().unwrap_or(1) as f64;
    let y_max = nice_max(levels.iter().map(|l| l.latency.p95_ms).fold(1500.0, f64::max));
    let mut f =
        Frame::new("Turn latency vs concurrent callers", "simultaneous callers", "turn latency (ms)", x_max, y_max);
    let p50: Vec<(f64, f64)> = levels.iter().map(|l| (l.callers as f64, l.latency.p50_ms)).collect();
    let p95: Vec<(f64, f64)> = levels.iter().map(|l| (l.callers as f64, l.latency.p95_ms)).collect();
    f.line(&[(0.0, 1500.0), (x_max, 1500.0)], "#999", true);
    f.line(&p50, COLORS[0], false);
    f.line(&p95, COLORS[3], false);
    f.legend(0, COLORS[0], "p50");
    f.legend(1, COLORS[3], "p95");
    f.legend(2, "#999", "1.5 s limit");
    f.finish()
}

/// One bar per turn: where the server spent the time from end of speech.
pub fn waterfall(turns: &[&TurnResult]) -> String {
    const MAX_BARS: usize = 40;
    let rows: Vec<&&TurnResult> = turns.iter().filter(|t| t.stages.is_some()).take(MAX_BARS).collect();
    let total = |t: &TurnResult| {
        t.stages.as_ref().map_or(0.0, |s| f64::from(s.endpoint_wait_ms + s.first_frame_ms.unwrap_or(0)))
    };
    let x_max = nice_max(rows.iter().map(|t| total(t).max(t.latency_ms.unwrap_or(0.0))).fold(0.0, f64::max));
    let height = TOP + BOTTOM + 16.0 * rows.len().max(1) as f64;
    let mut f = Frame::sized(
        "Stage waterfall per turn (server record)",
        "ms after the caller stopped talking",
        "",
        x_max,
        1.0,
        height,
        false,
    );
    let stages = ["endpoint wait", "STT", "policy", "TTS first audio", "to first frame"];
    for (i, t) in rows.iter().enumerate() {
        let Some(s) = &t.stages else { continue };
        let stt = s.stt_ms.unwrap_or(0);
        let policy = s.policy_ms.unwrap_or(0);
        let tts = s.tts_first_audio_ms.unwrap_or(0);
        let first = s.first_frame_ms.unwrap_or(0);
        let rest = first.saturating_sub(stt + policy + tts);
        let y = TOP + 8.0 + 16.0 * i as f64;
        let mut at = 0.0;
        for (k, ms) in [s.endpoint_wait_ms, stt, policy, tts, rest].into_iter().enumerate() {
            let (x0, x1) = (f.x(at), f.x(at + f64::from(ms)));
            let _ = writeln!(
                f.svg,
                "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"12\" fill=\"{}\"/>",
                (x1 - x0).max(0.0),
                COLORS[k]
            );
            at += f64::from(ms);
        }
        if let Some(l) = t.latency_ms {
            let x = f.x(l);
            let _ = writeln!(
                f.svg,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"black\"/>",
                y + 12.0
            );
        }
        let _ = writeln!(
            f.svg,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"9\">{}</text>",
            LEFT - 4.0,
            y + 10.0,
            escape(&t.fixture)
        );
    }
    for (k, name) in stages.iter().enumerate() {
        f.legend(k, COLORS[k], name);
    }
    f.legend(stages.len(), "black", "client-measured latency");
    f.finish()
}
