//! Limits on free text from outside: a single-line field (a reference, a name, a
//! contact) is short and has no control characters, so it cannot forge lines in a
//! notice, an e-mail header or a log; a multi-line one (a message, a reason) is
//! bounded and has no NUL. Lengths count characters, not bytes.

/// The longest reference an authority may give.
pub const REFERENCE_MAX: usize = 128;
/// The longest name (of an authority, a person, an issuer, an agency).
pub const NAME_MAX: usize = 256;
/// The longest other single-line value (a contact, a type, a value).
pub const LINE_MAX: usize = 256;
/// The longest multi-line text (a message, a reason, notes).
pub const TEXT_MAX: usize = 10_000;

/// What is wrong with a text, without its field (the caller names that).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must be at most {max} characters (this is {length})")]
    TooLong { max: usize, length: usize },
    #[error("must be one line without control characters")]
    ControlCharacter,
    #[error("must not contain NUL characters")]
    Nul,
}

/// A single-line value: at most `max` characters, no control characters (C0, DEL, C1).
pub fn single_line(text: &str, max: usize) -> Result<(), TextError> {
    within(text, max)?;
    if text.chars().any(char::is_control) {
        return Err(TextError::ControlCharacter);
    }
    Ok(())
}

/// A multi-line value: at most [`TEXT_MAX`] characters and no NUL.
pub fn multi_line(text: &str) -> Result<(), TextError> {
    within(text, TEXT_MAX)?;
    if text.contains('\0') {
        return Err(TextError::Nul);
    }
    Ok(())
}

fn within(text: &str, max: usize) -> Result<(), TextError> {
    // Bytes bound characters from above: only count when it could matter.
    if text.len() > max {
        let length = text.chars().count();
        if length > max {
            return Err(TextError::TooLong { max, length });
        }
    }
    Ok(())
}

/// A Unicode format character (general category Cf): invisible, and some (the
/// bidirectional overrides, U+202E) make a name read as another (`fdp.exe` shown as
/// `exe.pdf`).
pub fn is_format_character(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// `text` with every control character written as an escape (`\n`, `\u{1b}`), so a
/// value from outside stays on its line wherever it is shown or logged.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            escaped.extend(c.escape_default());
        } else {
            escaped.push(c);
        }
    }
    std::borrow::Cow::Owned(escaped)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn limits_count_characters_not_bytes() {
        assert_eq!(single_line(&"é".repeat(128), REFERENCE_MAX), Ok(()));
        assert_eq!(
            single_line(&"a".repeat(129), REFERENCE_MAX),
            Err(TextError::TooLong {
                max: 128,
                length: 129
            })
        );
        assert_eq!(multi_line(&"a\n".repeat(5_000)), Ok(()));
        assert!(multi_line(&"a".repeat(10_001)).is_err());
    }

    #[test]
    fn single_lines_refuse_line_breaks_and_escapes() {
        for bad in ["SEA\r\nBcc: x", "a\nb", "\u{1b}[31m", "tab\there", "\u{85}"] {
            assert_eq!(
                single_line(bad, LINE_MAX),
                Err(TextError::ControlCharacter),
                "{bad:?}"
            );
        }
        assert_eq!(multi_line("line\r\nline\ttab"), Ok(()));
        assert_eq!(multi_line("a\0b"), Err(TextError::Nul));
    }

    proptest! {
        #[test]
        fn escaped_text_has_no_control_characters(text in any::<String>()) {
            let escaped = escape_controls(&text);
            prop_assert!(!escaped.chars().any(char::is_control));
            if !text.chars().any(char::is_control) {
                prop_assert_eq!(escaped.as_ref(), text.as_str());
            }
        }
    }
}
