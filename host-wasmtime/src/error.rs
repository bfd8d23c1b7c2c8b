//! The one error type of the wasmtime host.
//!
//! Every variant has a stable [`HostError::code`] string. Host-side failures (the sandbox
//! stopped the guest, the module broke the ABI, the input was refused before it reached
//! the guest) use `host.*` codes ([`HostError::HOST_CODES`]); a failure the engine itself
//! gave is [`HostError::Guest`], carrying the engine's [`Failure`] whole: its
//! [`credgate_core::Code`] (one of [`HostError::ENGINE_CODES`]), message, and details (the
//! `index` of a bad permission, every problem of an invalid spec).

use std::fmt;

use credgate_core::facade::Failure;

/// What went wrong while loading the credgate module or calling into it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostError {
    /// The bytes are not a valid WebAssembly module for this engine (or the precompiled
    /// artifact does not match this wasmtime build and configuration).
    Compile {
        /// What the compiler said.
        message: String,
    },
    /// The module does not speak the credgate ABI: an import, a missing or mistyped export,
    /// an unsupported ABI version, an output pointer outside memory, an output that is not
    /// UTF-8 JSON.
    Abi {
        /// What is wrong with the module.
        message: String,
    },
    /// The host could not create an instance (store limits on instances, tables or
    /// memories, or the operating system refused memory).
    Instantiate {
        /// What wasmtime said.
        message: String,
    },
    /// The guest trapped (`unreachable`, out-of-bounds access, stack overflow, ...). The
    /// instance is discarded; the next call gets a fresh one.
    Trap {
        /// The trap as wasmtime describes it.
        message: String,
    },
    /// The call used up its fuel budget ([`crate::Limits::fuel_per_call`]).
    OutOfFuel {
        /// The budget that was used up.
        fuel: u64,
    },
    /// The call ran past its wall-clock deadline ([`crate::Limits::deadline`]).
    Timeout {
        /// The deadline, in milliseconds.
        deadline_ms: u64,
    },
    /// The guest tried to grow its linear memory past [`crate::Limits::memory_bytes`].
    MemoryLimit {
        /// The cap, in bytes.
        limit: usize,
    },
    /// The operation name plus input is larger than [`crate::Limits::max_input_bytes`];
    /// it was refused before it reached the guest.
    InputTooLarge {
        /// Size of the refused input, in bytes.
        len: usize,
        /// The cap, in bytes.
        max: usize,
    },
    /// The host could not encode an input or decode an output as the expected JSON type.
    Json {
        /// What did not fit.
        message: String,
    },
    /// The engine raised a failure (the outcome `failure`): its stable code (SPEC §8, or
    /// `input.invalid` / `op.unknown` from the façade), message and details.
    Guest(Failure),
    /// No module is embedded in this build (the guest was not built before the host).
    NoEmbeddedModule,
    /// The epoch ticker thread (used by the wall-clock deadline) could not be started.
    Thread {
        /// What the operating system said.
        message: String,
    },
}

impl HostError {
    /// The stable code of this error: `host.*` for host-side failures, the engine's own
    /// code for [`HostError::Guest`].
    pub fn code(&self) -> &str {
        match self {
            HostError::Compile { .. } => "host.compile",
            HostError::Abi { .. } => "host.abi",
            HostError::Instantiate { .. } => "host.instantiate",
            HostError::Trap { .. } => "host.trap",
            HostError::OutOfFuel { .. } => "host.out_of_fuel",
            HostError::Timeout { .. } => "host.timeout",
            HostError::MemoryLimit { .. } => "host.memory_limit",
            HostError::InputTooLarge { .. } => "host.input_too_large",
            HostError::Json { .. } => "host.json",
            HostError::Guest(failure) => failure.code.as_str(),
            HostError::NoEmbeddedModule => "host.no_module",
            HostError::Thread { .. } => "host.thread",
        }
    }

