//! The dialog policy: one function from (state, input, context) to a turn.
//!
//! Order of precedence on every text turn: emergencies (triage runs in
//! every stage, because a caller may mention the gas smell only when asked
//! for their address), then "talk to a person", then the answer the current
//! stage waits for, with profile questions answered in between without
//! losing the thread.

mod answers;
mod booking;
mod emergency;
mod extract;
mod manage;
mod turn;

use super::intent;
use super::lexicon::primary;
use super::locale::Msg;
use super::state::{ConversationState, Emergency, Goal, Stage};
use super::text::{Utterance, title_case};
use super::triage;
use super::types::{Action, CallbackReason, Channel, Context, Input, Intent, Turn};
use turn::TurnBuilder;

/// The first words of a conversation (a call is answered, a chat opens).
pub fn open(ctx: &Context) -> Turn {
    let mut t = TurnBuilder::new(&ConversationState::default(), ctx);
    greet(&mut t);
    t.say(Msg::HowCanIHelp);
    t.intent(Intent::Greeting, 1.0);
    t.finish()
}

fn greet(t: &mut TurnBuilder) {
    let business = t.ctx.profile.name.clone();
    t.say(match t.ctx.channel {
        Channel::Voice => Msg::GreetVoice { business },
        Channel::Sms | Channel::Web => Msg::GreetText { business },
    });
    if let Some(name) = t.ctx.caller.customer.as_ref().and_then(|c| c.name.clone()) {
        t.say(Msg::WelcomeBack { name: name.clone() });
        t.st.name = Some(name);
    }
    t.st.stage = Stage::Listening;
}

/// One turn of the conversation. Pure: no I/O, no clock but `ctx.now`.
pub fn respond(state: &ConversationState, input: Input, ctx: &Context) -> Turn {
    let mut t = TurnBuilder::new(state, ctx);
    match input {
        Input::Silence => on_silence(&mut t),
        Input::Dtmf(d) => on_dtmf(&mut t, d),
        Input::Text(s) => on_text(&mut t, &s),
    }
    t.finish()
}

/// The caller hung up (or the chat was abandoned): what the owner should
/// still hear about.
pub fn hang_up(state: &ConversationState, ctx: &Context) -> Vec<Action> {
    if state.booked || state.stage == Stage::Done {
        return Vec::new();
    }
    let mut t = TurnBuilder::new(state, ctx);
    if state.has_partial_intake() || state.emergency == Emergency::Confirmed {
        t.callback(CallbackReason::PartialIntake);
    }
    t.actions
}

fn on_silence(t: &mut TurnBuilder) {
    t.intent(Intent::Silence, 1.0);
    t.stalled = true;
    t.st.silences = t.st.silences.saturating_add(1);
    if t.st.silences >= 2 {
        t.say(Msg::SilenceGoodbye);
        let reason = if t.st.has_partial_intake() { CallbackReason::PartialIntake } else { CallbackReason::NoInput };
        t.callback(reason);
        t.end();
        return;
    }
    if t.st.stage == Stage::Start {
        greet(t);
    }
    t.say(Msg::StillThere);
    let prompt = t.stage_prompt();
    t.msgs.extend(prompt);
}

fn on_dtmf(t: &mut TurnBuilder, d: char) {
    t.st.silences = 0;
    if d == '0' {
        return manage::handoff(t);
    }
    let lex = primary(t.lang());
    match (t.st.stage, d) {
        (Stage::ChooseSlot, '1'..='3') => {
            let i = d as usize - '1' as usize;
            match t.st.offered.get(i).copied() {
                Some(slot) => {
                    t.intent(Intent::Inform, 1.0);
                    booking::choose(t, slot);
                }
                None => {
                    let p = t.stage_prompt();
                    t.misunderstood(p.into_iter().next().unwrap_or(Msg::Clarify));
                }
            }
        }
        (
            Stage::ConfirmBooking
            | Stage::ConfirmCancel
            | Stage::ConfirmEmergency
            | Stage::ConfirmAddress
            | Stage::OfferBooking
            | Stage::AnythingElse,
            '1' | '2',
        ) => {
            let word = if d == '1' { lex.yes[0] } else { lex.no[0] };
            on_text(t, word);
        }
        _ => {
            let p = t.stage_prompt();
            t.misunderstood(p.into_iter().next().unwrap_or(Msg::Clarify));
        }
    }
}

