//! Executor behaviours beyond the scripted scenarios: two callers racing for
//! one slot, and a caller hanging up mid-intake.

use switchboard::assistant::fixtures::monday_morning;
use switchboard::assistant::{Action, Channel, Input};
use switchboard::conversation::{Executed, Executor, TurnRequest};
use switchboard::domain::Language;
use switchboard::sessions::MemorySessions;
use switchboard::store::appointments::{self, AppointmentQuery};
use switchboard::store::callbacks::{self, CallbackReason};
use switchboard::store::conversations;

use crate::fixture::{Outbox, acme};
use crate::support::{Backend, TestApp};

async fn say(exec: &Executor<'_>, tenant: &str, phone: &'static str, text: &str) -> Executed {
    let req = TurnRequest {
        tenant,
        channel: Channel::Sms,
        thread: phone,
        caller_phone: Some(phone),
        input: Input::Text(text.into()),
        now: monday_morning(),
    };
    exec.turn(req).await.expect("turn")
}

async fn two_callers_one_slot(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = acme(&app, None, Language::En).await;
    let sessions = MemorySessions::default();
    let outbox = Outbox::default();
    let exec = Executor { db: &app.state.db, sessions: &sessions, notifier: &outbox };
    let callers: [(&'static str, &str); 2] = [("+15125550101", "Ann Lee"), ("+15125550102", "Bob Ray")];
    for (phone, name) in callers {
        for line in ["my toilet is running", name, "42 Elm Street", "tomorrow at 10"] {
            say(&exec, &t.id, phone, line).await;
        }
    }
    let (a, b) = tokio::join!(say(&exec, &t.id, callers[0].0, "yes"), say(&exec, &t.id, callers[1].0, "yes"));
    let booked = |e: &Executed| e.actions.iter().any(|x| matches!(x, Action::BookAppointment(_)));
    assert!(booked(&a) ^ booked(&b), "exactly one wins: {:?} / {:?}", a.reply, b.reply);
    let loser = if booked(&a) { &b } else { &a };
    assert!(loser.reply.starts_with("Sorry, that time was just taken."), "{}", loser.reply);
    let (all, _) = appointments::list(&app.state.db, &t.id, &AppointmentQuery::default()).await.expect("db");
    assert_eq!(all.len(), 1, "never double-booked");
}

async fn hang_up_mid_intake(backend: Backend) {
    let app = TestApp::start(backend).await;
    let t = acme(&app, None, Language::En).await;
    let sessions = MemorySessions::default();
    let outbox = Outbox::default();
    let exec = Executor { db: &app.state.db, sessions: &sessions, notifier: &outbox };
    let phone = Some("+15125550133");
    let opened = exec.open(&t.id, Channel::Voice, "CA-hangup", phone, monday_morning()).await.expect("open");
    assert!(opened.reply.starts_with("Thanks for calling Acme Plumbing."), "{}", opened.reply);
    for line in ["my water heater is leaking", "John Smith"] {
        let req = TurnRequest {
            tenant: &t.id,
            channel: Channel::Voice,
            thread: "CA-hangup",
            caller_phone: phone,
            input: Input::Text(line.into()),
            now: monday_morning(),
        };
        exec.turn(req).await.expect("turn");
    }
    let first = exec.hang_up(&t.id, Channel::Voice, "CA-hangup", phone, monday_morning()).await.expect("hang up");
    let again = exec.hang_up(&t.id, Channel::Voice, "CA-hangup", phone, monday_morning()).await;
    assert_eq!(again.expect("second hang up is a no-op"), None);
    let queued = callbacks::list(&app.state.db, &t.id, None, None, None).await.expect("db");
    assert_eq!(queued.len(), 1);
    assert_eq!(first.as_deref(), Some(queued[0].id.as_str()));
    assert_eq!(queued[0].reason, CallbackReason::PartialIntake);
    assert!(queued[0].note.as_deref().is_some_and(|n| n.contains("John Smith") && n.contains("water heater")));
    let conv = conversations::get(&app.state.db, &t.id, &opened.conversation_id).await.expect("db");
    assert_eq!(conv.conversation.status, "abandoned");
    assert!(conv.conversation.ended_at.is_some());
}

crate::on_both_backends!(two_callers_one_slot, hang_up_mid_intake);