    /// Every code the engine can raise in [`HostError::Guest`]: the core's own list.
    pub const ENGINE_CODES: &'static [&'static str] = &credgate_core::codes::ALL;

    /// Every `host.*` code this crate can return (none is one of [`Self::ENGINE_CODES`]).
    pub const HOST_CODES: &'static [&'static str] = &[
        "host.compile",
        "host.abi",
        "host.instantiate",
        "host.trap",
        "host.out_of_fuel",
        "host.timeout",
        "host.memory_limit",
        "host.input_too_large",
        "host.json",
        "host.no_module",
        "host.thread",
    ];

    /// True when the sandbox stopped the guest (trap, fuel, deadline, memory): the instance
    /// was discarded and the next call runs on a fresh one.
    pub fn is_sandbox_stop(&self) -> bool {
        matches!(
            self,
            HostError::Trap { .. }
                | HostError::OutOfFuel { .. }
                | HostError::Timeout { .. }
                | HostError::MemoryLimit { .. }
        )
    }

    /// The engine's failure, when the engine raised one.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            HostError::Guest(failure) => Some(failure),
            _ => None,
        }
    }

    pub(crate) fn abi(message: impl Into<String>) -> Self {
        HostError::Abi {
            message: message.into(),
        }
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Compile { message } => write!(f, "the module does not compile: {message}"),
            HostError::Abi { message } => {
                write!(f, "the module breaks the credgate ABI: {message}")
            }
            HostError::Instantiate { message } => {
                write!(f, "the module could not be instantiated: {message}")
            }
            HostError::Trap { message } => write!(f, "the guest trapped: {message}"),
            HostError::OutOfFuel { fuel } => {
                write!(f, "the guest used up its fuel budget of {fuel} units and was stopped")
            }
            HostError::Timeout { deadline_ms } => {
                write!(f, "the guest ran past its {deadline_ms} ms deadline and was stopped")
            }
            HostError::MemoryLimit { limit } => write!(
                f,
                "the guest tried to grow its memory past the {limit}-byte cap and was stopped"
            ),
            HostError::InputTooLarge { len, max } => write!(
                f,
                "the input is {len} bytes, more than the {max}-byte cap; it was not sent to the guest"
            ),
            HostError::Json { message } => write!(f, "host-side JSON conversion failed: {message}"),
            HostError::Guest(failure) => f.write_str(&failure.message),
            HostError::NoEmbeddedModule => write!(
                f,
                "this build has no embedded credgate module: build the guest first \
                 (`make build-wasmtime`) or pass a module path"
            ),
            HostError::Thread { message } => {
                write!(f, "could not start the epoch ticker thread: {message}")
            }
        }
    }
}

impl std::error::Error for HostError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every host-side variant's code is listed in HOST_CODES, and the list has no extras.
    #[test]
    fn host_codes_match_the_variants() {
        let all = [
            HostError::Compile {
                message: String::new(),
            },
            HostError::Abi {
                message: String::new(),
            },
            HostError::Instantiate {
                message: String::new(),
            },
            HostError::Trap {
                message: String::new(),
            },
            HostError::OutOfFuel { fuel: 1 },
            HostError::Timeout { deadline_ms: 1 },
            HostError::MemoryLimit { limit: 1 },
            HostError::InputTooLarge { len: 2, max: 1 },
            HostError::Json {
                message: String::new(),
            },
            HostError::NoEmbeddedModule,
            HostError::Thread {
                message: String::new(),
            },
        ];
        let codes: Vec<&str> = all.iter().map(HostError::code).collect();
        assert_eq!(codes, HostError::HOST_CODES);
        for e in &all {
            assert!(e.code().starts_with("host."));
            assert!(!e.to_string().is_empty());
        }
        let guest = HostError::Guest(Failure::new(credgate_core::Code::TokenExpired, "m"));
        assert_eq!(guest.code(), "token.expired");
        assert_eq!(guest.to_string(), "m");
        assert!(guest.failure().is_some());
        assert!(!guest.is_sandbox_stop());
        assert!(HostError::OutOfFuel { fuel: 1 }.is_sandbox_stop());
    }
}
