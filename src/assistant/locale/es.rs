//! Spanish catalog (usted, neutral Latin American Spanish).

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};

use super::{Fmt, Msg, hour_groups};
use crate::assistant::lexicon::Hazard;
use crate::assistant::types::CallbackReason;

/// "las 2:30 de la tarde" without the article: "2:30 de la tarde".
fn clock(t: NaiveTime) -> String {
    let (_, h) = t.hour12();
    let part = match t.hour() {
        0..=11 => "de la mañana",
        12..=18 => "de la tarde",
        _ => "de la noche",
    };
    match t.minute() {
        0 => format!("{h} {part}"),
        m => format!("{h}:{m:02} {part}"),
    }
}

/// "a las 3 de la tarde" / "a la 1 de la tarde".
fn at_clock(t: NaiveTime) -> String {
    let article = if t.hour12().1 == 1 { "a la" } else { "a las" };
    format!("{article} {}", clock(t))
}

fn weekday(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "lunes",
        Weekday::Tue => "martes",
        Weekday::Wed => "miércoles",
        Weekday::Thu => "jueves",
        Weekday::Fri => "viernes",
        Weekday::Sat => "sábado",
        Weekday::Sun => "domingo",
    }
}

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

fn when(dt: DateTime<Utc>, f: &Fmt) -> String {
    let local = dt.with_timezone(&f.tz);
    let date = local.date_naive();
    let day = match (date - f.today).num_days() {
        0 => "hoy".to_string(),
        1 => "mañana".to_string(),
        _ => format!("el {} {} de {}", weekday(date.weekday()), date.day(), MONTHS[date.month0() as usize]),
    };
    format!("{day} {}", at_clock(local.time()))
}

fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} o {last}", rest.join(", ")),
    }
}

fn money(n: u32) -> String {
    if n >= 1000 { format!("{},{:03} dólares", n / 1000, n % 1000) } else { format!("{n} dólares") }
}

