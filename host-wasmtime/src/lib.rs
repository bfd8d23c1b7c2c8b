//! `credgate-wasmtime`: the credgate engine as a sandboxed WebAssembly module in wasmtime.
//!
//! The engine (`credgate-core`) is compiled to `credgate_abi.wasm`, a module with no imports
//! and a small C-style ABI (`host-wasmtime/ABI.md`). This crate loads that module
//! once, keeps an instance per [`Host`] and reuses it call after call, and runs every call
//! inside hard limits — a fuel budget and/or a wall-clock deadline, a memory cap, an input
//! cap — so no input and no module can hang or exhaust the process. Every answer is the
//! engine's, byte for byte; this crate only moves bytes and types.
//!
//! The typed calls take and return the engine's own façade types (`credgate_core::facade`,
//! re-exported here): results and answers are `Ok`, a failure the engine raises is
//! [`HostError::Guest`] with the engine's [`Failure`] (code, message, details). A
//! [`Verifier`] is prepared once inside the sandbox and keeps its cache of verified tokens
//! from call to call.
//!
//! ```no_run
//! use credgate_wasmtime::{CredgateModule, Limits, ParsePermissionInput, SetTypeInput};
//!
//! let module = CredgateModule::embedded(Limits::default())?; // compile once (~0.1 s)
//! let mut host = module.host();                               // one per thread
//! let p = host.parse_permission(&ParsePermissionInput {
//!     text: Some("balances:read:vault:vlt_01".into()),
//!     ..Default::default()
//! })?;
//! assert_eq!(p.canonical, "balances:read:vault:vlt_01");
//! let e = host.set_type_defaults(&SetTypeInput { set_type: "galaxy".into() }).unwrap_err();
//! assert_eq!(e.code(), "set_type.unknown");
//! let raw = host.call_json("set_type_defaults", r#"{"set_type":"wallets"}"#)?; // the wire text
//! assert!(raw.starts_with(r#"{"outcome":"result""#));
//! # Ok::<(), credgate_wasmtime::HostError>(())
//! ```
//!
//! | module | owns |
//! |---|---|
//! | [`runtime`] | engine configuration, limits, compile/precompile, instance reuse, raw calls |
//! | [`ops`] | the typed call of every operation, in the core's input and answer types |
//! | [`verifier`] | a prepared verifier inside the guest: its handle, its calls, its cache |
//! | [`error`] | [`HostError`] and its stable codes |
//! | [`conformance`] | the vector runner behind `credgate conformance` |

pub mod conformance;
mod embedded;
pub mod error;
pub mod ops;
pub mod runtime;
pub mod verifier;

pub use error::HostError;
pub use ops::*;
pub use runtime::{CredgateModule, Host, HostStats, Limits, ABI_VERSION};
pub use verifier::Verifier;

/// The embedded guest module's bytes, when this build has one.
pub fn embedded_wasm() -> Option<&'static [u8]> {
    embedded::WASM
}
