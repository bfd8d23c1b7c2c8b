//! Remote key sets (docs/REMOTE.md): a JWKS fetched from a URL, cached, refreshed ahead of
//! expiry, kept through failures, as a pure state machine the host drives.
//!
//! This module owns every decision about fetching a key set: when a fetch is due, whether
//! one may start now (one in flight at a time; an unknown `kid` fetches at most once per
//! cooldown; failures back off), what an answer means (status, `Cache-Control`, `ETag`, the
//! body's size and keys), and which keys are usable at a time. It never does I/O and never
//! reads a clock: every method takes `now` (Unix seconds), and the host only performs the
//! [`FetchOrder`]s it is given and reports back with [`RemoteKeySet::on_response`] or
//! [`RemoteKeySet::on_failure`].
//!
//! ```
//! use credgate_core::remote::{FetchReason, FetchResponse, RemoteKeySet, RemotePolicy};
//!
//! let mut remote = RemoteKeySet::new(RemotePolicy::default())?;
//! let now = 1_700_000_000;
//! let order = remote.poll(now).expect("nothing held: the first fetch is due");
//! assert_eq!(order.reason, FetchReason::Initial);
//! // ... the host fetches the URL, then reports the answer:
//! let body = br#"{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1",
//!                 "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
//! remote.on_response(now, &FetchResponse {
//!     status: 200, cache_control: Some("max-age=600"), etag: Some("\"v1\""), body,
//! })?;
//! assert_eq!(remote.keys(now)?.len(), 1);
//! assert!(remote.poll(now + 1).is_none()); // fresh: nothing to do
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::InputError;
use crate::json::parse_strict;
use crate::token::{JwksError, KeySet};

/// How a [`RemoteKeySet`] caches, refreshes and retries. Every duration is in seconds; the
/// defaults are the values documented on each field (docs/REMOTE.md says why).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemotePolicy {
    /// How long a set is fresh when the answer says nothing usable about it (300).
    pub default_max_age: u64,
    /// The least freshness of any set (30): `max-age=0`, `no-cache` and `no-store` get
    /// this, so a server cannot make every request a fetch.
    pub min_max_age: u64,
    /// The most freshness of any set (86 400), whatever the server says.
    pub max_max_age: u64,
    /// The least time between a fetch and a fetch caused by an unknown `kid` (30).
    pub unknown_key_cooldown: u64,
    /// The wait after the first failed fetch (5), doubling with each further failure.
    pub retry_min: u64,
    /// The longest wait between failed fetches (300).
    pub retry_max: u64,
    /// How long past its freshness the last good set keeps serving (86 400).
    pub stale_if_error: u64,
    /// A fetch not answered within this time counts as failed (10); the host aborts it.
    pub fetch_timeout: u64,
    /// The most entries a JWKS `keys` array may have (32).
    pub max_keys: usize,
    /// The largest body accepted (65 536 bytes).
    pub max_response_bytes: usize,
}

impl Default for RemotePolicy {
    fn default() -> Self {
        Self {
            default_max_age: 300,
            min_max_age: 30,
            max_max_age: 86_400,
            unknown_key_cooldown: 30,
            retry_min: 5,
            retry_max: 300,
            stale_if_error: 86_400,
            fetch_timeout: 10,
            max_keys: 32,
            max_response_bytes: 65_536,
        }
    }
}

impl RemotePolicy {
    /// Refuses a policy that cannot work (`input.invalid`): a zero floor, timeout, cooldown
    /// or retry (each would allow a fetch storm or refuse every answer), bounds in the wrong
    /// order, a default outside the bounds, no room for a key or a byte.
    pub fn validate(&self) -> Result<(), InputError> {
        let problem = if self.min_max_age == 0 {
            "`min_max_age` is 0: every request could be a fetch"
        } else if self.min_max_age > self.max_max_age {
            "`min_max_age` is above `max_max_age`"
        } else if !(self.min_max_age..=self.max_max_age).contains(&self.default_max_age) {
            "`default_max_age` is outside `min_max_age..=max_max_age`"
        } else if self.unknown_key_cooldown == 0 {
            "`unknown_key_cooldown` is 0: every unknown kid could be a fetch"
        } else if self.retry_min == 0 {
            "`retry_min` is 0: a failing server would be fetched without pause"
        } else if self.retry_min > self.retry_max {
            "`retry_min` is above `retry_max`"
        } else if self.fetch_timeout == 0 {
            "`fetch_timeout` is 0"
        } else if self.max_keys == 0 {
            "`max_keys` is 0"
        } else if self.max_response_bytes == 0 {
            "`max_response_bytes` is 0"
        } else {
            return Ok(());
        };
        Err(InputError::new(format!("remote key set policy: {problem}")))
    }

