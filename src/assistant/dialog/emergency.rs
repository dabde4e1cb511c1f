//! What happens the moment an emergency is recognised: the safety line
//! first, the owner alerted immediately (not after booking), then the
//! fastest possible intake and the earliest slot (reserved mornings allowed).

use super::booking;
use super::turn::TurnBuilder;
use crate::assistant::lexicon::Hazard;
use crate::assistant::locale::Msg;
use crate::assistant::state::{Emergency, Goal, Stage};
use crate::assistant::triage::Triage;
use crate::assistant::types::{Action, Intent};

pub fn declare(t: &mut TurnBuilder, hazard: Option<Hazard>, confidence: f32) {
    t.intent(Intent::Emergency, confidence);
    t.st.emergency = Emergency::Confirmed;
    if matches!(t.st.goal, Goal::None | Goal::Handoff) {
        t.st.goal = Goal::Book;
    }
    if let Some(h) = hazard {
        t.say(Msg::Safety(h));
    }
    if !t.st.owner_alerted {
        let text = t.text(&Msg::OwnerEmergency {
            phone: t.phone().unwrap_or_default(),
            problem: t.st.problem.clone().unwrap_or_default(),
        });
        t.act(Action::AlertOwner { text, emergency: true });
        t.st.owner_alerted = true;
        t.say(Msg::OwnerAlerted);
    }
    // The earliest slot, unless the caller already asked for a time.
    if t.st.stage == Stage::ChooseSlot || t.st.stage == Stage::ConfirmBooking {
        t.st.chosen = None;
        t.st.offered.clear();
    }
    if t.st.goal == Goal::Book {
        booking::advance(t);
    } else {
        let prompt = t.stage_prompt();
        t.msgs.extend(prompt);
    }
}

/// Grey zone: ask before treating it as an emergency.
pub fn ask(t: &mut TurnBuilder, tri: &Triage) {
    t.intent(Intent::Emergency, tri.score);
    t.st.emergency = Emergency::Suspected;
    if t.st.goal == Goal::None {
        t.st.goal = Goal::Book;
    }
    t.st.stage = Stage::ConfirmEmergency;
    t.say(Msg::ConfirmEmergency);
}
