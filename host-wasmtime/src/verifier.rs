//! A prepared verifier that lives inside the sandbox, with its cache of verified tokens.
//!
//! A one-off `check` through [`Host::check`] prepares a verifier (parses the JWKS) for
//! every call and throws it away. A [`Verifier`] prepares one once, inside the guest
//! (`credgate_verifier_new`, ABI version 2), and keeps it under its handle: every call then
//! reuses the parsed keys and the cache of tokens it has verified (docs/CACHE.md), so a
//! client sending the same Bearer token again costs the checks that depend on the request
//! and the time, not a signature. The answers are those of the one-off operations (the
//! guest runs the core's `check_with` and `verify_with`, the same functions `check` and
//! `verify_token` run).
//!
//! This module owns the handle's life: it frees it on drop, and it prepares the verifier
//! again when the [`Host`] had to replace its instance (after a trap or limit stop, or
//! memory recycling, which take every verifier of the old instance with them). To do so it
//! keeps the verifier's input and the last revocation list it loaded, and replays them, so
//! the new verifier trusts the same keys and holds the same list; only the cache starts
//! empty (its counters too). It never decides anything itself, and never keeps a handle
//! past the instance it belongs to.

use crate::error::HostError;
use crate::ops::{
    decode, CacheStats, CacheStatsInput, CheckRequest, Checked, LoadedRevocations,
    RevocationsInput, UnixSeconds, VerifiedToken, VerifierCacheStats, VerifierHandle,
    VerifierInput, VerifierOperation, VerifyInput,
};
use crate::runtime::{CredgateModule, Host};

/// A verifier prepared inside one [`Host`]'s instance, with the cache of the tokens it
/// verified. Owns the host (`Send`, not `Sync`: one per thread, like a `Host`); the
/// per-call limits apply to each of its calls as to any other.
///
/// ```no_run
/// use credgate_wasmtime::{CheckRequest, CredgateModule, Limits, UnixSeconds, VerifierInput};
/// # fn jwks() -> serde_json::Value { serde_json::Value::Null }
/// # fn token() -> String { String::new() }
///
/// let module = CredgateModule::embedded(Limits::default())?;
/// let mut verifier = module.verifier(&VerifierInput {
///     jwks: jwks(),
///     issuer: "https://auth.example.test".into(),
///     audience: "https://api.example.test".into(),
///     ..Default::default()
/// })?;
/// let request = CheckRequest {
///     token: Some(token()),
///     authorization: None,
///     now: UnixSeconds(1_700_000_100),
///     client_ip: "203.0.113.9".into(),
///     request: serde_json::json!({"type": "balances", "action": "read", "vault": "vlt_1"}),
/// };
/// let first = verifier.check(&request)?; // verifies the signature
/// let again = verifier.check(&request)?; // a cache hit: same answer
/// assert_eq!(first, again);
/// assert_eq!(verifier.cache_stats()?.hits, 1);
/// # Ok::<(), credgate_wasmtime::HostError>(())
/// ```
pub struct Verifier {
    host: Host,
    /// The handle in the instance [`Verifier::instance`] names.
    handle: u32,
    /// The instance the handle belongs to (see [`Host::instance_id`]).
    instance: u64,
    /// The verifier's input as JSON text, to prepare it again in a new instance.
    input: String,
    /// The last revocation list loaded with [`Verifier::load_revocations`], replayed too.
    revocations: Option<String>,
    /// How many times the verifier was prepared (1, plus one per instance replaced).
    preparations: u64,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("handle", &self.handle)
            .field("instance", &self.instance)
            .field("preparations", &self.preparations)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl CredgateModule {
    /// Prepares a verifier in a new [`Host`] of this module (see [`Verifier::new`]).
    pub fn verifier(&self, input: &VerifierInput) -> Result<Verifier, HostError> {
        Verifier::new(self.host(), input)
    }
}

impl Verifier {
    /// Prepares a verifier inside `host`'s instance (instantiating it if needed): the JWKS
    /// is parsed once, a `revocations` list in the input verified and held, and the cache
    /// sized by `input.cache` (on by default; `max_entries: 0` turns it off). An unusable
    /// key set is `jwks.invalid`, a list that does not verify `revocations.invalid`; an
    /// instance that already holds the most verifiers it can (64) refuses with
    /// `input.invalid`.
    pub fn new(host: Host, input: &VerifierInput) -> Result<Self, HostError> {
        let input = serde_json::to_string(input).map_err(|e| HostError::Json {
            message: format!("cannot encode the verifier input: {e}"),
        })?;
        let mut verifier = Verifier {
            host,
            handle: 0,
            instance: 0,
            input,
            revocations: None,
            preparations: 0,
        };
        verifier.prepare()?;
        Ok(verifier)
    }

    /// The edge decision for one request, as `check` gives it (an answer: allow or deny,
    /// with its status, challenge and audit record); give `token`, or else the raw
    /// `authorization` header value.
    pub fn check(&mut self, request: &CheckRequest) -> Result<Checked, HostError> {
        self.run(VerifierOperation::Check, request)
    }