pub fn render(msg: &Msg, f: &Fmt) -> String {
    let w = |d: &DateTime<Utc>| when(*d, f);
    match msg {
        Msg::GreetVoice { business } => format!("Gracias por llamar a {business}."),
        Msg::RecordingNotice => "Esta llamada se graba para fines de calidad.".into(),
        Msg::GreetText { business } => format!("Hola, soy el asistente de {business}."),
        Msg::HowCanIHelp => "¿En qué le puedo ayudar?".into(),
        Msg::WelcomeBack { name } => format!("Hola {name}, qué gusto saludarle de nuevo."),
        Msg::Thanks { name: Some(n) } => format!("Gracias, {n}."),
        Msg::Thanks { name: None } => "Gracias.".into(),
        Msg::Okay => "Muy bien.".into(),
        Msg::AskName => "¿Me da su nombre, por favor?".into(),
        Msg::AskNameAgain => "Perdón, ¿a nombre de quién pongo la cita?".into(),
        Msg::ConfirmAddress { address } => format!("¿La visita es en {address}?"),
        Msg::AskAddress => "¿Cuál es la dirección de la visita?".into(),
        Msg::AskAddressAgain => "Perdón, ¿me da la dirección con el número de la casa?".into(),
        Msg::AskPhone => "¿A qué número de teléfono le podemos llamar?".into(),
        Msg::AskPhoneAgain => "No entendí el número completo. ¿Me lo da con el código de área?".into(),
        Msg::AskProblem => "¿Cuál es el problema?".into(),
        Msg::ServiceNoted { service } => format!("Entendido, es un servicio de {service}."),
        Msg::AskTime => "¿Cuándo le viene bien que vayamos?".into(),
        Msg::Offer { slots, relaxed, emergency } => {
            let opts: Vec<String> = slots.iter().map(w).collect();
            match (emergency, relaxed) {
                (true, _) => format!("Lo más pronto que puedo mandar a alguien es {}. ¿Cuál le sirve?", list(&opts)),
                (false, true) => {
                    format!("No tengo nada en ese horario. Lo más cercano es {}. ¿Le sirve alguna?", list(&opts))
                }
                (false, false) => format!("Puedo {}. ¿Cuál le queda mejor?", list(&opts)),
            }
        }
        Msg::NoSlots => {
            "Lo siento, no tengo espacio en las próximas dos semanas. Alguien le llamará para buscar un horario.".into()
        }
        Msg::ChooseAgain { slots } => {
            let opts: Vec<String> = slots.iter().map(w).collect();
            format!("¿Cuál le sirve: {}?", list(&opts))
        }
        Msg::ReadBack { service, name, address, when } => {
            format!("Para confirmar: {service} para {name} en {address}, {}. ¿La reservo?", w(when))
        }
        Msg::Booked { when, sms: true } => {
            format!("Listo, su cita es {}. Le mando la confirmación por mensaje.", w(when))
        }
        Msg::Booked { when, sms: false } => format!("Listo, su cita es {}.", w(when)),
        Msg::SlotTaken => "Perdón, ese horario se acaba de ocupar.".into(),
        Msg::WhatToChange => "No hay problema. ¿Qué horario le queda mejor?".into(),
        Msg::Safety(Hazard::Gas | Hazard::CarbonMonoxide) => {
            "Salga de la casa ahora y llame al 911 o a la compañía de gas desde afuera.".into()
        }
        Msg::Safety(Hazard::Electrical) => {
            "Aléjese del agua y de la electricidad, y llame al 911 si ve humo o fuego.".into()
        }
        Msg::Safety(Hazard::Water) => "Si puede, cierre la llave principal del agua.".into(),
        Msg::Safety(_) => String::new(),
        Msg::OwnerAlerted => "Estoy avisando al dueño ahora mismo.".into(),
        Msg::ConfirmEmergency => "¿Es una emergencia, por ejemplo agua saliendo ahora o sin agua en la casa?".into(),
        Msg::NotEmergencyNoted => "Muy bien, agendamos una visita normal.".into(),
        Msg::NoAppointment => "No encuentro una cita próxima con este número. Alguien del equipo le llamará.".into(),
        Msg::NextAppointment { service, when } => {
            format!("Veo su cita de {service} {}. ¿Para cuándo la quiere cambiar?", w(when))
        }
        Msg::ConfirmMove { from, to } => format!("Entonces cambio su visita de {} a {}. ¿Está bien?", w(from), w(to)),
        Msg::Moved { when, sms: true } => {
            format!("Listo, su cita ahora es {}. Le mando el nuevo horario por mensaje.", w(when))
        }
        Msg::Moved { when, sms: false } => format!("Listo, su cita ahora es {}.", w(when)),
        Msg::ConfirmCancel { service, when } => format!("¿Quiere cancelar su cita de {service} {}?", w(when)),
        Msg::Cancelled => "Su cita está cancelada.".into(),
        Msg::KeptAppointment => "Muy bien, su cita sigue igual.".into(),
        Msg::Hours { hours } => {
            let groups = hour_groups(hours);
            if groups.is_empty() {
                return "Trabajamos solo con cita.".into();
            }
            let parts: Vec<String> = groups
                .iter()
                .map(|(a, b, h)| {
                    let days = if a == b {
                        format!("el {}", weekday(*a))
                    } else {
                        format!("de {} a {}", weekday(*a), weekday(*b))
                    };
                    format!("{days}, de {} a {}", clock(h.open), clock(h.close))
                })
                .collect();
            format!("Abrimos {}.", parts.join("; "))
        }
        Msg::OpenNow { until } => {
            format!("Sí, estamos abiertos hoy hasta las {}.", clock(until.with_timezone(&f.tz).time()))
        }
        Msg::ClosedNow { next_open: Some(t) } => format!("Ahora estamos cerrados. Abrimos de nuevo {}.", w(t)),
        Msg::ClosedNow { next_open: None } => "Ahora estamos cerrados.".into(),
        Msg::ServiceArea { text: Some(t) } => format!("Trabajamos en {t}."),
        Msg::ServiceArea { text: None } => {
            "No tengo aquí la zona de servicio, pero el equipo se la puede confirmar.".into()
        }
        Msg::Price { service, min, max } => format!(
            "Un servicio de {service} suele costar entre {} y {}. El técnico confirma el precio en el lugar.",
            money(*min),
            money(*max)
        ),
        Msg::PriceWhichService => "El precio depende del trabajo. ¿Qué necesita?".into(),
        Msg::Warranty { text: Some(t) } => format!("{t}."),
        Msg::Warranty { text: None } => {
            "No tengo aquí los detalles de la garantía, pero el equipo se los puede explicar.".into()
        }
        Msg::OfferBooking => "¿Quiere agendar una visita?".into(),
        Msg::Transferring => "Claro, le comunico ahora.".into(),
        Msg::CallbackPromise => "Claro, alguien le devolverá la llamada muy pronto.".into(),
        Msg::Clarify => {
            "Perdón, no le entendí bien. ¿Quiere agendar una visita, cambiar una cita o hacer una pregunta?".into()
        }
        Msg::ClarifyYesNo => "Perdón, ¿eso fue un sí o un no?".into(),
        Msg::GiveUp => "Disculpe. Alguien del equipo le devolverá la llamada muy pronto.".into(),
        Msg::StillThere => "¿Sigue ahí?".into(),
        Msg::SilenceGoodbye => "Alguien le devolverá la llamada. Hasta luego.".into(),
        Msg::WrongNumber => "No hay problema. ¡Que tenga buen día!".into(),
        Msg::AnythingElse => "¿Le ayudo con algo más?".into(),
        Msg::Goodbye => "Gracias por comunicarse. ¡Hasta luego!".into(),
        Msg::SmsBooked { business, service, when, address } => format!(
            "{business}: su cita de {service} es {} en {address}. Para cambiarla, responda REPROGRAMAR o CANCELAR CITA.",
            w(when)
        ),
        Msg::SmsMoved { business, when } => format!("{business}: su visita ahora es {}.", w(when)),
        Msg::SmsCancelled { business, when } => format!("{business}: su visita de {} está cancelada.", w(when)),
        Msg::SmsHelp { business } => format!(
            "{business}: escríbanos lo que necesita o llámenos. Responda STOP para dejar de recibir mensajes, START para reanudarlos."
        ),
        Msg::SmsStopped { business } => {
            format!("{business}: ya no recibirá más mensajes nuestros. Responda START para reanudarlos.")
        }
        Msg::SmsStarted { business } => {
            format!("{business}: los mensajes están activados de nuevo. Responda STOP para detenerlos.")
        }
        Msg::OwnerEmergency { phone, problem } => {
            let who = if phone.is_empty() { "un número desconocido" } else { phone.as_str() };
            format!("EMERGENCIA: el cliente {who} reporta: \"{problem}\"")
        }
        Msg::OwnerBooked { emergency, service, name, address, phone, when } => format!(
            "{}Nueva cita: {service} para {name} ({phone}), {address}, {}.",
            if *emergency { "EMERGENCIA. " } else { "" },
            w(when)
        ),
        Msg::CallbackSummary { reason, name, phone, note } => {
            let why = match reason {
                CallbackReason::MissedCall => "Llamada perdida",
                CallbackReason::PartialIntake => "El cliente colgó antes de agendar",
                CallbackReason::NoInput => "El cliente no respondió",
                CallbackReason::Voicemail => "Buzón de voz",
                CallbackReason::LowConfidence => "El asistente no entendió al cliente",
                CallbackReason::Handoff => "El cliente pidió hablar con una persona",
            };
            let who = [name.as_deref(), phone.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(", ");
            let mut s = why.to_string();
            if !who.is_empty() {
                s.push_str(&format!(" ({who})"));
            }
            if let Some(n) = note {
                s.push_str(&format!(": {n}"));
            }
            s
        }
    }
}
