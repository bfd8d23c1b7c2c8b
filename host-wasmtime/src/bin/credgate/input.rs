//! What the CLI reads from the user: files and stdin (`-`), secrets, times, and the words
//! of the core's vocabularies as flag values. Every problem here is a [`Stop`]: a usage
//! error (2) for what the user typed, a host failure (3) for a file that cannot be read.

use std::ffi::OsStr;
use std::io::Read;
use std::marker::PhantomData;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use credgate_core::facade::UnixSeconds;
use credgate_core::{Action, ResourceType};
use serde_json::Value;

use crate::Stop;

/// The environment variable `token issue` reads the client secret from.
pub const SECRET_ENV: &str = "CREDGATE_CLIENT_SECRET";

/// A word of one of the core's closed vocabularies, as a flag value.
pub trait Word: Copy + Send + Sync + 'static {
    /// Every word, in the SPEC's order.
    fn all() -> &'static [Self];
    /// The word's text.
    fn text(self) -> &'static str;
}

macro_rules! words {
    ($($t:ty),+) => {$(
        impl Word for $t {
            fn all() -> &'static [Self] {
                <$t>::ALL
            }
            fn text(self) -> &'static str {
                self.as_str()
            }
        }
    )+};
}

words!(ResourceType, Action);

/// Parses a flag value as a word of `T`: the possible values are the core's list, so
/// `--help` lists them and a typo gets clap's "a similar value exists" hint (exit 2).
#[derive(Clone, Copy, Debug)]
pub struct WordParser<T>(PhantomData<T>);

impl<T> WordParser<T> {
    /// The parser.
    pub fn new() -> Self {
        WordParser(PhantomData)
    }
}

impl<T> Default for WordParser<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Word> TypedValueParser for WordParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = PossibleValuesParser::new(T::all().iter().map(|w| w.text()))
            .parse_ref(cmd, arg, value)?;
        T::all()
            .iter()
            .copied()
            .find(|w| w.text() == text)
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            T::all().iter().map(|w| PossibleValue::new(w.text())),
        ))
    }
}

/// `--now` and other points in time: RFC 3339 (`2026-12-02T10:00:00Z`, any offset) or Unix
/// seconds. A number that looks like milliseconds is refused with a hint.
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let numeric = text.strip_prefix('-').unwrap_or(text);
    if !numeric.is_empty() && numeric.bytes().all(|b| b.is_ascii_digit()) {
        let seconds: i64 = text
            .parse()
            .map_err(|_| format!("`{text}` is out of range for Unix seconds"))?;
        if UnixSeconds(seconds).looks_like_milliseconds() {
            return Err(format!(
                "`{text}` looks like milliseconds; give Unix seconds (`{}`) or RFC 3339 (`2026-12-02T10:00:00Z`)",
                seconds / 1000
            ));
        }
        return Ok(seconds);
    }
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|e| {
            format!("`{text}` is neither Unix seconds nor RFC 3339 (`2026-12-02T10:00:00Z`): {e}")
        })
}

static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// All of stdin, once: a second `-` in the same command is a usage error.
pub fn stdin_text(what: &str) -> Result<String, Stop> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(Stop::Usage(format!(
            "stdin is read once: {what} cannot be `-` too"
        )));
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Stop::Io(format!("cannot read stdin: {e}")))?;
    Ok(text)
}

/// The text of a file, or of stdin for `-`.
pub fn read_text(path: &Path) -> Result<String, Stop> {
    if path == Path::new("-") {
        return stdin_text(&format!("`{}`", path.display()));
    }
    std::fs::read_to_string(path)
        .map_err(|e| Stop::Io(format!("cannot read `{}`: {e}", path.display())))
}

/// A JSON file (or stdin for `-`); text that is not JSON is a usage error.
pub fn read_json(path: &Path) -> Result<Value, Stop> {
    let text = read_text(path)?;
    serde_json::from_str(&text).map_err(|e| {
        let name = if path == Path::new("-") {
            "stdin".to_owned()
        } else {
            format!("`{}`", path.display())
        };
        Stop::Usage(format!("{name} is not JSON: {e}"))
    })
}

/// The argument itself, or stdin for `-` (surrounding whitespace removed: for tokens and
/// lists, where whitespace is never part of the value).
pub fn arg_or_stdin(value: &str, what: &str) -> Result<String, Stop> {
    if value != "-" {
        return Ok(value.to_owned());
    }
    Ok(stdin_text(what)?.trim().to_owned())
}

/// Removes one trailing newline (`\n` or `\r\n`), nothing else: a secret file written by
/// `echo` or an editor ends with one, and a secret never does.
pub fn trim_one_newline(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// A stored credential record, read from a file or stdin: the record itself, or the output
/// of `credential create` / `rotate` / `disable`… (`{"credential", "client_secret"?}`),
/// whose one-time secret comes along.
pub fn read_credential(path: &Path) -> Result<(Value, Option<String>), Stop> {
    let value = read_json(path)?;
    match value {
        Value::Object(mut object) if object.get("credential").is_some_and(Value::is_object) => {
            let secret = match object.remove("client_secret") {
                Some(Value::String(secret)) => Some(secret),
                _ => None,
            };
            Ok((object.remove("credential").unwrap_or_default(), secret))
        }
        record => Ok((record, None)),
    }
}

/// Where `token issue` found the client secret.
pub struct SecretSources<'a> {
    /// `--secret VALUE` (or `-` for stdin).
    pub arg: Option<&'a str>,
    /// `--secret-file PATH` (or `-` for stdin).
    pub file: Option<&'a Path>,
    /// The `client_secret` of a `credential create` output given as `--credential`.
    pub from_credential: Option<String>,
}

/// The client secret: `--secret` / `--secret-file` first, then the one that came with the
/// credential file, then `$CREDGATE_CLIENT_SECRET`.
pub fn client_secret(sources: SecretSources<'_>) -> Result<String, Stop> {
    if let Some(arg) = sources.arg {
        if arg == "-" {
            return Ok(trim_one_newline(stdin_text("`--secret`")?));
        }
        return Ok(arg.to_owned());
    }
    if let Some(path) = sources.file {
        return read_text(path).map(trim_one_newline);
    }
    if let Some(secret) = sources.from_credential {
        return Ok(secret);
    }
    match std::env::var(SECRET_ENV) {
        Ok(secret) if !secret.is_empty() => Ok(secret),
        _ => Err(Stop::Usage(format!(
            "no client secret: give `--secret-file PATH`, `--secret -` (stdin), set `{SECRET_ENV}`, \
             or pass the output of `credential create` as `--credential`"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_time("2026-12-02T10:00:00Z"), Ok(1_796_205_600));
        assert_eq!(parse_time("2026-12-02T11:00:00+01:00"), Ok(1_796_205_600));
        assert!(parse_time("1700000000000")
            .is_err_and(|e| e.contains("milliseconds") && e.contains("`1700000000`")));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-12-02").is_err());
    }

    #[test]
    fn one_newline() {
        assert_eq!(trim_one_newline("s\n\n".into()), "s\n");
        assert_eq!(trim_one_newline("s\r\n".into()), "s");
        assert_eq!(trim_one_newline(" s ".into()), " s ");
    }
}
