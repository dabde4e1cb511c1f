use super::*;

// Frames copied in shape from Twilio's Media Streams documentation.
const CONNECTED: &str = r#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#;
const START: &str = r#"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC123","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","callSid":"CA123","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"token":"abc.def","tenant":"acme"}},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}"#;
const MEDIA: &str = r#"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}"#;
const DTMF: &str = r#"{"event":"dtmf","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"1"}}"#;
const MARK: &str = r#"{"event":"mark","sequenceNumber":"4","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","mark":{"name":"my label"}}"#;
const STOP: &str = r#"{"event":"stop","sequenceNumber":"5","stop":{"accountSid":"AC123","callSid":"CA123"},"streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0"}"#;

#[test]
fn connected_parses() {
    let m = parse_inbound(CONNECTED).unwrap();
    assert_eq!(m, Inbound::Connected(Connected { protocol: "Call".into(), version: "1.0.0".into() }));
    assert_eq!(m.sequence_number(), None);
}

#[test]
fn start_parses_with_custom_parameters_and_string_numbers() {
    let Inbound::Start(s) = parse_inbound(START).unwrap() else { panic!("not start") };
    assert_eq!(s.sequence_number, StrNum(1));
    assert_eq!(s.start.call_sid, "CA123");
    assert_eq!(s.start.custom_parameters.get("token").map(String::as_str), Some("abc.def"));
    assert_eq!(s.start.custom_parameters.get("tenant").map(String::as_str), Some("acme"));
    assert!(s.start.media_format.is_mulaw_8k_mono());
    assert_eq!(s.start.tracks, vec!["inbound".to_string()]);
}

#[test]
fn media_parses_and_decodes() {
    let Inbound::Media(m) = parse_inbound(MEDIA).unwrap() else { panic!("not media") };
    assert_eq!(m.sequence_number.0, 3);
    assert_eq!(m.media.chunk.0, 1);
    assert_eq!(m.media.timestamp.0, 5);
    assert_eq!(m.media.decode_payload().unwrap(), vec![0xff; 4]);
}

#[test]
fn dtmf_mark_and_stop_parse() {
    let Inbound::Dtmf(d) = parse_inbound(DTMF).unwrap() else { panic!("not dtmf") };
    assert_eq!(d.dtmf.digit, "1");
    let Inbound::Mark(m) = parse_inbound(MARK).unwrap() else { panic!("not mark") };
    assert_eq!(m.mark.name, "my label");
    let Inbound::Stop(s) = parse_inbound(STOP).unwrap() else { panic!("not stop") };
    assert_eq!(s.stop.call_sid, "CA123");
    assert_eq!(s.sequence_number.0, 5);
}