    /// The freshness a `Cache-Control` header value gives, clamped to
    /// `min_max_age..=max_max_age`. Directives are comma-separated and case-insensitive;
    /// `no-store` or `no-cache` give the floor; `max-age=N` (`N` possibly quoted) gives `N`;
    /// no header, no `max-age`, a malformed or repeated-and-conflicting `max-age` give
    /// `default_max_age`. `s-maxage` is for shared caches and is ignored, as is every other
    /// directive.
    pub fn max_age(&self, cache_control: Option<&str>) -> u64 {
        let Some(header) = cache_control else {
            return self.default_max_age;
        };
        let mut max_age: Option<Option<u64>> = None;
        for directive in header.split(',') {
            let (name, value) = match directive.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim())),
                None => (directive.trim(), None),
            };
            if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                return self.min_max_age;
            }
            if name.eq_ignore_ascii_case("max-age") {
                let seconds = value.and_then(delta_seconds);
                max_age = match max_age {
                    None => Some(seconds),
                    Some(held) if held == seconds => Some(held),
                    // Two different max-ages: the header means nothing usable (RFC 9111 §4.2.1).
                    Some(_) => Some(None),
                };
            }
        }
        max_age
            .flatten()
            .unwrap_or(self.default_max_age)
            .clamp(self.min_max_age, self.max_max_age)
    }

    /// The wait after `failures` consecutive failed fetches (at least 1).
    fn retry_delay(&self, failures: u32) -> u64 {
        let factor = 1u64
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(u64::MAX);
        self.retry_min.saturating_mul(factor).min(self.retry_max)
    }
}

/// A `delta-seconds` value (RFC 9111 §1.2.2), possibly quoted: digits only. A value too large
/// for `u64` saturates (it is clamped to the ceiling anyway).
fn delta_seconds(value: &str) -> Option<u64> {
    let digits = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// `t + seconds`, saturating: hostile times and policies never overflow.
fn after(t: i64, seconds: u64) -> i64 {
    t.saturating_add_unsigned(seconds)
}

/// Why a fetch was ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchReason {
    /// No set is held yet.
    Initial,
    /// The held set is due for refresh (ahead of its expiry), or a retry after a failure.
    Refresh,
    /// A token named a `kid` the held set lacks.
    UnknownKey,
}

/// A fetch the host must perform now: a `GET` of the key set URL, and then exactly one call
/// of [`RemoteKeySet::on_response`] or [`RemoteKeySet::on_failure`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FetchOrder {
    /// Why.
    pub reason: FetchReason,
    /// The `If-None-Match` header to send (the held set's `ETag`), if any.
    pub if_none_match: Option<String>,
    /// Abort the fetch after this many seconds and report a failure: the state machine
    /// counts it failed then anyway.
    pub timeout: u64,
    /// Read at most this many bytes of the body (read one more to tell a body over the limit
    /// from one at it, and pass it on: the state machine refuses it).
    pub max_bytes: usize,
}

/// The answer the host got to a [`FetchOrder`].
#[derive(Clone, Copy, Debug)]
pub struct FetchResponse<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The `Cache-Control` header value, if any (several headers joined with `, `).
    pub cache_control: Option<&'a str>,
    /// The `ETag` header value, if any, as sent (quotes included).
    pub etag: Option<&'a str>,
    /// The body, or its first `max_bytes + 1` bytes.
    pub body: &'a [u8],
}

/// What an accepted answer did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fetched {
    /// The usable key set changed: [`RemoteKeySet::generation`] grew by one.
    Updated,
    /// The same keys (a `304`, or a `200` with the same keys): only freshness renewed.
    Unchanged,
}

/// The state of a [`RemoteKeySet`] at a time, in words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoteState {
    /// No set has ever been fetched.
    Empty,
    /// The held set is within its freshness.
    Fresh,
    /// The held set is past its freshness but still serving (stale-if-error).
    Stale,
    /// The held set is past its usable time: [`RemoteKeySet::keys`] refuses.
    Unusable,
}

/// What a [`RemoteKeySet`] holds and does at a time, for health checks and logs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RemoteStatus {
    /// In words.
    pub state: RemoteState,
    /// When the held set was last fetched or revalidated.
    pub fetched_at: Option<i64>,
    /// When it stops being fresh.
    pub expires_at: Option<i64>,
    /// When it stops being usable (the first second [`RemoteKeySet::keys`] refuses).
    pub usable_until: Option<i64>,
    /// Its `ETag`.
    pub etag: Option<String>,
    /// Its kids, in order.
    pub kids: Vec<String>,
    /// Consecutive failed fetches.
    pub failures: u32,
    /// What the last failed fetch said, since the last success.
    pub last_error: Option<String>,
    /// After failures, the first time a fetch may start again.
    pub retry_at: Option<i64>,
    /// Whether a fetch is in flight (and not timed out).
    pub fetching: bool,
    /// See [`RemoteKeySet::generation`].
    pub generation: u64,
}

/// The set held, and how fresh it is.
#[derive(Clone, Debug)]
struct Held {
    keys: KeySet,
    etag: Option<String>,
    /// When it was last fetched or revalidated.
    fetched_at: i64,
    /// Its freshness, within the policy's bounds.
    max_age: u64,
}

impl Held {
    fn expires_at(&self) -> i64 {
        after(self.fetched_at, self.max_age)
    }

    /// A tenth of the freshness early, so the refresh lands before expiry.
    fn refresh_at(&self) -> i64 {
        after(self.fetched_at, self.max_age - self.max_age / 10)
    }

