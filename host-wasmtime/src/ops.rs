//! Typed calls for every operation, in the engine's own types.
//!
//! # Why the core's types, and no types of its own
//!
//! This crate links `credgate-core` natively already (the conformance runner and the CLI
//! use it), so the typed calls take and return the core's façade types
//! (`credgate_core::facade`): one input type and one answer type per [`Operation`], defined
//! once, next to the functions that produce them. A host that mirrors them drifts; a
//! separate crate of shared types would only pay for a host that must not link the engine
//! natively, which this one need not avoid. Linking the core does not move any decision out
//! of the sandbox: the host only encodes inputs and decodes answers with these types; every
//! operation runs in the guest.
//!
//! # Outcomes
//!
//! The guest answers every call with a tagged outcome (`"outcome"`: `result`, `answer` or
//! `failure`; see `ABI.md`), decoded as [`Outcome`]. The per-operation methods return results
//! and answers as `Ok` and raise failures as `Err(HostError::Guest(failure))`, decided by the
//! tag alone; [`Host::outcome`] keeps the tag for callers that need it (the conformance
//! runner). Unknown output members are ignored, so a newer guest stays compatible.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use credgate_core::diff::SpecDiff;
pub use credgate_core::facade::{
    AllowlistEntries, AuthorizeInput, Authorized, BearerAnswer, BearerInput, BearerRefusal,
    BearerToken, CacheStatsInput, CheckInput, CheckRequest, Checked, CreateCredentialInput,
    CreatedCredential, CredentialAction, DiffAnswer, DiffInput, Epoch, Explained, Failure, Headers,
    IpAllowedInput, IpDecision, IssueAnswer, IssueTokenInput, IssuedToken, Kind, LintInput,
    LintReport, LoadRevocationsInput, LoadedRevocations, Operation, Outcome, ParsePermissionInput,
    ParsedPermission, ParsedTokenRequest, PermissionList, Preview, PreviewInput, PublicJwksInput,
    PublishedJwks, ResourcesInput, RevocationsInput, RotateSecretInput, Seconds, SecretCheck,
    SetTypeDefaults, SetTypeInput, SignRevocationsInput, SignedRevocations, SigningKeyInput,
    SpecDocument, SpecReport, SuggestAnswer, SuggestInput, Suggestion, TokenRefusal,
    TokenRequestAnswer, TokenRequestInput, UnixSeconds, UpdateCredentialInput, UpdatedCredential,
    UsageEntry, UsageList, ValidateSpecInput, VerifiedToken, VerifierCacheStats, VerifierHandle,
    VerifierInput, VerifierOperation, VerifyInput, VerifySecretInput, VerifyTokenInput, Vocabulary,
    VocabularyInput,
};
pub use credgate_core::revocation::RevocationEntry;
pub use credgate_core::{CacheLimits, CacheStats, Code, Credential};

use crate::error::HostError;
use crate::runtime::Host;

/// An operation's typed input: which operation it is for, and what that operation answers.
pub trait Input: Serialize {
    /// The operation.
    const OP: Operation;
    /// The answer type: a result, an answer, or a type that holds either.
    type Answer: Serialize + DeserializeOwned;
}

impl Host {
    /// Runs the operation of `input` and returns its tagged outcome (a failure is an `Ok`
    /// here; only host failures are `Err`).
    pub fn outcome<I: Input>(&mut self, input: &I) -> Result<Outcome<I::Answer>, HostError> {
        let text = serde_json::to_string(input).map_err(|e| HostError::Json {
            message: format!("cannot encode the `{}` input: {e}", I::OP),
        })?;
        self.outcome_json(I::OP, &text)
    }

    /// Runs `op` on JSON text and decodes its tagged outcome: for input that is not (yet) a
    /// typed value, such as a conformance case the input type refuses.
    pub fn outcome_json<T: DeserializeOwned>(
        &mut self,
        op: Operation,
        input: &str,
    ) -> Result<Outcome<T>, HostError> {
        let out = self.call_json(op.as_str(), input)?;
        decode(op.as_str(), &out)
    }

    /// Runs the operation of `input`: its result or answer, or its failure as
    /// [`HostError::Guest`].
    pub fn run<I: Input>(&mut self, input: &I) -> Result<I::Answer, HostError> {
        self.outcome(input)?.into_result().map_err(HostError::Guest)
    }
}

/// Decodes the guest's output of `op` as a tagged outcome: output that is not JSON is
/// `host.abi`, JSON of another shape `host.json`.
pub(crate) fn decode<T: DeserializeOwned>(op: &str, out: &str) -> Result<Outcome<T>, HostError> {
    serde_json::from_str(out).map_err(|e| {
        if e.is_data() {
            HostError::Json {
                message: format!("unexpected `{op}` output: {e}"),
            }
        } else {
            HostError::abi(format!("the `{op}` output is not JSON: {e}"))
        }
    })
}

