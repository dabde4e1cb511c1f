//! Classifying the caller's problem into the tenant's service catalog.
//!
//! Each service is matched by its name, its tenant-defined keywords and a few
//! built-in synonyms (including Spanish ones for the default catalog keys).
//! Longer phrases win over shorter ones, so "tankless water heater" is the
//! tankless service, not the generic water heater one.

use super::text::{Utterance, fuzzy};
use crate::domain::{BusinessProfile, Language, ServiceOffering};

/// Built-in synonyms for the default catalog keys, used only when the tenant
/// has a service with that key.
const HINTS: &[(&str, &[&str])] = &[
    ("water_heater", &["water heater", "hot water", "calentador", "boiler", "agua caliente"]),
    ("tankless", &["tankless", "on demand", "sin tanque"]),
    ("drain_or_sewer", &["drain", "clog", "clogged", "sewer", "drenaje", "desague", "tapado", "tapada", "backed up"]),
    ("sump_pump", &["sump", "sump pump", "bomba de sumidero", "sumidero"]),
    ("gas_line", &["gas line", "gas pipe", "linea de gas", "tuberia de gas", "gas"]),
    (
        "fixture_or_leak",
        &[
            "leak",
            "leaking",
            "faucet",
            "toilet",
            "sink",
            "drip",
            "dripping",
            "fuga",
            "gotea",
            "llave",
            "inodoro",
            "lavabo",
            "fregadero",
            "pipe",
            "tuberia",
        ],
    ),
];

/// Symptoms, not objects: "my water heater is leaking" is about the water
/// heater, so a symptom word alone is weaker evidence than a named fixture.
const SYMPTOMS: &[&str] = &["leak", "leaking", "leaks", "drip", "dripping", "fuga", "gotea", "backed up"];

/// The generic fallback key used when nothing specific matches.
pub const GENERAL: &str = "general";

/// Best matching service and a 0..1 confidence, or `None` when nothing in
/// the utterance points at a service.
pub fn classify<'p>(u: &Utterance, profile: &'p BusinessProfile) -> Option<(&'p ServiceOffering, f32)> {
    let lang = profile.language;
    let mut best: Option<(&ServiceOffering, f32)> = None;
    for svc in &profile.services {
        let score = service_score(u, svc, lang);
        if score > 0.0 && best.is_none_or(|(_, b)| score > b) {
            best = Some((svc, score));
        }
    }
    best.map(|(s, score)| (s, (score / 1.5).min(1.0)))
}

/// The fallback service for a problem we could not classify.
pub fn fallback(profile: &BusinessProfile) -> Option<&ServiceOffering> {
    profile.services.iter().find(|s| s.key == GENERAL).or_else(|| profile.services.last())
}

pub fn by_key<'p>(profile: &'p BusinessProfile, key: &str) -> Option<&'p ServiceOffering> {
    profile.services.iter().find(|s| s.key == key)
}

fn service_score(u: &Utterance, svc: &ServiceOffering, lang: Language) -> f32 {
    let hints = HINTS.iter().find(|(k, _)| *k == svc.key).map(|(_, h)| *h).unwrap_or(&[]);
    let phrases =
        std::iter::once(svc.name.as_str()).chain(svc.keywords.iter().map(String::as_str)).chain(hints.iter().copied());
    let mut seen: Vec<String> = Vec::new();
    let mut best: f32 = 0.0;
    let mut hits = 0;
    for p in phrases {
        let norm = super::text::normalize(p, lang).join(" ");
        let words = norm.split_whitespace().count();
        if words == 0 || seen.contains(&norm) {
            continue;
        }
        if let Some(hit) = fuzzy::find(&u.tokens, &norm) {
            hits += 1;
            let weight = if SYMPTOMS.contains(&norm.as_str()) { 0.6 } else { 1.0 };
            best = best.max(weight * hit.score * (1.0 + 0.25 * (words as f32 - 1.0)));
        }
        seen.push(norm);
    }
    if hits > 1 {
        best += 0.05 * (hits - 1) as f32;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assistant::fixtures::profile;

    fn key(s: &str) -> Option<String> {
        let p = profile();
        classify(&Utterance::new(s, Language::En), &p).map(|(s, _)| s.key.clone())
    }

    #[test]
    fn common_problems_map_to_the_catalog() {
        assert_eq!(key("my water heater is leaking").as_deref(), Some("water_heater"));
        assert_eq!(key("no hot water since yesterday").as_deref(), Some("water_heater"));
        assert_eq!(key("I want a tankless water heater installed").as_deref(), Some("tankless"));
        assert_eq!(key("the kitchen drain is clogged").as_deref(), Some("drain_or_sewer"));
        assert_eq!(key("my toilet keeps running").as_deref(), Some("fixture_or_leak"));
        assert_eq!(key("the sump pump died").as_deref(), Some("sump_pump"));
        assert_eq!(key("I need a gas line for my new stove").as_deref(), Some("gas_line"));
        assert_eq!(key("hello there"), None);
    }

    #[test]
    fn asr_errors() {
        assert_eq!(key("my water fever is broken").as_deref(), Some("water_heater"));
        assert_eq!(key("the sum pump died").as_deref(), Some("sump_pump"));
        assert_eq!(key("my tankles heater").as_deref(), Some("tankless"));
    }

    #[test]
    fn spanish_synonyms() {
        let mut p = profile();
        p.language = Language::Es;
        let u = Utterance::new("el calentador no prende", Language::Es);
        assert_eq!(classify(&u, &p).map(|(s, _)| s.key.as_str()), Some("water_heater"));
    }
}