    /// A token's claims at `now`, as `verify_token` gives them; `token.*` is raised.
    pub fn verify(&mut self, token: &str, now: i64) -> Result<VerifiedToken, HostError> {
        let input = VerifyInput {
            token: token.to_owned(),
            now: UnixSeconds(now),
        };
        self.run(VerifierOperation::Verify, &input)
    }

    /// Verifies a signed revocation list against this verifier's key set and issuer and
    /// holds it from now on, in place of the list held so far (a token it revokes is then
    /// `token.revoked`, cached or not; loading empties the cache). `revocations.invalid`,
    /// or `revocations.stale` for a list older than the held one, is raised and the held
    /// list stays.
    pub fn load_revocations(&mut self, text: &str) -> Result<LoadedRevocations, HostError> {
        let input = RevocationsInput {
            revocations: text.to_owned(),
        };
        let loaded = self.run(VerifierOperation::LoadRevocations, &input)?;
        self.revocations = Some(input.revocations);
        Ok(loaded)
    }

    /// What the cache has done since the verifier was last prepared, and holds now.
    pub fn cache_stats(&mut self) -> Result<CacheStats, HostError> {
        let stats: VerifierCacheStats =
            self.run(VerifierOperation::CacheStats, &CacheStatsInput {})?;
        Ok(stats.stats)
    }

    /// How many times the verifier was prepared: 1, plus one each time its host had to
    /// replace the instance (the cache then started empty again).
    pub fn preparations(&self) -> u64 {
        self.preparations
    }

    /// The handle inside the current instance (for `credgate_verifier_call` by hand).
    pub fn handle(&self) -> u32 {
        self.handle
    }

    /// The host the verifier lives in: its counters and memory.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The host, to run other operations in the same instance. A call that stops the
    /// instance (a trap, a limit) takes the verifier with it; the next verifier call
    /// prepares it again. Freeing this verifier's handle by hand makes its calls fail.
    pub fn host_mut(&mut self) -> &mut Host {
        &mut self.host
    }

    /// Frees the verifier inside the instance and gives the host back.
    pub fn into_host(mut self) -> Host {
        self.release();
        // An idle host of the same module takes its place, for `drop` to find nothing to free.
        let idle = self.host.module().host();
        std::mem::replace(&mut self.host, idle)
    }

    /// Runs one verifier operation on the verifier's handle (prepared again first if the
    /// instance was replaced) and returns its result or answer, or raises its failure.
    fn run<I: serde::Serialize, T: serde::de::DeserializeOwned>(
        &mut self,
        op: VerifierOperation,
        input: &I,
    ) -> Result<T, HostError> {
        let text = serde_json::to_string(input).map_err(|e| HostError::Json {
            message: format!("cannot encode the `{op}` input: {e}"),
        })?;
        let handle = self.ready()?;
        let out = self.host.verifier_call_json(handle, op.as_str(), &text)?;
        decode::<T>(op.as_str(), &out)?
            .into_result()
            .map_err(HostError::Guest)
    }

    /// The handle, valid in the live instance: the verifier is prepared again when the
    /// instance it lived in is gone.
    fn ready(&mut self) -> Result<u32, HostError> {
        if self.host.instance_id() != Some(self.instance) {
            self.prepare()?;
        }
        Ok(self.handle)
    }

    /// Prepares the verifier in the host's live instance (creating one if needed) and loads
    /// the last revocation list it held, if any.
    fn prepare(&mut self) -> Result<(), HostError> {
        self.host.instantiate()?;
        let instance = self
            .host
            .instance_id()
            .ok_or_else(|| HostError::abi("no live instance"))?;
        let out = self.host.verifier_new_json(&self.input)?;
        let prepared: VerifierHandle = decode::<VerifierHandle>("verifier_new", &out)?
            .into_result()
            .map_err(HostError::Guest)?;
        if let Some(text) = &self.revocations {
            let input = serde_json::to_string(&RevocationsInput {
                revocations: text.clone(),
            })
            .map_err(|e| HostError::Json {
                message: format!("cannot encode the revocation list: {e}"),
            })?;
            let op = VerifierOperation::LoadRevocations.as_str();
            let out = self.host.verifier_call_json(prepared.handle, op, &input)?;
            decode::<LoadedRevocations>(op, &out)?
                .into_result()
                .map_err(HostError::Guest)?;
        }
        if self.host.instance_id() != Some(instance) {
            // Memory recycling dropped the instance right after the verifier was made in it:
            // the limits leave no room for one verifier.
            return Err(HostError::Instantiate {
                message: format!(
                    "the instance was recycled while the verifier was prepared: its memory grew \
                     past `recycle_memory_bytes` ({} bytes)",
                    self.host.module().limits().recycle_memory_bytes
                ),
            });
        }
        self.handle = prepared.handle;
        self.instance = instance;
        self.preparations += 1;
        Ok(())
    }

    /// Frees the handle if it still lives in the live instance (errors are ignored: a guest
    /// that cannot free takes its instance down with it, and the verifier with it).
    fn release(&mut self) {
        if self.host.instance_id() == Some(self.instance) {
            let _ = self.host.verifier_free(self.handle);
        }
    }
}

impl Drop for Verifier {
    fn drop(&mut self) {
        self.release();
    }
}