/// `explain`'s input: `authorize`'s members (the core's `ExplainInput` is an alias of
/// [`AuthorizeInput`]), in a type of its own so that it names its own operation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExplainInput(pub AuthorizeInput);

/// Ties each input type to its operation and answer type, and defines its method on [`Host`].
macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident($input:ident) -> $answer:ident = $op:ident;)+) => {
        $(
            impl Input for $input {
                const OP: Operation = Operation::$op;
                type Answer = $answer;
            }
        )+

        impl Host {
            $(
                $(#[$doc])*
                pub fn $name(&mut self, input: &$input) -> Result<$answer, HostError> {
                    self.run(input)
                }
            )+
        }
    };
}

operations! {
    /// Parses a permission (text or JSON form); `permission.*` is raised.
    parse_permission(ParsePermissionInput) -> ParsedPermission = ParsePermission;
    /// Validates a spec: an answer, valid or with every problem.
    validate_spec(ValidateSpecInput) -> SpecReport = ValidateSpec;
    /// Whether an address is in an allowlist (an answer); an invalid allowlist raises `ip.*`.
    ip_allowed(IpAllowedInput) -> IpDecision = IpAllowed;
    /// The decision on a request (an answer); a bad permission raises `permission.*` with
    /// its `index`, a bad request `request.invalid`.
    authorize(AuthorizeInput) -> Authorized = Authorize;
    /// A token's claims; `token.*` and `jwks.invalid` are raised.
    verify_token(VerifyTokenInput) -> VerifiedToken = VerifyToken;
    /// The edge decision with its HTTP status (an answer, allow or deny).
    check(CheckInput) -> Checked = Check;
    /// A parsed token request, or a refusal with its HTTP status (an answer).
    parse_token_request(TokenRequestInput) -> TokenRequestAnswer = ParseTokenRequest;
    /// An issued token, or a refusal with its HTTP status (an answer).
    issue_token(IssueTokenInput) -> IssueAnswer = IssueToken;
    /// What a permission list allows, optionally on concrete vaults and keys.
    preview(PreviewInput) -> Preview = Preview;
    /// Lint findings of a valid spec, or the problems of an invalid one (an answer).
    lint(LintInput) -> LintReport = Lint;
    /// A new credential and its secret (shown once); an invalid spec raises `spec.invalid`
    /// with every problem in [`Failure::errors`].
    create_credential(CreateCredentialInput) -> CreatedCredential = CreateCredential;
    /// Changes a credential (enable, disable, delete, set_spec, set_expiry, secret_used,
    /// revoke_secret); a deleted one raises `credential.deleted`, removing its last secret
    /// `credential.secret_required`.
    update_credential(UpdateCredentialInput) -> UpdatedCredential = UpdateCredential;
    /// The default permissions of a permission set type.
    set_type_defaults(SetTypeInput) -> SetTypeDefaults = SetTypeDefaults;
    /// The public JWKS of signing keys.
    public_jwks(PublicJwksInput) -> PublishedJwks = PublicJwks;
    /// The token of an `Authorization` header, or a refusal with its status and challenge.
    parse_bearer(BearerInput) -> BearerAnswer = ParseBearer;
    /// Whether a presented secret is the credential's (an answer, compared in constant time).
    verify_secret(VerifySecretInput) -> SecretCheck = VerifySecret;
    /// A decision with the narrowest permission that allows the request (SPEC §10, an
    /// answer); `authorize`'s failures are raised.
    explain(ExplainInput) -> Explained = Explain;
    /// What changed between two specs and whether the new one grants new access (SPEC §11),
    /// or the problems of an invalid spec (an answer either way).
    diff(DiffInput) -> DiffAnswer = Diff;
    /// A new secret (shown once) next to the current one, which expires after the grace
    /// period; `credential.secret_limit` is raised while two live secrets remain.
    rotate_secret(RotateSecretInput) -> CreatedCredential = RotateSecret;
    /// A narrower spec from usage, whose diff never grants new access (an answer).
    suggest(SuggestInput) -> SuggestAnswer = Suggest;
    /// A signed revocation list (spent entries dropped); a bad key raises `key.invalid`, a
    /// list too large to verify `revocations.invalid`.
    sign_revocations(SignRevocationsInput) -> SignedRevocations = SignRevocations;
    /// A verified revocation list's epoch and entries; `revocations.invalid`, `jwks.invalid`
    /// and, below `held_epoch`, `revocations.stale` are raised.
    load_revocations(LoadRevocationsInput) -> LoadedRevocations = LoadRevocations;
    /// The words of a credential spec: types and their scopes, actions, set types with their
    /// summaries and defaults, environments, statuses and the spec's limits.
    vocabulary(VocabularyInput) -> Vocabulary = Vocabulary;
}