fn on_text(t: &mut TurnBuilder, raw: &str) {
    let lang = t.lang();
    let u = Utterance::new(raw, lang);
    if u.is_empty() {
        let p = t.stage_prompt();
        return t.misunderstood(p.into_iter().next().unwrap_or(Msg::Clarify));
    }
    t.st.silences = 0;
    if t.st.stage == Stage::Start {
        greet(t);
    }
    if triage_turn(t, &u, raw) {
        return;
    }
    let (intent, confidence) = intent::classify(&u, lang);
    if intent == Intent::TalkToPerson {
        return manage::handoff(t);
    }
    t.intent(Intent::Inform, 0.8);
    match t.st.stage {
        Stage::Start | Stage::Listening | Stage::Done | Stage::AnythingElse | Stage::OfferBooking => {
            open_stage(t, &u, raw, intent, confidence)
        }
        Stage::ConfirmEmergency => match intent::yes_no(&u, lang) {
            Some(true) => emergency::declare(t, None, 0.9),
            Some(false) => {
                t.intent(Intent::No, 0.9);
                t.st.emergency = Emergency::Denied;
                t.say(Msg::NotEmergencyNoted);
                booking::advance(t);
            }
            None => t.misunderstood(Msg::ConfirmEmergency),
        },
        Stage::AskName => match extract::name(raw, lang) {
            Some(n) => {
                t.st.name = Some(n.clone());
                t.say(Msg::Thanks { name: Some(n) });
                booking::absorb(t, &u, raw);
                booking::advance(t);
            }
            None => interrupt_or(t, &u, intent, Msg::AskNameAgain),
        },
        Stage::ConfirmAddress => match intent::yes_no(&u, lang) {
            Some(true) if extract::address(raw, lang).is_none_or(|_| !has_digit(&u)) => booking::advance(t),
            _ => match extract::address(raw, lang).filter(|_| has_digit(&u)) {
                Some(a) => {
                    t.st.address = Some(a);
                    booking::advance(t);
                }
                None if intent::yes_no(&u, lang) == Some(false) => {
                    t.st.address = None;
                    t.st.stage = Stage::AskAddress;
                    t.say(Msg::AskAddress);
                }
                None => interrupt_or(t, &u, intent, Msg::ClarifyYesNo),
            },
        },
        Stage::AskAddress => {
            match extract::address(raw, lang).filter(|_| has_digit(&u) || !matches!(intent, Intent::Question(_))) {
                Some(a) => {
                    t.st.address = Some(a);
                    booking::absorb(t, &u, raw);
                    booking::advance(t);
                }
                None if matches!(intent, Intent::Question(_)) => interrupt_or(t, &u, intent, Msg::AskAddress),
                None if !t.st.address_retry => {
                    t.st.address_retry = true;
                    t.say(Msg::AskAddressAgain);
                }
                None => {
                    // Take what they said; the read-back lets them correct it.
                    t.st.address = Some(title_case(&u.joined()));
                    booking::advance(t);
                }
            }
        }
        Stage::AskPhone => match extract::phone(raw, lang) {
            Some(p) => {
                t.st.phone = Some(p);
                if t.st.goal == Goal::Handoff {
                    manage::finish_handoff(t);
                } else {
                    booking::advance(t);
                }
            }
            None => interrupt_or(t, &u, intent, Msg::AskPhoneAgain),
        },
        Stage::AskProblem => {
            if let Intent::Question(kind) = intent {
                return answer_and_reprompt(t, &u, kind);
            }
            t.st.problem = Some(raw.trim().to_string());
            match super::services::classify(&u, t.ctx.profile) {
                Some((svc, _)) => {
                    t.st.service_key = Some(svc.key.clone());
                    let service = svc.name.clone();
                    t.say(Msg::ServiceNoted { service });
                }
                None => {
                    t.st.service_key = super::services::fallback(t.ctx.profile).map(|s| s.key.clone());
                }
            }
            booking::absorb(t, &u, raw);
            booking::advance(t);
        }
        Stage::AskTime => match intent {
            Intent::Question(kind) => answer_and_reprompt(t, &u, kind),
            _ => booking::on_time(t, &u),
        },
        Stage::ChooseSlot => match intent {
            Intent::Question(kind) => answer_and_reprompt(t, &u, kind),
            _ => booking::on_choice(t, &u),
        },
        Stage::ConfirmBooking => booking::on_confirm(t, &u, raw),
        Stage::ConfirmCancel => manage::on_confirm_cancel(t, &u),
    }
}

