//! Logs go to stderr (stdout is for what a command prints), filtered by `WRIT_LOG`.
//!
//! Logged values often come from outside (a username typed at the login, an error from
//! a mail server): in the text format every field is written with its control
//! characters escaped, so no value can end a line and forge the next one, nor send
//! terminal escapes. The JSON format escapes them as JSON does.

use std::fmt::Write as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::MakeExt;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::format::debug_fn;

use crate::config::LogFormat;

pub fn init(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_env("WRIT_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second init (tests run several commands in one process) keeps the first.
    let _ = match format {
        LogFormat::Text => builder.fmt_fields(escaped_fields()).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// `name=value` fields, space-separated as tracing's default, with every control
/// character in a value (the message included) escaped.
fn escaped_fields() -> impl for<'writer> FormatFields<'writer> + Send + Sync + 'static {
    debug_fn(|writer, field, value| {
        let mut text = String::new();
        write!(text, "{value:?}")?;
        let text = writ_core::text::escape_controls(&text);
        if field.name() == "message" {
            write!(writer, "{text}")
        } else {
            write!(writer, "{field}={text}")
        }
    })
    .delimited(" ")
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| io::ErrorKind::Other)?
                .extend(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_value_from_outside_cannot_forge_a_log_line() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .fmt_fields(escaped_fields())
            .finish();
        let forged = "zz\n2026-12-03T07:00:00Z  INFO writ::security: login ok username=ada.admin FORGED\u{1b}[2K";
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "writ::security", username = %forged, "login refused: {}", forged);
        });
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(!log.contains('\u{1b}'), "{log}");
        assert!(log.contains(r"username=zz\n2026-12-03T07:00:00Z"), "{log}");
        assert!(log.contains(r"login refused: zz\n2026"), "{log}");
    }
}
