//! credgate-core: the engine of credgate, API credentials for a wallet-as-a-service
//! platform, with no I/O at all.
//!
//! No clock, no randomness, no files, no environment, no network: time (`now`, Unix
//! seconds) and entropy (bytes) are arguments. Every host — WebAssembly in browsers and
//! edge workers, WebAssembly in wasmtime, the Python extension — runs this crate unchanged
//! and only converts types.
//!
//! | module | owns |
//! |---|---|
//! | [`vocabulary`] | the closed word lists: types, actions, scopes, environments, set types, statuses |
//! | [`codes`] | every stable code, as the enum [`Code`] |
//! | [`error`] | the one error type [`Error`], gathering each module's error |
//! | [`reason`] | decision reasons and token failure kinds (the leaf the others share) |
//! | [`permission`] | the text and JSON forms of a permission, the applicability table (SPEC §1) |
//! | [`request`], [`authorize`] | requests and the decision (SPEC §2) |
//! | [`spec`] | set types and credential spec validation (SPEC §3, §4) |
//! | [`ip`] | IPv4 allowlists (SPEC §4) |
//! | [`credential`] | the stored record and its lifecycle (SPEC §5) |
//! | [`token`] | signing keys, JWKS, issuance and verification (SPEC §6) |
//! | [`cache`] | the verifier's store of verified tokens: bounded, least recently used out first |
//! | [`revocation`] | signed revocation lists: signing, verification, lookup (SPEC §5, docs/LIFECYCLE.md) |
//! | [`remote`] | a JWKS fetched from a URL: when to fetch, what an answer means, which keys serve (docs/REMOTE.md) |
//! | [`oauth`] | the token endpoint logic (SPEC §7) |
//! | [`bearer`] | RFC 6750 headers and challenges |
//! | [`check`] | the edge path and audit records (SPEC §8) |
//! | [`preview`], [`lint`] | the credential console's previews and advice |
//! | [`usage`] | least privilege from observed usage: attribution, unused permissions, `suggest` |
//! | [`explain`], [`diff`] | why a decision, and what a new version of a spec grants (SPEC §10, §11) |
//! | [`facade`] | the typed operations every host calls, their outcomes (docs/OUTCOMES.md), JSON in and out |
//! | [`json`] | strict JSON: duplicate members and deep nesting rejected |
//!
//! ```
//! use credgate_core::{authorize::PermissionSet, permission::Permission, request::Request};
//!
//! let set = PermissionSet::new(vec![Permission::parse("balances:read:vault:vlt_1")?]);
//! let request = Request::new("balances", "read", Some("vlt_1"), None, None)?;
//! assert!(set.authorize(&request, None).allowed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod authorize;
pub mod bearer;
pub mod cache;
pub mod check;
pub mod codes;
pub mod credential;
pub mod diff;
pub mod encoding;
pub mod error;
pub mod explain;
pub mod facade;
mod id;
pub mod ip;
pub mod json;
pub mod lint;
pub mod oauth;
pub mod permission;
pub mod preview;
pub mod reason;
pub mod remote;
pub mod request;
pub mod revocation;
pub mod spec;
pub mod token;
pub mod usage;
pub mod vocabulary;

pub use authorize::{Decision, PermissionSet, Reason};
pub use bearer::ChallengeError;
pub use cache::{CacheLimits, CacheStats};
pub use check::{CheckOutcome, DecisionRecord};
pub use codes::Code;
pub use credential::{Credential, NewCredential};
pub use error::Error;
pub use id::is_valid_id;
pub use ip::Allowlist;
pub use json::parse_strict as parse_json_strict;
pub use permission::Permission;
pub use request::Request;
pub use spec::CredentialSpec;
pub use token::{Claims, KeySet, SigningKey, Verifier, VerifyOptions};
pub use vocabulary::{Action, Environment, PermissionSetType, ResourceType, Scope, Status};