    fn usable_until(&self, policy: &RemotePolicy) -> i64 {
        after(self.expires_at(), policy.stale_if_error)
    }
}

/// The fetch in flight.
#[derive(Clone, Copy, Debug)]
struct InFlight {
    started_at: i64,
}

/// A key set fetched from a URL, as a state machine: the host asks it whether to fetch
/// ([`poll`](Self::poll), [`on_unknown_key`](Self::on_unknown_key)), performs the
/// [`FetchOrder`], reports the outcome, and takes the usable keys from
/// [`keys`](Self::keys). See the module docs and docs/REMOTE.md.
#[derive(Clone, Debug)]
pub struct RemoteKeySet {
    policy: RemotePolicy,
    held: Option<Held>,
    in_flight: Option<InFlight>,
    /// Consecutive failed fetches; 0 after a success.
    failures: u32,
    /// After failures, no fetch starts before this time.
    retry_at: Option<i64>,
    last_error: Option<String>,
    /// The latest time a fetch of any reason started: the unknown-key cooldown counts from it.
    last_fetch_at: Option<i64>,
    generation: u64,
}

impl RemoteKeySet {
    /// A remote key set holding nothing yet; `input.invalid` for a policy that cannot work
    /// ([`RemotePolicy::validate`]).
    pub fn new(policy: RemotePolicy) -> Result<Self, InputError> {
        policy.validate()?;
        Ok(Self {
            policy,
            held: None,
            in_flight: None,
            failures: 0,
            retry_at: None,
            last_error: None,
            last_fetch_at: None,
            generation: 0,
        })
    }

    /// The policy.
    pub fn policy(&self) -> &RemotePolicy {
        &self.policy
    }

    /// Whether the host should start a fetch now, and which; it is then in flight. `None`
    /// while a fetch is in flight (single flight: every other caller waits for that one),
    /// while failures back off, and while the held set is not yet due for refresh (a tenth
    /// of its freshness before it expires). With no set held, the first fetch is due.
    pub fn poll(&mut self, now: i64) -> Option<FetchOrder> {
        if !self.may_start(now) {
            return None;
        }
        match &self.held {
            None => Some(self.start(now, FetchReason::Initial)),
            Some(held) if now >= held.refresh_at() => Some(self.start(now, FetchReason::Refresh)),
            Some(_) => None,
        }
    }

    /// A token named a `kid` the held set lacks: a fetch, unless one is in flight, failures
    /// back off, or the latest fetch started less than the cooldown ago. With no set held,
    /// this is [`poll`](Self::poll).
    pub fn on_unknown_key(&mut self, now: i64) -> Option<FetchOrder> {
        if self.held.is_none() {
            return self.poll(now);
        }
        if !self.may_start(now) {
            return None;
        }
        if self
            .last_fetch_at
            .is_some_and(|t| now < after(t, self.policy.unknown_key_cooldown))
        {
            return None;
        }
        Some(self.start(now, FetchReason::UnknownKey))
    }

    /// The answer to the fetch in flight. A `200` whose body is within the size limit, is a
    /// JWKS of at most `max_keys` entries and has at least one usable key replaces the held
    /// set ([`Fetched::Updated`] when the keys differ); a `304` with a set held renews it
    /// ([`Fetched::Unchanged`]). Freshness comes from `Cache-Control`
    /// ([`RemotePolicy::max_age`]). Anything else is `jwks.invalid`, counts as a failure
    /// (backoff) and keeps the held set. An answer when no fetch is in flight (a late one,
    /// after its timeout) is refused and changes nothing.
    pub fn on_response(
        &mut self,
        now: i64,
        response: &FetchResponse<'_>,
    ) -> Result<Fetched, JwksError> {
        if self.in_flight.take().is_none() {
            return Err(JwksError::new(
                "an answer came when no fetch was in flight (after its timeout?)",
            ));
        }
        match self.accept(now, response) {
            Ok(fetched) => {
                self.failures = 0;
                self.retry_at = None;
                self.last_error = None;
                Ok(fetched)
            }
            Err(error) => {
                self.fail(now, error.detail().to_owned());
                Err(error)
            }
        }
    }

    /// The fetch in flight failed without an answer (a network error, the timeout): counts
    /// as a failure. Nothing happens when no fetch is in flight.
    pub fn on_failure(&mut self, now: i64, detail: &str) {
        if self.in_flight.take().is_some() {
            self.fail(now, format!("the fetch failed: {detail}"));
        }
    }

    /// The keys usable at `now`: the held set until its freshness plus `stale_if_error`
    /// has passed. Otherwise `jwks.invalid`, saying why (nothing fetched yet, the last
    /// error, too stale).
    pub fn keys(&self, now: i64) -> Result<&KeySet, JwksError> {
        let why_failing = match &self.last_error {
            Some(error) => format!("; the last fetch failed: {error}"),
            None => String::new(),
        };
        match &self.held {
            Some(held) if now < held.usable_until(&self.policy) => Ok(&held.keys),
            Some(held) => Err(JwksError::new(format!(
                "no usable key set: the set fetched at {} was usable until {}{why_failing}",
                held.fetched_at,
                held.usable_until(&self.policy)
            ))),
            None if why_failing.is_empty() => {
                Err(JwksError::new("no usable key set: none fetched yet"))
            }
            None => Err(JwksError::new(format!(
                "no usable key set: none fetched yet{why_failing}"
            ))),
        }
    }

