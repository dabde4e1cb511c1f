//! TwiML responses, built from typed verbs so every piece of text is escaped.
//!
//! Only the verbs the product uses exist: `<Connect><Stream>` (bidirectional
//! media, holds the call), `<Say>`, `<Pause>`, `<Hangup>`, `<Dial>` (transfer
//! to the owner) and `<Message>` (SMS reply).

use std::fmt::Write as _;

/// One TwiML verb.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// `<Connect><Stream url=..><Parameter name value/>..</Stream></Connect>`.
    /// Twilio drops the URL's query string, so per-call data goes in parameters.
    ConnectStream {
        url: String,
        parameters: Vec<(String, String)>,
    },
    Say {
        text: String,
        language: Option<String>,
    },
    Pause {
        seconds: u32,
    },
    Hangup,
    Dial {
        number: String,
        caller_id: Option<String>,
        timeout_seconds: Option<u32>,
    },
    Message {
        body: String,
    },
}

/// A `<Response>` document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    verbs: Vec<Verb>,
}

impl Response {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn verb(mut self, verb: Verb) -> Self {
        self.verbs.push(verb);
        self
    }

    pub fn connect_stream(self, url: &str, parameters: &[(&str, &str)]) -> Self {
        self.verb(Verb::ConnectStream {
            url: url.to_string(),
            parameters: parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        })
    }

    pub fn say(self, text: &str, language: Option<&str>) -> Self {
        self.verb(Verb::Say { text: text.to_string(), language: language.map(str::to_string) })
    }

    pub fn pause(self, seconds: u32) -> Self {
        self.verb(Verb::Pause { seconds })
    }

    pub fn hangup(self) -> Self {
        self.verb(Verb::Hangup)
    }

    pub fn dial(self, number: &str, caller_id: Option<&str>, timeout_seconds: Option<u32>) -> Self {
        self.verb(Verb::Dial { number: number.to_string(), caller_id: caller_id.map(str::to_string), timeout_seconds })
    }

    pub fn message(self, body: &str) -> Self {
        self.verb(Verb::Message { body: body.to_string() })
    }

    /// The XML document Twilio expects (`Content-Type: text/xml`).
    pub fn to_xml(&self) -> String {
        let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?><Response>"#);
        for verb in &self.verbs {
            write_verb(&mut out, verb);
        }
        out.push_str("</Response>");
        out
    }
}

fn write_verb(out: &mut String, verb: &Verb) {
    // `write!` into a String cannot fail.
    let _ = match verb {
        Verb::ConnectStream { url, parameters } => {
            let _ = write!(out, r#"<Connect><Stream url="{}">"#, escape(url));
            for (name, value) in parameters {
                let _ = write!(out, r#"<Parameter name="{}" value="{}"/>"#, escape(name), escape(value));
            }
            write!(out, "</Stream></Connect>")
        }
        Verb::Say { text, language: Some(lang) } => {
            write!(out, r#"<Say language="{}">{}</Say>"#, escape(lang), escape(text))
        }
        Verb::Say { text, language: None } => write!(out, "<Say>{}</Say>", escape(text)),
        Verb::Pause { seconds } => write!(out, r#"<Pause length="{seconds}"/>"#),
        Verb::Hangup => write!(out, "<Hangup/>"),
        Verb::Dial { number, caller_id, timeout_seconds } => {
            out.push_str("<Dial");
            if let Some(id) = caller_id {
                let _ = write!(out, r#" callerId="{}""#, escape(id));
            }
            if let Some(t) = timeout_seconds {
                let _ = write!(out, r#" timeout="{t}""#);
            }
            write!(out, "><Number>{}</Number></Dial>", escape(number))
        }
        Verb::Message { body } => write!(out, "<Message>{}</Message>", escape(body)),
    };
}

/// Escapes text for both element content and double-quoted attributes, and
/// drops characters XML 1.0 cannot carry (control characters other than tab
/// and newlines), which would otherwise make Twilio reject the whole document.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

    #[test]
    fn connect_stream_with_parameters() {
        let xml = Response::new()
            .connect_stream("wss://sb.example.com/v1/twilio/media-stream", &[("token", "a.b"), ("call", "c1")])
            .to_xml();
        assert_eq!(
            xml,
            format!(
                r#"{HEAD}<Response><Connect><Stream url="wss://sb.example.com/v1/twilio/media-stream"><Parameter name="token" value="a.b"/><Parameter name="call" value="c1"/></Stream></Connect></Response>"#
            )
        );
    }

    #[test]
    fn say_then_hangup_escapes_text() {
        let xml = Response::new().say("Tom & Jerry's <plumbing> \"now\"", Some("en-US")).hangup().to_xml();
        assert_eq!(
            xml,
            format!(
                r#"{HEAD}<Response><Say language="en-US">Tom &amp; Jerry&apos;s &lt;plumbing&gt; &quot;now&quot;</Say><Hangup/></Response>"#
            )
        );
    }

    #[test]
    fn message_and_dial() {
        assert_eq!(
            Response::new().message("Booked: Tue 9:00 <b>").to_xml(),
            format!("{HEAD}<Response><Message>Booked: Tue 9:00 &lt;b&gt;</Message></Response>")
        );
        assert_eq!(
            Response::new().dial("+15551234567", Some("+15550000000"), Some(20)).to_xml(),
            format!(
                r#"{HEAD}<Response><Dial callerId="+15550000000" timeout="20"><Number>+15551234567</Number></Dial></Response>"#
            )
        );
    }

    #[test]
    fn control_characters_are_dropped_and_attribute_injection_fails() {
        let xml = Response::new().connect_stream("wss://x/\"><Hangup/>", &[("k\"", "v\u{0}\u{7}<")]).to_xml();
        assert!(!xml.contains("<Hangup/>"), "{xml}");
        assert!(!xml.contains('\u{0}') && !xml.contains('\u{7}'));
        assert!(xml.contains(r#"name="k&quot;" value="v&lt;""#), "{xml}");
    }
}
