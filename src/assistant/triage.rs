//! Emergency triage: is something dangerous or destructive happening now?
//!
//! Scores keyword evidence (default list per language plus the tenant's own
//! keywords), drops keywords that are negated ("there's no gas smell",
//! "not flooding anymore"), and honours an explicit denial ("it's not an
//! emergency"). Hazards that threaten people (gas, carbon monoxide, sparks)
//! are never overridden by a denial: a caller who says "it's not urgent but I
//! smell gas" still gets the safety line.

use super::lexicon::{Hazard, Lexicon, lexicons};
use super::text::{Utterance, fuzzy};
use crate::domain::Language;

/// At or above this score we treat the call as an emergency.
pub const EMERGENCY: f32 = 0.8;
/// From here up to [`EMERGENCY`] we ask the caller to confirm.
pub const GREY_ZONE: f32 = 0.5;

/// Triage of one utterance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Triage {
    pub score: f32,
    pub hazard: Option<Hazard>,
    /// The caller said it is not an emergency.
    pub denied: bool,
}

impl Triage {
    pub fn is_emergency(&self) -> bool {
        self.score >= EMERGENCY
    }

    pub fn is_grey(&self) -> bool {
        (GREY_ZONE..EMERGENCY).contains(&self.score)
    }

    /// Gas, carbon monoxide and electrical hazards endanger people.
    pub fn life_safety(&self) -> bool {
        matches!(self.hazard, Some(Hazard::Gas | Hazard::CarbonMonoxide | Hazard::Electrical))
    }
}

/// Triage an utterance for a tenant language and the tenant's own keywords.
pub fn assess(u: &Utterance, lang: Language, tenant_keywords: &[String]) -> Triage {
    let mut best: f32 = 0.0;
    let mut hazard = None;
    let mut hits = 0u32;
    let mut denied = false;
    for lex in lexicons(lang) {
        denied |= lex.not_emergency.iter().any(|p| fuzzy::find(&u.tokens, p).is_some_and(|h| h.score >= 0.99));
        for term in lex.emergency {
            for hit in fuzzy::find_all(&u.tokens, term.phrase) {
                if negated(u, lex, hit.start, hit.end) {
                    continue;
                }
                // "emergency" inside "not an emergency" is a denial, not a hit.
                if denied && term.hazard == Hazard::Other {
                    continue;
                }
                let mut weight = term.weight * hit.score.max(0.85);
                if term.hazard == Hazard::Heat && any(u, lex.freezing) {
                    weight = 0.9;
                }
                hits += 1;
                if weight > best {
                    best = weight;
                    hazard = Some(term.hazard);
                }
            }
        }
        if any(u, lex.water) && any(u, lex.electrics) && best < 0.9 {
            best = 0.9;
            hazard = Some(Hazard::Electrical);
            hits += 1;
        }
    }
    for kw in tenant_keywords {
        let phrase = super::text::normalize(kw, lang).join(" ");
        if phrase.is_empty() {
            continue;
        }
        if let Some(hit) = fuzzy::find(&u.tokens, &phrase)
            && !lexicons(lang).iter().any(|lex| negated(u, lex, hit.start, hit.end))
        {
            hits += 1;
            if 0.9 > best {
                best = 0.9;
                hazard = Some(Hazard::Other);
            }
        }
    }
    if hits > 1 {
        best = (best + 0.05 * (hits - 1) as f32).min(0.99);
    }
    let mut triage = Triage { score: best, hazard, denied };
    if denied && !triage.life_safety() {
        triage.score = 0.0;
        triage.hazard = None;
    }
    triage
}

fn any(u: &Utterance, phrases: &[&str]) -> bool {
    phrases.iter().any(|p| fuzzy::find(&u.tokens, p).is_some())
}

/// A negation shortly before the phrase, or "anymore"/"fixed" shortly after.
fn negated(u: &Utterance, lex: &Lexicon, start: usize, end: usize) -> bool {
    let before = &u.tokens[start.saturating_sub(3)..start];
    if before.iter().any(|t| lex.negators.contains(&t.as_str())) {
        return true;
    }
    let after_end = (end + 3).min(u.tokens.len());
    let after = &u.tokens[end..after_end];
    lex.over.iter().any(|p| fuzzy::find(after, p).is_some_and(|h| h.score >= 0.99))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tri(s: &str) -> Triage {
        assess(&Utterance::new(s, Language::En), Language::En, &[])
    }

    #[test]
    fn clear_emergencies() {
        for s in [
            "a pipe burst in my basement",
            "my basement is flooding",
            "I smell gas in the kitchen",
            "the carbon monoxide alarm keeps going off",
            "sewage is backing up into the tub",
            "there's water coming out near the electrical panel",
            "the outlet is sparking",
            "we have no heat and it's freezing",
        ] {
            let t = tri(s);
            assert!(t.is_emergency(), "{s}: {t:?}");
        }
    }

    #[test]
    fn asr_variants_still_trigger() {
        for s in ["my basement is flooted", "a pipe bursted", "i smel gas", "carbon monoxid alarm"] {
            assert!(tri(s).is_emergency(), "{s}: {:?}", tri(s));
        }
    }

    #[test]
    fn negations_and_denials() {
        for s in [
            "it's not an emergency, the drain is slow",
            "there's no leak anymore and no flooding",
            "the flooding stopped",
            "I don't smell gas, I just need a gas line for a stove",
            "no rush, the faucet drips",
        ] {
            let t = tri(s);
            assert!(!t.is_emergency() && !t.is_grey(), "{s}: {t:?}");
        }
    }

    #[test]
    fn denial_never_silences_gas() {
        let t = tri("it's not an emergency but I smell gas");
        assert!(t.is_emergency() && t.life_safety(), "{t:?}");
        assert!(t.denied);
    }

    #[test]
    fn grey_zone() {
        for s in ["we have no hot water", "the toilet is overflowing", "it's kind of urgent"] {
            let t = tri(s);
            assert!(t.is_grey(), "{s}: {t:?}");
        }
    }

    #[test]
    fn tenant_keywords_count() {
        let u = Utterance::new("the boiler is making a banging noise", Language::En);
        let t = assess(&u, Language::En, &["banging noise".into()]);
        assert!(t.is_emergency(), "{t:?}");
    }

    #[test]
    fn spanish() {
        let u = Utterance::new("Huele a gas en la cocina", Language::Es);
        assert!(assess(&u, Language::Es, &[]).life_safety());
        let u = Utterance::new("no es una emergencia, el lavabo gotea", Language::Es);
        assert_eq!(assess(&u, Language::Es, &[]).score, 0.0);
    }
}