    /// Grows by one each time the held key set changes (the first success, then each set
    /// with different keys); a host reloads its verifier when it differs from the one it
    /// loaded. It never decreases.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// What is held and happening at `now`.
    pub fn status(&self, now: i64) -> RemoteStatus {
        let held = self.held.as_ref();
        let state = match held {
            None => RemoteState::Empty,
            Some(h) if now < h.expires_at() => RemoteState::Fresh,
            Some(h) if now < h.usable_until(&self.policy) => RemoteState::Stale,
            Some(_) => RemoteState::Unusable,
        };
        RemoteStatus {
            state,
            fetched_at: held.map(|h| h.fetched_at),
            expires_at: held.map(Held::expires_at),
            usable_until: held.map(|h| h.usable_until(&self.policy)),
            etag: held.and_then(|h| h.etag.clone()),
            kids: held.map_or_else(Vec::new, |h| h.keys.kids().map(str::to_owned).collect()),
            failures: self.failures,
            last_error: self.last_error.clone(),
            retry_at: self.retry_at,
            fetching: self.in_flight.is_some_and(|f| !self.timed_out(f, now)),
            generation: self.generation,
        }
    }

    fn timed_out(&self, fetch: InFlight, now: i64) -> bool {
        now >= after(fetch.started_at, self.policy.fetch_timeout)
    }

    /// Whether a fetch may start at `now`: none in flight (one past its timeout is failed
    /// here) and no backoff. A clock going backwards delays fetches, never hastens them.
    fn may_start(&mut self, now: i64) -> bool {
        if let Some(fetch) = self.in_flight {
            if !self.timed_out(fetch, now) {
                return false;
            }
            self.in_flight = None;
            self.fail(
                now,
                format!("no answer within {} s", self.policy.fetch_timeout),
            );
        }
        self.retry_at.is_none_or(|t| now >= t)
    }

    fn start(&mut self, now: i64, reason: FetchReason) -> FetchOrder {
        self.in_flight = Some(InFlight { started_at: now });
        // The latest start, not the last one: a clock stepping back must not shorten the
        // cooldown after a fetch it already made.
        self.last_fetch_at = Some(self.last_fetch_at.map_or(now, |t| t.max(now)));
        FetchOrder {
            reason,
            if_none_match: self.held.as_ref().and_then(|h| h.etag.clone()),
            timeout: self.policy.fetch_timeout,
            max_bytes: self.policy.max_response_bytes,
        }
    }

    fn fail(&mut self, now: i64, detail: String) {
        self.failures = self.failures.saturating_add(1);
        self.retry_at = Some(after(now, self.policy.retry_delay(self.failures)));
        self.last_error = Some(detail);
    }

    fn accept(&mut self, now: i64, response: &FetchResponse<'_>) -> Result<Fetched, JwksError> {
        let max_age = self.policy.max_age(response.cache_control);
        match response.status {
            200 => {
                let keys = self.read_body(response.body)?;
                let changed = self
                    .held
                    .as_ref()
                    .is_none_or(|h| !same_keys(&h.keys, &keys));
                self.held = Some(Held {
                    keys,
                    etag: response.etag.map(str::to_owned),
                    fetched_at: now,
                    max_age,
                });
                if changed {
                    self.generation = self.generation.saturating_add(1);
                    Ok(Fetched::Updated)
                } else {
                    Ok(Fetched::Unchanged)
                }
            }
            304 => {
                let held = self.held.as_mut().ok_or_else(|| {
                    JwksError::new("the key set URL answered 304 but no key set is held")
                })?;
                held.fetched_at = now;
                held.max_age = max_age;
                if let Some(etag) = response.etag {
                    etag.clone_into(held.etag.get_or_insert_with(String::new));
                }
                Ok(Fetched::Unchanged)
            }
            status => Err(JwksError::new(format!("the key set URL answered {status}"))),
        }
    }

    /// The key set a `200` body holds, within the policy's limits.
    fn read_body(&self, body: &[u8]) -> Result<KeySet, JwksError> {
        let limit = self.policy.max_response_bytes;
        if body.len() > limit {
            return Err(JwksError::new(format!("response over {limit} bytes")));
        }
        let value = parse_strict(body).map_err(|e| JwksError::new(format!("not JSON: {e}")))?;
        let entries = value
            .get("keys")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if entries > self.policy.max_keys {
            return Err(JwksError::new(format!(
                "{entries} keys, the limit is {}",
                self.policy.max_keys
            )));
        }
        let keys = KeySet::from_value(&value)?;
        if keys.is_empty() {
            // An endpoint serving only other key types must not replace a working set.
            return Err(JwksError::new("the key set has no usable Ed25519 key"));
        }
        Ok(keys)
    }
}