#[test]
fn inbound_round_trips_with_numbers_as_strings() {
    for text in [CONNECTED, START, MEDIA, DTMF, MARK, STOP] {
        let parsed = parse_inbound(text).unwrap();
        let json = parsed.to_json();
        assert_eq!(parse_inbound(&json).unwrap(), parsed, "{json}");
        if parsed.sequence_number().is_some() {
            assert!(json.contains(r#""sequenceNumber":""#), "numbers must be strings: {json}");
        }
    }
}

#[test]
fn outbound_serializes_exactly_as_twilio_expects() {
    let media = Outbound::media("MZ1", &[0xff, 0x7f]);
    let v: serde_json::Value = serde_json::from_str(&media.to_json()).unwrap();
    assert_eq!(v, serde_json::json!({"event":"media","streamSid":"MZ1","media":{"payload":"/38="}}));
    let mark: serde_json::Value = serde_json::from_str(&Outbound::mark("MZ1", "t1.s0").to_json()).unwrap();
    assert_eq!(mark, serde_json::json!({"event":"mark","streamSid":"MZ1","mark":{"name":"t1.s0"}}));
    let clear: serde_json::Value = serde_json::from_str(&Outbound::clear("MZ1").to_json()).unwrap();
    assert_eq!(clear, serde_json::json!({"event":"clear","streamSid":"MZ1"}));
    for o in [media, Outbound::mark("MZ1", "x"), Outbound::clear("MZ1")] {
        assert_eq!(parse_outbound(&o.to_json()).unwrap(), o);
    }
}

#[test]
fn garbage_is_a_typed_error_never_a_panic() {
    let cases: &[(&str, &str)] = &[
        ("", "not_an_event"),
        ("null", "not_an_event"),
        ("[1,2,3]", "not_an_event"),
        ("{\"event\":5}", "not_an_event"),
        ("{\"protocol\":\"Call\"}", "not_an_event"),
        ("\u{0}\u{1}binary-ish", "not_an_event"),
        (r#"{"event":"hello"}"#, "unknown_event"),
        (r#"{"event":"clear","streamSid":"MZ1"}"#, "unknown_event"),
        (r#"{"event":"start"}"#, "malformed"),
        (
            r#"{"event":"media","sequenceNumber":"x","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"AA=="},"streamSid":"MZ1"}"#,
            "malformed",
        ),
        (
            r#"{"event":"media","sequenceNumber":"-3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"AA=="},"streamSid":"MZ1"}"#,
            "malformed",
        ),
        (
            r#"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"not base64!"},"streamSid":"MZ1"}"#,
            "malformed",
        ),
        (
            r#"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":""},"streamSid":"MZ1"}"#,
            "malformed",
        ),
        (
            r#"{"event":"media","sequenceNumber":"3","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"AA=="},"streamSid":""}"#,
            "malformed",
        ),
        (
            r#"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"12"}}"#,
            "malformed",
        ),
        (
            r#"{"event":"dtmf","streamSid":"MZ1","sequenceNumber":"5","dtmf":{"track":"inbound_track","digit":"x"}}"#,
            "malformed",
        ),
        (r#"{"event":"mark","sequenceNumber":"4","streamSid":"MZ1","mark":{"name":""}}"#, "malformed"),
        (r#"{"event":"stop","sequenceNumber":"5","streamSid":"MZ1"}"#, "malformed"),
    ];
    for (text, kind) in cases {
        let err = parse_inbound(text).expect_err(text);
        assert_eq!(err.kind(), *kind, "{text}: {err}");
    }
}

#[test]
fn oversized_frames_are_refused_before_parsing() {
    let huge = format!(r#"{{"event":"media","pad":"{}"}}"#, "a".repeat(MAX_MESSAGE_BYTES));
    assert_eq!(parse_inbound(&huge).unwrap_err(), ProtocolError::TooLarge(huge.len()));
    // A payload that fits the frame limit but decodes to more than a second of audio.
    let big_audio = B64.encode(vec![0u8; MAX_PAYLOAD_BYTES + 3]);
    let frame = format!(
        r#"{{"event":"media","sequenceNumber":"3","media":{{"track":"inbound","chunk":"1","timestamp":"5","payload":"{big_audio}"}},"streamSid":"MZ1"}}"#
    );
    assert_eq!(parse_inbound(&frame).unwrap_err().kind(), "malformed");
}

#[test]
fn start_with_mismatched_stream_sid_is_refused() {
    let bad = START.replacen("\"streamSid\":\"MZ18ad3ab5a668481ce02b83e7395059f0\"}", "\"streamSid\":\"MZother\"}", 1);
    assert_ne!(bad, START);
    assert_eq!(parse_inbound(&bad).unwrap_err().kind(), "malformed");
}

#[test]
fn unknown_extra_fields_are_tolerated() {
    // Twilio adds fields over time; new ones must not break calls.
    let extended = MEDIA.replacen("\"track\":\"inbound\"", "\"track\":\"inbound\",\"new\":{\"x\":1}", 1);
    assert!(parse_inbound(&extended).is_ok());
}
