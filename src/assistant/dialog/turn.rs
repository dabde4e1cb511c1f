//! Accumulates one turn: messages to say, actions to perform, the new state.

use crate::assistant::locale::{self, Fmt, Msg};
use crate::assistant::services;
use crate::assistant::state::{ConversationState, Stage};
use crate::assistant::types::{Action, CallbackReason, Context, Intent, Turn};

pub struct TurnBuilder<'c, 'a> {
    pub ctx: &'c Context<'a>,
    pub st: ConversationState,
    pub msgs: Vec<Msg>,
    pub actions: Vec<Action>,
    pub intent: Intent,
    pub confidence: f32,
    /// Set when this turn did not move the dialog (misunderstanding,
    /// silence), so the consecutive-misunderstanding counter is kept.
    pub stalled: bool,
}

impl<'c, 'a> TurnBuilder<'c, 'a> {
    pub fn new(state: &ConversationState, ctx: &'c Context<'a>) -> Self {
        TurnBuilder {
            ctx,
            st: state.clone(),
            msgs: Vec::new(),
            actions: Vec::new(),
            intent: Intent::Unknown,
            confidence: 0.0,
            stalled: false,
        }
    }

    pub fn fmt(&self) -> Fmt {
        let tz = self.ctx.profile.time_zone;
        Fmt { lang: self.ctx.profile.language, tz, today: self.ctx.now.with_timezone(&tz).date_naive() }
    }

    pub fn lang(&self) -> crate::domain::Language {
        self.ctx.profile.language
    }

    pub fn say(&mut self, m: Msg) {
        self.msgs.push(m);
    }

    pub fn act(&mut self, a: Action) {
        self.actions.push(a);
    }

    pub fn intent(&mut self, intent: Intent, confidence: f32) {
        self.intent = intent;
        self.confidence = confidence;
    }

    /// The number we can reach the caller on.
    pub fn phone(&self) -> Option<String> {
        self.ctx.caller.phone.clone().or_else(|| self.st.phone.clone())
    }

    /// Render text for owner-facing or SMS use.
    pub fn text(&self, m: &Msg) -> String {
        locale::render(m, &self.fmt())
    }

    pub fn end(&mut self) {
        self.st.stage = Stage::Done;
        self.act(Action::EndConversation);
    }

    /// Save what we know about the caller, then queue a callback.
    pub fn callback(&mut self, reason: CallbackReason) {
        self.upsert_customer();
        let note = self.st.problem.clone();
        let summary =
            self.text(&Msg::CallbackSummary { reason, name: self.st.name.clone(), phone: self.phone(), note });
        self.act(Action::CreateCallback { reason, summary });
    }

    /// Record the caller in the CRM once we know who they are (a name);
    /// an anonymous number alone is already on the call/conversation record.
    pub fn upsert_customer(&mut self) {
        let phone = self.phone();
        if self.st.name.is_none() {
            return;
        }
        let already = self.actions.iter().any(|a| matches!(a, Action::UpsertCustomer { .. }));
        if already {
            return;
        }
        self.act(Action::UpsertCustomer {
            customer_id: self.ctx.caller.customer.as_ref().map(|c| c.id.clone()),
            name: self.st.name.clone(),
            phone,
            address: self.st.address.clone(),
        });
    }

    /// The question that the current stage waits on, for re-prompts.
    pub fn stage_prompt(&self) -> Vec<Msg> {
        let st = &self.st;
        match st.stage {
            Stage::Start | Stage::Listening | Stage::Done => vec![Msg::HowCanIHelp],
            Stage::ConfirmEmergency => vec![Msg::ConfirmEmergency],
            Stage::AskName => vec![Msg::AskName],
            Stage::ConfirmAddress => vec![Msg::ConfirmAddress { address: st.address.clone().unwrap_or_default() }],
            Stage::AskAddress => vec![Msg::AskAddress],
            Stage::AskPhone => vec![Msg::AskPhone],
            Stage::AskProblem => vec![Msg::AskProblem],
            Stage::AskTime => vec![Msg::AskTime],
            Stage::ChooseSlot => vec![Msg::ChooseAgain { slots: st.offered.iter().map(|s| s.start).collect() }],
            Stage::ConfirmBooking => self.read_back(),
            Stage::ConfirmCancel => match self.target() {
                Some(a) => {
                    vec![Msg::ConfirmCancel { service: self.service_name(a.service_key.as_deref()), when: a.start }]
                }
                None => vec![Msg::HowCanIHelp],
            },
            Stage::OfferBooking => vec![Msg::OfferBooking],
            Stage::AnythingElse => vec![Msg::AnythingElse],
        }
    }

    pub fn read_back(&self) -> Vec<Msg> {
        let Some(slot) = self.st.chosen else {
            return vec![Msg::AskTime];
        };
        if self.st.goal == crate::assistant::state::Goal::Reschedule
            && let Some(a) = self.target()
        {
            return vec![Msg::ConfirmMove { from: a.start, to: slot.start }];
        }
        vec![Msg::ReadBack {
            service: self.service_name(self.st.service_key.as_deref()),
            name: self.st.name.clone().unwrap_or_default(),
            address: self.st.address.clone().unwrap_or_default(),
            when: slot.start,
        }]
    }

    pub fn service_name(&self, key: Option<&str>) -> String {
        key.and_then(|k| services::by_key(self.ctx.profile, k))
            .or_else(|| services::fallback(self.ctx.profile))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    /// The appointment being rescheduled or cancelled.
    pub fn target(&self) -> Option<&crate::assistant::types::UpcomingAppointment> {
        let id = self.st.target_appointment.as_deref()?;
        self.ctx.caller.upcoming.iter().find(|a| a.id == id)
    }

    /// Not understood: clarify once, then hand off to a callback.
    pub fn misunderstood(&mut self, clarify: Msg) {
        self.stalled = true;
        self.intent(Intent::Unknown, 0.2);
        self.st.misunderstood = self.st.misunderstood.saturating_add(1);
        if self.st.misunderstood >= 2 {
            self.say(Msg::GiveUp);
            self.callback(CallbackReason::LowConfidence);
            self.end();
        } else {
            self.say(clarify);
        }
    }

    pub fn finish(mut self) -> Turn {
        if !self.stalled {
            self.st.misunderstood = 0;
        }
        let reply = locale::join(&self.msgs, &self.fmt());
        Turn { reply, actions: self.actions, state: self.st, intent: self.intent, confidence: self.confidence }
    }
}
