//! Changing an existing appointment (reschedule, cancel) and handing the
//! caller to a person.

use super::booking;
use super::turn::TurnBuilder;
use crate::assistant::intent;
use crate::assistant::locale::Msg;
use crate::assistant::state::{Goal, Stage};
use crate::assistant::text::Utterance;
use crate::assistant::types::{Action, CallbackReason, Channel, Intent, UpcomingAppointment};

/// The caller's next appointment (by phone, as the CRM matched it).
fn next_appointment(t: &TurnBuilder) -> Option<UpcomingAppointment> {
    t.ctx.caller.upcoming.iter().filter(|a| a.start > t.ctx.now).min_by_key(|a| a.start).cloned()
}

fn not_found(t: &mut TurnBuilder) {
    t.say(Msg::NoAppointment);
    t.callback(CallbackReason::Handoff);
    t.st.stage = Stage::AnythingElse;
    t.say(Msg::AnythingElse);
}

pub fn start_reschedule(t: &mut TurnBuilder, u: &Utterance) {
    let Some(appt) = next_appointment(t) else {
        return not_found(t);
    };
    t.st.goal = Goal::Reschedule;
    t.st.target_appointment = Some(appt.id.clone());
    t.st.service_key = appt.service_key.clone();
    t.st.preference = None;
    // "Move my appointment to Friday afternoon" already says when.
    if let Some(p) = crate::assistant::timeexpr::parse(u, t.lang(), t.fmt().today) {
        t.st.preference = Some(p);
        return booking::offer(t);
    }
    let service = t.service_name(appt.service_key.as_deref());
    t.st.stage = Stage::AskTime;
    t.say(Msg::NextAppointment { service, when: appt.start });
}

pub fn start_cancel(t: &mut TurnBuilder) {
    let Some(appt) = next_appointment(t) else {
        return not_found(t);
    };
    t.st.goal = Goal::Cancel;
    t.st.target_appointment = Some(appt.id.clone());
    t.st.stage = Stage::ConfirmCancel;
    let service = t.service_name(appt.service_key.as_deref());
    t.say(Msg::ConfirmCancel { service, when: appt.start });
}

pub fn on_confirm_cancel(t: &mut TurnBuilder, u: &Utterance) {
    match intent::yes_no(u, t.lang()) {
        Some(true) => {
            t.intent(Intent::Yes, 0.9);
            let Some(appt) = t.target().cloned() else {
                return not_found(t);
            };
            t.act(Action::CancelAppointment { appointment_id: appt.id.clone() });
            if let Some(to) = t.phone() {
                let text = t.text(&Msg::SmsCancelled { business: t.ctx.profile.name.clone(), when: appt.start });
                t.act(Action::SendConfirmationSms { to, text });
            }
            t.say(Msg::Cancelled);
            t.st.goal = Goal::None;
            t.st.stage = Stage::AnythingElse;
            t.say(Msg::AnythingElse);
        }
        Some(false) => {
            t.intent(Intent::No, 0.9);
            t.say(Msg::KeptAppointment);
            t.st.goal = Goal::None;
            t.st.stage = Stage::AnythingElse;
            t.say(Msg::AnythingElse);
        }
        None => t.misunderstood(Msg::ClarifyYesNo),
    }
}

/// "Talk to a person": transfer a live call when the owner takes transfers,
/// otherwise queue a callback (asking a web visitor for a number first).
pub fn handoff(t: &mut TurnBuilder) {
    t.intent(Intent::TalkToPerson, 0.9);
    let owner = t.ctx.profile.owner_phone.clone();
    if t.ctx.channel == Channel::Voice
        && t.ctx.profile.accepts_transfers
        && let Some(to) = owner
    {
        t.say(Msg::Transferring);
        t.upsert_customer();
        t.act(Action::Transfer { to });
        t.st.stage = Stage::Done;
        return;
    }
    if t.phone().is_none() {
        t.st.goal = Goal::Handoff;
        t.st.stage = Stage::AskPhone;
        t.say(Msg::AskPhone);
        return;
    }
    finish_handoff(t);
}

pub fn finish_handoff(t: &mut TurnBuilder) {
    t.say(Msg::CallbackPromise);
    t.callback(CallbackReason::Handoff);
    t.st.goal = Goal::None;
    t.st.stage = Stage::AnythingElse;
    t.say(Msg::AnythingElse);
}