fn has_digit(u: &Utterance) -> bool {
    u.tokens.iter().any(|t| t.chars().all(|c| c.is_ascii_digit()))
}

/// Emergency triage; returns true when it handled the turn.
fn triage_turn(t: &mut TurnBuilder, u: &Utterance, raw: &str) -> bool {
    let p = t.ctx.profile;
    let tri = triage::assess(u, p.language, &p.emergency_keywords);
    if tri.denied && t.st.emergency != Emergency::Confirmed {
        t.st.emergency = Emergency::Denied;
    }
    // While we take a name, an address or a number, only a danger to people
    // interrupts ("42 Flood Street" is an address, not a flood).
    let taking_details = matches!(t.st.stage, Stage::AskName | Stage::AskAddress | Stage::AskPhone);
    let already = t.st.emergency == Emergency::Confirmed;
    let allowed = t.st.emergency != Emergency::Denied || tri.life_safety();
    if tri.is_emergency() && !already && allowed && (!taking_details || tri.life_safety()) {
        if t.st.problem.is_none() {
            t.st.problem = Some(raw.trim().to_string());
        }
        booking::absorb(t, u, raw);
        emergency::declare(t, tri.hazard, tri.score);
        return true;
    }
    let open = matches!(t.st.stage, Stage::Start | Stage::Listening | Stage::AskProblem);
    if tri.is_grey() && t.st.emergency == Emergency::Unknown && open {
        if t.st.problem.is_none() {
            t.st.problem = Some(raw.trim().to_string());
        }
        booking::absorb(t, u, raw);
        emergency::ask(t, &tri);
        return true;
    }
    false
}

/// A profile question in the middle of intake: answer, then re-ask.
fn answer_and_reprompt(t: &mut TurnBuilder, u: &Utterance, kind: super::types::QuestionKind) {
    answers::answer(t, kind, u);
    t.st.asked_price = false;
    let prompt = t.stage_prompt();
    t.msgs.extend(prompt);
}

fn interrupt_or(t: &mut TurnBuilder, u: &Utterance, intent: Intent, clarify: Msg) {
    match intent {
        Intent::Question(kind) => answer_and_reprompt(t, u, kind),
        _ => t.misunderstood(clarify),
    }
}

fn open_stage(t: &mut TurnBuilder, u: &Utterance, raw: &str, intent: Intent, confidence: f32) {
    let stage = t.st.stage;
    t.intent(intent, confidence);
    match intent {
        Intent::WrongNumber => {
            t.say(Msg::WrongNumber);
            t.end();
        }
        Intent::Reschedule => manage::start_reschedule(t, u),
        Intent::Cancel => manage::start_cancel(t),
        Intent::Question(kind) => {
            if answers::answer(t, kind, u) {
                t.st.stage = Stage::OfferBooking;
                t.say(Msg::OfferBooking);
            } else {
                t.st.stage = Stage::Listening;
            }
        }
        Intent::Book => start_booking(t, u, raw),
        Intent::Yes if stage == Stage::OfferBooking => start_booking(t, u, raw),
        Intent::Yes => {
            t.st.stage = Stage::Listening;
            t.say(Msg::HowCanIHelp);
        }
        Intent::No if stage == Stage::Listening => {
            t.st.stage = Stage::Listening;
            t.say(Msg::HowCanIHelp);
        }
        Intent::No => {
            t.say(Msg::Goodbye);
            t.end();
        }
        Intent::Greeting => {
            t.st.stage = Stage::Listening;
            t.say(Msg::HowCanIHelp);
        }
        _ => {
            // A bare problem description ("my toilet keeps running") is a
            // booking, or the answer to "which job?" after a price question.
            if let Some((_, conf)) = super::services::classify(u, t.ctx.profile) {
                if t.st.asked_price {
                    let kind = super::types::QuestionKind::Price;
                    answers::answer(t, kind, u);
                    t.st.stage = Stage::OfferBooking;
                    t.say(Msg::OfferBooking);
                    return;
                }
                t.intent(Intent::Book, conf.max(0.6));
                return start_booking(t, u, raw);
            }
            t.misunderstood(Msg::Clarify);
        }
    }
}

fn start_booking(t: &mut TurnBuilder, u: &Utterance, raw: &str) {
    if t.intent != Intent::Book {
        t.intent(Intent::Book, 0.8);
    }
    t.st.goal = Goal::Book;
    t.st.asked_price = false;
    booking::absorb(t, u, raw);
    booking::advance(t);
}

#[cfg(test)]
mod tests;
