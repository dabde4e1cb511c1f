//! Phone numbers in E.164 (`+15125550123`), the form Twilio sends and expects.

/// Normalises a North American or international number to E.164.
///
/// Accepts `+1 (512) 555-0123`, `512-555-0123`, `15125550123`; returns `None`
/// for anything that is not 8 to 15 digits once punctuation is removed.
pub fn normalize_phone(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let plus = trimmed.starts_with('+');
    if trimmed.chars().any(|c| !(c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))) {
        return None;
    }
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let e164 = match (plus, digits.len()) {
        (false, 10) => format!("+1{digits}"),
        (false, 11) if digits.starts_with('1') => format!("+{digits}"),
        (true, 8..=15) => format!("+{digits}"),
        _ => return None,
    };
    Some(e164)
}

#[cfg(test)]
mod tests {
    use super::normalize_phone;

    #[test]
    fn normalises_common_spellings() {
        for raw in ["+1 (512) 555-0123", "512-555-0123", "15125550123", "512.555.0123"] {
            assert_eq!(normalize_phone(raw).as_deref(), Some("+15125550123"), "{raw}");
        }
        assert_eq!(normalize_phone("+44 20 7946 0958").as_deref(), Some("+442079460958"));
    }

    #[test]
    fn rejects_junk() {
        for raw in ["", "555-0123", "call me", "+1 512 555 0123 ext 4", "++"] {
            assert_eq!(normalize_phone(raw), None, "{raw}");
        }
    }
}