/// Whether two sets hold the same keys under the same kids, in any order (kids are unique
/// within a set, so a reordering changes nothing a verifier does).
fn same_keys(a: &KeySet, b: &KeySet) -> bool {
    a.len() == b.len() && a.kids().all(|kid| a.get(kid) == b.get(kid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::SigningKey;

    const T: i64 = 1_700_000_000;

    fn jwks(kids: &[&str]) -> String {
        let keys: Vec<SigningKey> = kids
            .iter()
            .enumerate()
            .map(|(i, kid)| {
                SigningKey::from_seed(kid, &[u8::try_from(i).unwrap() + 1; 32]).unwrap()
            })
            .collect();
        serde_json::to_string(&KeySet::from_signing_keys(&keys).unwrap().to_jwks()).unwrap()
    }

    fn ok<'a>(body: &'a str, cache_control: Option<&'a str>) -> FetchResponse<'a> {
        FetchResponse {
            status: 200,
            cache_control,
            etag: None,
            body: body.as_bytes(),
        }
    }

    fn kids(remote: &RemoteKeySet, now: i64) -> Vec<String> {
        remote
            .keys(now)
            .unwrap()
            .kids()
            .map(str::to_owned)
            .collect()
    }

    /// A remote holding `["k1"]`, fetched at `T` with `max-age=100`.
    fn holding() -> RemoteKeySet {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        remote.poll(T).unwrap();
        let body = jwks(&["k1"]);
        let fetched = remote
            .on_response(T, &ok(&body, Some("max-age=100")))
            .unwrap();
        assert_eq!(fetched, Fetched::Updated);
        remote
    }

    #[test]
    fn policy_validation_refuses_nonsense() {
        assert!(RemotePolicy::default().validate().is_ok());
        let cases: [fn(&mut RemotePolicy); 9] = [
            |p| p.min_max_age = 0,
            |p| p.min_max_age = p.max_max_age + 1,
            |p| p.default_max_age = p.max_max_age + 1,
            |p| p.unknown_key_cooldown = 0,
            |p| p.retry_min = 0,
            |p| p.retry_min = p.retry_max + 1,
            |p| p.fetch_timeout = 0,
            |p| p.max_keys = 0,
            |p| p.max_response_bytes = 0,
        ];
        for break_it in cases {
            let mut policy = RemotePolicy::default();
            break_it(&mut policy);
            let error = RemoteKeySet::new(policy).unwrap_err();
            assert!(
                error.to_string().contains("remote key set policy"),
                "{error}"
            );
        }
    }

    #[test]
    fn cache_control_is_parsed_and_clamped() {
        let p = RemotePolicy::default();
        let cases = [
            (None, 300),
            (Some(""), 300),
            (Some("max-age=600"), 600),
            (Some("public, MAX-AGE=600"), 600),
            (Some("max-age=\"600\""), 600),
            (Some(" max-age = 600 "), 600),
            (Some("max-age=0"), 30),
            (Some("max-age=5"), 30),
            (Some("no-cache"), 30),
            (Some("max-age=600, No-Store"), 30),
            (Some("max-age=99999999999999999999999"), 86_400),
            (Some("max-age=600, max-age=600"), 600),
            (Some("max-age=600, max-age=60"), 300),
            (Some("max-age=-1"), 300),
            (Some("max-age=1e3"), 300),
            (Some("max-age"), 300),
            (Some("s-maxage=600"), 300),
            (Some("garbage;;=,,"), 300),
        ];
        for (header, expected) in cases {
            assert_eq!(p.max_age(header), expected, "{header:?}");
        }
    }

    #[test]
    fn first_fetch_then_fresh_then_refresh_ahead_of_expiry() {
        let remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        assert_eq!(
            remote.keys(T).unwrap_err().to_string(),
            "invalid JWKS: no usable key set: none fetched yet"
        );
        assert_eq!(remote.status(T).state, RemoteState::Empty);
        let mut remote = holding();
        assert_eq!(kids(&remote, T), ["k1"]);
        assert_eq!(remote.generation(), 1);
        // Fresh for 100 s; the refresh is due a tenth early, at T + 90.
        assert!(remote.poll(T + 89).is_none());
        let order = remote.poll(T + 90).unwrap();
        assert_eq!(order.reason, FetchReason::Refresh);
        assert_eq!((order.timeout, order.max_bytes), (10, 65_536));
        // While the refresh is in flight, the held set serves.
        assert_eq!(kids(&remote, T + 95), ["k1"]);
        assert_eq!(remote.status(T + 95).state, RemoteState::Fresh);
        assert!(remote.status(T + 95).fetching);
    }

    #[test]
    fn single_flight() {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        assert!(remote.poll(T).is_some());
        assert!(remote.poll(T).is_none());
        assert!(remote.on_unknown_key(T + 5).is_none());
        assert!(remote.poll(T + 9).is_none());
    }

    #[test]
    fn an_unanswered_fetch_times_out_as_a_failure() {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        remote.poll(T).unwrap();
        // At T + 10 the fetch has failed; the first retry waits 5 s from then.
        assert!(remote.poll(T + 10).is_none());
        let status = remote.status(T + 10);
        assert_eq!(status.failures, 1);
        assert_eq!(status.retry_at, Some(T + 15));
        assert_eq!(status.last_error.as_deref(), Some("no answer within 10 s"));
        assert!(!status.fetching);
        // The late answer is refused and changes nothing.
        let body = jwks(&["k1"]);
        assert!(remote.on_response(T + 11, &ok(&body, None)).is_err());
        assert!(remote.keys(T + 11).is_err());
        assert_eq!(remote.status(T + 11).failures, 1);
        assert_eq!(remote.poll(T + 15).unwrap().reason, FetchReason::Initial);
    }

    #[test]
    fn failures_back_off_doubling_to_the_ceiling() {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        let mut now = T;
        let mut waits = Vec::new();
        for _ in 0..9 {
            remote.poll(now).unwrap();
            remote.on_failure(now, "connection refused");
            let retry_at = remote.status(now).retry_at.unwrap();
            assert!(remote.poll(retry_at - 1).is_none());
            waits.push(retry_at - now);
            now = retry_at;
        }
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(
            remote.keys(now).unwrap_err().to_string(),
            "invalid JWKS: no usable key set: none fetched yet; the last fetch failed: \
             the fetch failed: connection refused"
        );
        // A success resets the backoff.
        remote.poll(now).unwrap();
        let body = jwks(&["k1"]);
        remote.on_response(now, &ok(&body, None)).unwrap();
        let status = remote.status(now);
        assert_eq!(
            (status.failures, status.retry_at, status.last_error),
            (0, None, None)
        );
    }

    #[test]
    fn unknown_keys_fetch_at_most_once_per_cooldown() {
        let mut remote = holding();
        // The set was fetched at T: an unknown kid must wait for the cooldown from then.
        assert!(remote.on_unknown_key(T + 29).is_none());
        let order = remote.on_unknown_key(T + 30).unwrap();
        assert_eq!(order.reason, FetchReason::UnknownKey);
        let body = jwks(&["k1", "k2"]);
        assert_eq!(
            remote.on_response(T + 31, &ok(&body, Some("max-age=100"))),
            Ok(Fetched::Updated)
        );
        assert_eq!(kids(&remote, T + 31), ["k1", "k2"]);
        assert_eq!(remote.generation(), 2);
        // A storm of unknown kids right after: no fetch until T + 60.
        for t in T + 31..T + 60 {
            assert!(remote.on_unknown_key(t).is_none());
        }
        assert!(remote.on_unknown_key(T + 60).is_some());
    }

    #[test]
    fn unknown_key_with_nothing_held_is_the_first_fetch() {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        assert_eq!(
            remote.on_unknown_key(T).unwrap().reason,
            FetchReason::Initial
        );
    }

    #[test]
    fn not_modified_renews_freshness_and_keeps_the_etag() {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        remote.poll(T).unwrap();
        let body = jwks(&["k1"]);
        let first = FetchResponse {
            etag: Some("\"v1\""),
            ..ok(&body, Some("max-age=100"))
        };
        remote.on_response(T, &first).unwrap();
        let order = remote.poll(T + 90).unwrap();
        assert_eq!(order.if_none_match.as_deref(), Some("\"v1\""));
        let not_modified = FetchResponse {
            status: 304,
            cache_control: Some("max-age=200"),
            etag: None,
            body: b"",
        };
        assert_eq!(
            remote.on_response(T + 91, &not_modified),
            Ok(Fetched::Unchanged)
        );
        let status = remote.status(T + 91);
        assert_eq!(status.fetched_at, Some(T + 91));
        assert_eq!(status.expires_at, Some(T + 291));
        assert_eq!(status.etag.as_deref(), Some("\"v1\""));
        assert_eq!(remote.generation(), 1);
        // A 304 naming a new ETag updates it.
        let order = remote.poll(T + 91 + 180).unwrap();
        assert_eq!(order.if_none_match.as_deref(), Some("\"v1\""));
        let renamed = FetchResponse {
            etag: Some("\"v2\""),
            ..not_modified
        };
        remote.on_response(T + 272, &renamed).unwrap();
        assert_eq!(remote.status(T + 272).etag.as_deref(), Some("\"v2\""));
    }

    #[test]
    fn not_modified_with_nothing_held_is_a_failure() {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        remote.poll(T).unwrap();
        let not_modified = FetchResponse {
            status: 304,
            cache_control: None,
            etag: None,
            body: b"",
        };
        let error = remote.on_response(T, &not_modified).unwrap_err();
        assert!(error.to_string().contains("304"), "{error}");
        assert_eq!(remote.status(T).failures, 1);
    }

    #[test]
    fn an_unchanged_200_does_not_bump_the_generation_even_reordered() {
        let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
        remote.poll(T).unwrap();
        let body = jwks(&["a", "b"]);
        remote
            .on_response(T, &ok(&body, Some("max-age=100")))
            .unwrap();
        remote.poll(T + 90).unwrap();
        let mut value: Value = serde_json::from_str(&body).unwrap();
        value["keys"].as_array_mut().unwrap().reverse();
        let reordered = value.to_string();
        assert_eq!(
            remote.on_response(T + 90, &ok(&reordered, None)),
            Ok(Fetched::Unchanged)
        );
        assert_eq!(remote.generation(), 1);
        assert_eq!(remote.status(T + 90).expires_at, Some(T + 390));
    }

    #[test]
    fn bad_answers_keep_the_held_set() {
        let policy = RemotePolicy {
            max_keys: 2,
            max_response_bytes: 1000,
            ..RemotePolicy::default()
        };
        let mut remote = RemoteKeySet::new(policy).unwrap();
        remote.poll(T).unwrap();
        let good = jwks(&["k1"]);
        remote
            .on_response(T, &ok(&good, Some("max-age=100")))
            .unwrap();
        let three = jwks(&["a", "b", "c"]);
        let huge = format!("{{\"keys\": [], \"pad\": \"{}\"}}", "x".repeat(1000));
        let other_kty = r#"{"keys": [{"kty": "RSA", "kid": "r1", "n": "AQAB", "e": "AQAB"}]}"#;
        let cases: [(u16, &str, &str); 6] = [
            (503, good.as_str(), "the key set URL answered 503"),
            (404, good.as_str(), "the key set URL answered 404"),
            (200, "<html>", "not JSON"),
            (200, huge.as_str(), "response over 1000 bytes"),
            (200, three.as_str(), "3 keys, the limit is 2"),
            (200, other_kty, "no usable Ed25519 key"),
        ];
        let mut now = T;
        for (status, body, expected) in cases {
            now = remote.status(now).retry_at.unwrap_or(now + 90);
            remote.poll(now).unwrap();
            let response = FetchResponse {
                status,
                ..ok(body, None)
            };
            let error = remote.on_response(now, &response).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
            assert_eq!(
                remote.status(now).last_error.as_deref(),
                Some(error.detail())
            );
        }
        assert_eq!(remote.status(now).failures, 6);
        assert_eq!(remote.generation(), 1);
        // Still serving: fetched at T, fresh 100 s, stale-if-error one day.
        assert_eq!(kids(&remote, now), ["k1"]);
        assert_eq!(remote.status(now).state, RemoteState::Stale);
        let until = T + 100 + 86_400;
        assert_eq!(kids(&remote, until - 1), ["k1"]);
        let error = remote.keys(until).unwrap_err().to_string();
        assert!(
            error.ends_with(&format!(
                "usable until {until}; the last fetch failed: the key set has no usable Ed25519 key"
            )),
            "{error}"
        );
        assert_eq!(remote.status(until).state, RemoteState::Unusable);
    }

    #[test]
    fn hostile_times_never_panic() {
        let policy = RemotePolicy {
            max_max_age: u64::MAX,
            stale_if_error: u64::MAX,
            retry_max: u64::MAX,
            fetch_timeout: u64::MAX,
            unknown_key_cooldown: u64::MAX,
            ..RemotePolicy::default()
        };
        let body = jwks(&["k1"]);
        for now in [i64::MIN, -1, 0, i64::MAX] {
            for policy in [RemotePolicy::default(), policy.clone()] {
                let mut remote = RemoteKeySet::new(policy).unwrap();
                remote.poll(now);
                remote
                    .on_response(now, &ok(&body, Some("max-age=99999999999999999999")))
                    .unwrap();
                remote.poll(i64::MAX);
                remote.on_unknown_key(i64::MIN);
                remote.on_unknown_key(i64::MAX);
                remote.on_failure(i64::MAX, "x");
                for _ in 0..70 {
                    remote.poll(i64::MAX);
                    remote.on_failure(i64::MAX, "x");
                }
                let _ = remote.keys(i64::MIN);
                let _ = remote.keys(i64::MAX);
                let _ = remote.status(i64::MAX);
            }
        }
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        /// The `Cache-Control` values the events send, with the freshness each gives under
        /// the default policy (the parser itself is tested above).
        const CACHE_CONTROL: [(Option<&str>, i64); 5] = [
            (None, 300),
            (Some("max-age=60"), 60),
            (Some("no-store"), 30),
            (Some("max-age=9999999"), 86_400),
            (Some("max-age=bogus"), 300),
        ];
        const TIMEOUT: i64 = 10;
        const COOLDOWN: i64 = 30;
        const STALE_IF_ERROR: i64 = 86_400;

        #[derive(Clone, Copy, Debug)]
        enum Body {
            /// Key set `["a"]`.
            A,
            /// Key set `["a", "b"]`.
            B,
            NotJson,
            Huge,
            TooManyKeys,
        }

        #[derive(Clone, Debug)]
        enum Event {
            Poll,
            UnknownKey,
            Respond {
                status: u16,
                cache_control: usize,
                body: Body,
                etag: bool,
            },
            Fail,
        }

        fn event() -> impl Strategy<Value = Event> {
            prop_oneof![
                3 => Just(Event::Poll),
                3 => Just(Event::UnknownKey),
                4 => (
                    prop::sample::select(vec![200u16, 200, 200, 304, 500]),
                    0..CACHE_CONTROL.len(),
                    prop::sample::select(vec![
                        Body::A,
                        Body::A,
                        Body::B,
                        Body::NotJson,
                        Body::Huge,
                        Body::TooManyKeys,
                    ]),
                    any::<bool>(),
                )
                    .prop_map(|(status, cache_control, body, etag)| Event::Respond {
                        status,
                        cache_control,
                        body,
                        etag,
                    }),
                1 => Just(Event::Fail),
            ]
        }

        /// Time steps: mostly forward, sometimes backwards, sometimes a day or more away.
        fn step() -> impl Strategy<Value = i64> {
            prop_oneof![
                8 => 0i64..120,
                2 => -60i64..0,
                1 => -200_000i64..200_000,
            ]
        }

        /// What the machine must be holding, by the rules of docs/REMOTE.md.
        #[derive(Default)]
        struct Model {
            /// When the fetch in flight started.
            in_flight: Option<i64>,
            /// The latest time an unknown-key fetch was granted.
            last_unknown_grant: Option<i64>,
            /// The kids held and the first second they are unusable.
            held: Option<(Vec<&'static str>, i64)>,
            generation: u64,
        }

        impl Model {
            /// A call of `poll` or `on_unknown_key` fails a fetch past its timeout first.
            fn expire(&mut self, now: i64) {
                if self.in_flight.is_some_and(|t| now >= t + TIMEOUT) {
                    self.in_flight = None;
                }
            }

            fn granted(&mut self, now: i64, order: &FetchOrder) {
                assert!(self.in_flight.is_none(), "two fetches in flight at {now}");
                self.in_flight = Some(now);
                if order.reason == FetchReason::UnknownKey {
                    if let Some(t) = self.last_unknown_grant {
                        assert!(now >= t + COOLDOWN, "unknown-key fetches at {t} and {now}");
                    }
                    self.last_unknown_grant =
                        Some(self.last_unknown_grant.map_or(now, |t| t.max(now)));
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn random_event_sequences_keep_the_invariants(
                steps in prop::collection::vec((step(), event()), 1..60),
            ) {
                let body_a = jwks(&["a"]);
                let body_b = jwks(&["a", "b"]);
                let huge = format!("{{\"keys\": [], \"pad\": \"{}\"}}", "x".repeat(70_000));
                let many: Vec<String> = (0..33).map(|i| format!("k{i}")).collect();
                let many: Vec<&str> = many.iter().map(String::as_str).collect();
                let too_many = jwks(&many);

                let mut remote = RemoteKeySet::new(RemotePolicy::default()).unwrap();
                let mut model = Model::default();
                let mut now = T;
                for (dt, event) in steps {
                    now += dt;
                    match event {
                        Event::Poll | Event::UnknownKey => {
                            model.expire(now);
                            let order = if matches!(event, Event::Poll) {
                                remote.poll(now)
                            } else {
                                remote.on_unknown_key(now)
                            };
                            if let Some(order) = order {
                                model.granted(now, &order);
                            }
                        }
                        Event::Respond { status, cache_control, body, etag } => {
                            let (header, max_age) = CACHE_CONTROL[cache_control];
                            let (text, kids): (&str, Option<Vec<&'static str>>) = match body {
                                Body::A => (&body_a, Some(vec!["a"])),
                                Body::B => (&body_b, Some(vec!["a", "b"])),
                                Body::NotJson => ("{\"keys\": [", None),
                                Body::Huge => (&huge, None),
                                Body::TooManyKeys => (&too_many, None),
                            };
                            let response = FetchResponse {
                                status,
                                cache_control: header,
                                etag: etag.then_some("\"e\""),
                                body: text.as_bytes(),
                            };
                            let result = remote.on_response(now, &response);
                            let usable_until = now + max_age + STALE_IF_ERROR;
                            if model.in_flight.take().is_none() {
                                prop_assert!(result.is_err(), "an answer with no fetch in flight");
                            } else {
                                match (status, kids, &mut model.held) {
                                    (200, Some(kids), held) => {
                                        let changed = held.as_ref().is_none_or(|(k, _)| *k != kids);
                                        if changed {
                                            model.generation += 1;
                                        }
                                        *held = Some((kids, usable_until));
                                        let expected =
                                            if changed { Fetched::Updated } else { Fetched::Unchanged };
                                        prop_assert_eq!(result, Ok(expected));
                                    }
                                    (304, _, Some((_, until))) => {
                                        *until = usable_until;
                                        prop_assert_eq!(result, Ok(Fetched::Unchanged));
                                    }
                                    _ => prop_assert!(result.is_err()),
                                }
                            }
                        }
                        Event::Fail => {
                            remote.on_failure(now, "connection reset");
                            model.in_flight = None;
                        }
                    }

                    // The keys serve exactly until usable_until, failures or not.
                    for at in [now, now + 1, now + 300, now + 90_000] {
                        match &model.held {
                            Some((kids, until)) if at < *until => {
                                let keys = remote.keys(at);
                                prop_assert!(keys.is_ok(), "{:?} at {at}", keys);
                                let held: Vec<&str> = keys.unwrap().kids().collect();
                                prop_assert_eq!(&held, kids);
                            }
                            _ => prop_assert!(remote.keys(at).is_err(), "usable at {at}"),
                        }
                    }
                    prop_assert_eq!(remote.generation(), model.generation);
                    let fetching = model.in_flight.is_some_and(|t| now < t + TIMEOUT);
                    prop_assert_eq!(remote.status(now).fetching, fetching);
                }
            }
        }
    }
}
