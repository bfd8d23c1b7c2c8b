//! Loading the credgate module and calling it through the raw ABI, inside hard limits.
//!
//! [`CredgateModule`] is the compiled module (compile once, share it: it is cheap to
//! clone and `Send + Sync`). [`Host`] is one sandbox: a wasmtime `Store` with one live
//! instance that is reused call after call, and replaced by a fresh one after any trap.
//! Every call gets a fresh fuel budget and/or wall-clock deadline, and the guest's linear
//! memory is capped, so no input and no module can hang or exhaust the process.
//!
//! This module never interprets the JSON it moves: decisions live in `credgate-core`,
//! inside the guest. See `host-wasmtime/ABI.md` for the ABI itself.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::{Config, Engine, Instance, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc};

use crate::error::HostError;

/// The ABI version this host speaks (the guest's `credgate_abi_version()` must return it).
/// Version 2 added the prepared verifiers (`credgate_verifier_*`).
pub const ABI_VERSION: u32 = 2;

/// Name of the guest's linear memory export.
pub const EXPORT_MEMORY: &str = "memory";
/// `credgate_abi_version() -> i32`
pub const EXPORT_VERSION: &str = "credgate_abi_version";
/// `credgate_alloc(len: i32) -> i32`
pub const EXPORT_ALLOC: &str = "credgate_alloc";
/// `credgate_free(ptr: i32, len: i32)`
pub const EXPORT_FREE: &str = "credgate_free";
/// `credgate_call(op_ptr: i32, op_len: i32, in_ptr: i32, in_len: i32) -> i64`
pub const EXPORT_CALL: &str = "credgate_call";
/// `credgate_verifier_new(in_ptr: i32, in_len: i32) -> i64`
pub const EXPORT_VERIFIER_NEW: &str = "credgate_verifier_new";
/// `credgate_verifier_call(handle: i32, op_ptr: i32, op_len: i32, in_ptr: i32, in_len: i32) -> i64`
pub const EXPORT_VERIFIER_CALL: &str = "credgate_verifier_call";
/// `credgate_verifier_free(handle: i32) -> i32`
pub const EXPORT_VERIFIER_FREE: &str = "credgate_verifier_free";

/// Every export of the ABI (`ABI.md`), checked when a module is loaded.
pub const EXPORTS: [&str; 8] = [
    EXPORT_MEMORY,
    EXPORT_VERSION,
    EXPORT_ALLOC,
    EXPORT_FREE,
    EXPORT_CALL,
    EXPORT_VERIFIER_NEW,
    EXPORT_VERIFIER_CALL,
    EXPORT_VERIFIER_FREE,
];

/// How often the epoch ticker advances the engine's epoch (the deadline's resolution).
const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Hard limits on the guest. Fuel and deadline are per call; the memory cap is for the
/// life of an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Fuel budget per call (about one unit per WebAssembly instruction); `None` turns
    /// fuel metering off. Deterministic: the same input stops at the same point.
    pub fuel_per_call: Option<u64>,
    /// Wall-clock deadline per call, enforced by epoch interruption (a background thread
    /// ticks every 5 ms); `None` turns it off.
    pub deadline: Option<Duration>,
    /// Cap on the guest's linear memory, in bytes.
    pub memory_bytes: usize,
    /// Cap on one call's operation name plus input, in bytes; larger inputs are refused
    /// before they reach the guest.
    pub max_input_bytes: usize,
    /// After a call, when the guest's memory has grown past this many bytes, the instance
    /// is replaced so that a single large input does not keep memory pinned.
    pub recycle_memory_bytes: usize,
}

impl Default for Limits {
    /// 1 G fuel per call (a `check` uses about 1.3 M; the heaviest 1 MiB input, an
    /// `authorize` over 42 000 permissions, about 250 M), a 1 s deadline, 64 MiB memory,
    /// 1 MiB input, recycle above 16 MiB.
    fn default() -> Self {
        Limits {
            fuel_per_call: Some(1_000_000_000),
            deadline: Some(Duration::from_secs(1)),
            memory_bytes: 64 << 20,
            max_input_bytes: 1 << 20,
            recycle_memory_bytes: 16 << 20,
        }
    }
}

/// The compiled credgate module and the wasmtime engine it was compiled for.
///
/// Compile once (about 0.1–0.2 s) and share: cloning is cheap, and every [`Host`] made
/// from it instantiates in well under a millisecond.
#[derive(Clone)]
pub struct CredgateModule {
    engine: Engine,
    module: Module,
    limits: Arc<Limits>,
}

impl std::fmt::Debug for CredgateModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredgateModule")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

fn engine_for(limits: &Limits) -> Result<Engine, HostError> {
    let mut config = Config::new();
    config.consume_fuel(limits.fuel_per_call.is_some());
    config.epoch_interruption(limits.deadline.is_some());
    // The embedded build uses the wide-arithmetic proposal (64x64->128-bit multiplies for
    // Ed25519); a module that does not use it is unaffected.
    config.wasm_wide_arithmetic(true);
    let engine = Engine::new(&config).map_err(|e| HostError::Compile {
        message: format!("{e:#}"),
    })?;
    if limits.deadline.is_some() {
        start_epoch_ticker(&engine)?;
    }
    Ok(engine)
}

/// One thread per engine advances its epoch every [`EPOCH_TICK`]; it holds only a weak
/// reference and ends by itself once the engine is dropped.
fn start_epoch_ticker(engine: &Engine) -> Result<(), HostError> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("credgate-epoch".into())
        .spawn(move || loop {
            std::thread::sleep(EPOCH_TICK);
            match weak.upgrade() {
                Some(engine) => engine.increment_epoch(),
                None => break,
            }
        })
        .map(|_| ())
        .map_err(|e| HostError::Thread {
            message: e.to_string(),
        })
}

impl CredgateModule {
    /// Compiles a credgate module from WebAssembly bytes and checks that it speaks the
    /// ABI: no imports, and the exports of `ABI.md` with the right types.
    pub fn from_bytes(wasm: &[u8], limits: Limits) -> Result<Self, HostError> {
        let engine = engine_for(&limits)?;
        let module = Module::new(&engine, wasm).map_err(|e| HostError::Compile {
            message: format!("{e:#}"),
        })?;
        Self::checked(engine, module, limits)
    }

    /// Reads and compiles a `.wasm` file.
    pub fn from_file(path: &std::path::Path, limits: Limits) -> Result<Self, HostError> {
        let bytes = std::fs::read(path).map_err(|e| HostError::Compile {
            message: format!("cannot read `{}`: {e}", path.display()),
        })?;
        Self::from_bytes(&bytes, limits)
    }

    /// The module embedded in this build (see `build.rs`), compiled.
    pub fn embedded(limits: Limits) -> Result<Self, HostError> {
        match crate::embedded::WASM {
            Some(bytes) => Self::from_bytes(bytes, limits),
            None => Err(HostError::NoEmbeddedModule),
        }
    }

    /// Serializes the compiled machine code, to skip compilation next time with
    /// [`CredgateModule::from_precompiled`]. The artifact is only valid for this exact
    /// wasmtime version, CPU features and [`Limits`] (fuel and deadline change the code).
    pub fn precompile(&self) -> Result<Vec<u8>, HostError> {
        self.module.serialize().map_err(|e| HostError::Compile {
            message: format!("{e:#}"),
        })
    }

    /// Loads machine code made by [`CredgateModule::precompile`].
    ///
    /// wasmtime checks the artifact's version and configuration header and refuses a
    /// mismatch with an error, but it cannot tell a tampered artifact from a good one.
    ///
    /// # Safety
    ///
    /// `bytes` must come from [`CredgateModule::precompile`] (of a trusted module) and
    /// must not have been modified since: loading machine code from an untrusted source
    /// runs that code in this process, outside any sandbox.
    #[expect(
        unsafe_code,
        reason = "wasmtime's Module::deserialize is unsafe: the bytes are machine code; \
                  the caller vouches for them, as documented under Safety"
    )]
    pub unsafe fn from_precompiled(bytes: &[u8], limits: Limits) -> Result<Self, HostError> {
        let engine = engine_for(&limits)?;
        // SAFETY: the caller guarantees `bytes` came from `precompile` unmodified (see
        // the function's Safety section); wasmtime checks version and configuration.
        let module =
            unsafe { Module::deserialize(&engine, bytes) }.map_err(|e| HostError::Compile {
                message: format!("{e:#}"),
            })?;
        Self::checked(engine, module, limits)
    }

    fn checked(engine: Engine, module: Module, limits: Limits) -> Result<Self, HostError> {
        if let Some(import) = module.imports().next() {
            return Err(HostError::abi(format!(
                "the module imports `{}::{}`; a credgate module must import nothing",
                import.module(),
                import.name()
            )));
        }
        for name in EXPORTS {
            if module.get_export(name).is_none() {
                return Err(HostError::abi(format!("the module has no `{name}` export")));
            }
        }
        Ok(CredgateModule {
            engine,
            module,
            limits: Arc::new(limits),
        })
    }

    /// The limits every [`Host`] made from this module enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Number of imports of the module (always 0 for a module that loaded).
    pub fn import_count(&self) -> usize {
        self.module.imports().len()
    }

    /// Names of the module's exports.
    pub fn export_names(&self) -> Vec<String> {
        self.module
            .exports()
            .map(|e| e.name().to_string())
            .collect()
    }

    /// A new sandbox for this module. Instantiation happens on the first call.
    pub fn host(&self) -> Host {
        Host {
            module: self.clone(),
            live: None,
            stats: HostStats::default(),
        }
    }
}

/// Caps the guest's memory and tables, and remembers whether the cap was hit so that the
/// trap that usually follows can be reported as [`HostError::MemoryLimit`].
#[derive(Debug)]
struct Limiter {
    memory_bytes: usize,
    hit: bool,
}

/// Table elements allowed per table (the credgate guest needs a few hundred).
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            self.hit = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        4
    }

    fn memories(&self) -> usize {
        1
    }
}

/// One live instance and its exports.
struct Live {
    /// Which instance of this host it is (1 for the first): a prepared verifier's handle is
    /// only valid in the instance that made it.
    id: u64,
    store: Store<Limiter>,
    memory: Memory,
    version: TypedFunc<(), u32>,
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    call: TypedFunc<(u32, u32, u32, u32), u64>,
    verifier_new: TypedFunc<(u32, u32), u64>,
    verifier_call: TypedFunc<(u32, u32, u32, u32, u32), u64>,
    verifier_free: TypedFunc<u32, u32>,
    /// The reusable input buffer in guest memory: (pointer, capacity).
    input: Option<(u32, u32)>,
}

/// Which export a call goes to.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// `credgate_call`: a façade operation.
    Call,
    /// `credgate_verifier_new`: prepare a verifier (the op name is empty).
    VerifierNew,
    /// `credgate_verifier_call` on this handle.
    VerifierCall(u32),
}

impl Target {
    fn export(self) -> &'static str {
        match self {
            Target::Call => EXPORT_CALL,
            Target::VerifierNew => EXPORT_VERIFIER_NEW,
            Target::VerifierCall(_) => EXPORT_VERIFIER_CALL,
        }
    }
}

/// Counters for one [`Host`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostStats {
    /// Calls made (successful or not).
    pub calls: u64,
    /// Instances created (1 + re-instantiations after traps or memory recycling).
    pub instantiations: u64,
    /// Calls the sandbox stopped (trap, fuel, deadline, memory).
    pub stops: u64,
    /// Fuel used by the last successful call (0 when fuel metering is off).
    pub last_fuel: u64,
}

/// One sandbox: a store with one reused instance of the credgate module.
///
/// `Host` is `Send` but not `Sync`: give each thread its own (they can share one
/// [`CredgateModule`]).
pub struct Host {
    module: CredgateModule,
    live: Option<Live>,
    stats: HostStats,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Host")
            .field("live", &self.live.is_some())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

fn wasm_error(e: wasmtime::Error, limits: &Limits, memory_hit: bool) -> HostError {
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => HostError::OutOfFuel {
            fuel: limits.fuel_per_call.unwrap_or(0),
        },
        Some(Trap::Interrupt) => HostError::Timeout {
            deadline_ms: limits
                .deadline
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0),
        },
        _ if memory_hit => HostError::MemoryLimit {
            limit: limits.memory_bytes,
        },
        Some(trap) => HostError::Trap {
            message: trap.to_string(),
        },
        None => HostError::Trap {
            message: format!("{e:#}"),
        },
    }
}

impl Host {
    /// The compiled module this host runs.
    pub fn module(&self) -> &CredgateModule {
        &self.module
    }

    /// Counters: calls, instantiations, sandbox stops.
    pub fn stats(&self) -> HostStats {
        self.stats
    }

    /// Current size of the live instance's linear memory in bytes (0 when none is live).
    pub fn memory_size(&self) -> usize {
        match &self.live {
            Some(live) => live.memory.data_size(&live.store),
            None => 0,
        }
    }

    /// Creates the instance now (otherwise the first call does it), and checks the ABI
    /// version.
    pub fn instantiate(&mut self) -> Result<(), HostError> {
        if self.live.is_none() {
            let live = self.new_live()?;
            self.live = Some(live);
        }
        Ok(())
    }

    fn arm(store: &mut Store<Limiter>, limits: &Limits) -> Result<(), HostError> {
        store.data_mut().hit = false;
        if let Some(fuel) = limits.fuel_per_call {
            store.set_fuel(fuel).map_err(|e| HostError::Instantiate {
                message: format!("{e:#}"),
            })?;
        }
        if let Some(deadline) = limits.deadline {
            let tick = EPOCH_TICK.as_millis().max(1);
            let ticks = deadline.as_millis().div_ceil(tick).saturating_add(1);
            store.set_epoch_deadline(u64::try_from(ticks).unwrap_or(u64::MAX));
        }
        Ok(())
    }

    fn new_live(&mut self) -> Result<Live, HostError> {
        let limits = Arc::clone(&self.module.limits);
        let mut store = Store::new(
            &self.module.engine,
            Limiter {
                memory_bytes: limits.memory_bytes,
                hit: false,
            },
        );
        store.limiter(|l| l);
        Self::arm(&mut store, &limits)?;
        self.stats.instantiations += 1;
        let instance = Instance::new(&mut store, &self.module.module, &[]).map_err(|e| {
            if e.downcast_ref::<Trap>().is_some() || store.data().hit {
                wasm_error(e, &limits, store.data().hit)
            } else {
                HostError::Instantiate {
                    message: format!("{e:#}"),
                }
            }
        })?;
        let memory = instance
            .get_memory(&mut store, EXPORT_MEMORY)
            .ok_or_else(|| HostError::abi("`memory` is not a memory export"))?;
        let typed = |e: wasmtime::Error| HostError::abi(format!("{e:#}"));
        let version = instance
            .get_typed_func::<(), u32>(&mut store, EXPORT_VERSION)
            .map_err(typed)?;
        let alloc = instance
            .get_typed_func::<u32, u32>(&mut store, EXPORT_ALLOC)
            .map_err(typed)?;
        let free = instance
            .get_typed_func::<(u32, u32), ()>(&mut store, EXPORT_FREE)
            .map_err(typed)?;
        let call = instance
            .get_typed_func::<(u32, u32, u32, u32), u64>(&mut store, EXPORT_CALL)
            .map_err(typed)?;
        let verifier_new = instance
            .get_typed_func::<(u32, u32), u64>(&mut store, EXPORT_VERIFIER_NEW)
            .map_err(typed)?;
        let verifier_call = instance
            .get_typed_func::<(u32, u32, u32, u32, u32), u64>(&mut store, EXPORT_VERIFIER_CALL)
            .map_err(typed)?;
        let verifier_free = instance
            .get_typed_func::<u32, u32>(&mut store, EXPORT_VERIFIER_FREE)
            .map_err(typed)?;
        let got = version
            .call(&mut store, ())
            .map_err(|e| wasm_error(e, &limits, store.data().hit))?;
        if got != ABI_VERSION {
            return Err(HostError::abi(format!(
                "the module speaks ABI version {got}; this host speaks version {ABI_VERSION}"
            )));
        }
        Ok(Live {
            id: self.stats.instantiations,
            store,
            memory,
            version,
            alloc,
            free,
            call,
            verifier_new,
            verifier_call,
            verifier_free,
            input: None,
        })
    }

    /// Calls the guest's `credgate_abi_version` export (instantiating if needed): a health
    /// check, and the cheapest possible round trip into the sandbox.
    pub fn abi_version(&mut self) -> Result<u32, HostError> {
        self.instantiate()?;
        let limits = Arc::clone(&self.module.limits);
        let Some(mut live) = self.live.take() else {
            return Err(HostError::abi("no live instance"));
        };
        Self::arm(&mut live.store, &limits)?;
        let version = live
            .version
            .call(&mut live.store, ())
            .map_err(|e| wasm_error(e, &limits, live.store.data().hit))?;
        self.live = Some(live);
        Ok(version)
    }

    /// Calls one operation with a JSON input and returns the guest's JSON output as is
    /// (an `{"ok":false,...}` answer is an `Ok` here; the typed calls interpret it).
    pub fn call_json(&mut self, op: &str, input: &str) -> Result<String, HostError> {
        self.invoke(Target::Call, op, input)
    }

    /// Prepares a verifier inside the instance from a `VerifierInput` (JSON) and returns the
    /// guest's output as is: `{"outcome":"result","ok":true,"handle":N}` or a failure. The
    /// handle is valid in this instance only (see [`Host::instance_id`]) until
    /// [`Host::verifier_free`]; [`crate::Verifier`] is the typed, self-freeing form.
    pub fn verifier_new_json(&mut self, input: &str) -> Result<String, HostError> {
        self.invoke(Target::VerifierNew, "", input)
    }

    /// Runs a verifier operation (`check`, `verify`, `load_revocations`, `cache_stats`) on
    /// the verifier of `handle` and returns the guest's output as is. A handle that is not
    /// live in the current instance is an `input.invalid` failure in the output.
    pub fn verifier_call_json(
        &mut self,
        handle: u32,
        op: &str,
        input: &str,
    ) -> Result<String, HostError> {
        self.invoke(Target::VerifierCall(handle), op, input)
    }

    /// Drops the verifier of `handle` inside the current instance: `true`, or `false` when
    /// the handle is not live there (freed, never made, or made by an instance since
    /// replaced, or no instance is live).
    pub fn verifier_free(&mut self, handle: u32) -> Result<bool, HostError> {
        let limits = Arc::clone(&self.module.limits);
        let Some(mut live) = self.live.take() else {
            return Ok(false);
        };
        Self::arm(&mut live.store, &limits)?;
        match live.verifier_free.call(&mut live.store, handle) {
            Ok(freed) => {
                self.live = Some(live);
                Ok(freed == 1)
            }
            Err(e) => {
                // The instance is dropped, and every verifier in it with it.
                let e = wasm_error(e, &limits, live.store.data().hit);
                if e.is_sandbox_stop() {
                    self.stats.stops += 1;
                }
                Err(e)
            }
        }
    }

    /// Which instance is live: 1 for the first, one more after every replacement (a trap, a
    /// limit stop, memory recycling); `None` when none is live yet or since the last stop.
    /// Handles of prepared verifiers belong to one instance.
    pub fn instance_id(&self) -> Option<u64> {
        self.live.as_ref().map(|live| live.id)
    }

    /// One call into the guest: checks the input cap, instantiates when needed, runs the
    /// export within the per-call limits, and keeps or drops the instance afterwards.
    fn invoke(&mut self, target: Target, op: &str, input: &str) -> Result<String, HostError> {
        self.stats.calls += 1;
        let limits = Arc::clone(&self.module.limits);
        let total = op.len().saturating_add(input.len());
        if total > limits.max_input_bytes {
            return Err(HostError::InputTooLarge {
                len: total,
                max: limits.max_input_bytes,
            });
        }
        self.instantiate()?;
        let Some(mut live) = self.live.take() else {
            return Err(HostError::abi("no live instance"));
        };
        match Self::call_live(&mut live, &limits, target, op.as_bytes(), input.as_bytes()) {
            Ok(out) => {
                if let (Some(budget), Ok(left)) = (limits.fuel_per_call, live.store.get_fuel()) {
                    self.stats.last_fuel = budget.saturating_sub(left);
                }
                if live.memory.data_size(&live.store) <= limits.recycle_memory_bytes {
                    self.live = Some(live);
                }
                Ok(out)
            }
            Err(e) => {
                // The instance may be half-way through anything: never reuse it.
                if e.is_sandbox_stop() {
                    self.stats.stops += 1;
                }
                Err(e)
            }
        }
    }

    fn call_live(
        live: &mut Live,
        limits: &Limits,
        target: Target,
        op: &[u8],
        input: &[u8],
    ) -> Result<String, HostError> {
        Self::arm(&mut live.store, limits)?;
        let too_big = || HostError::InputTooLarge {
            len: op.len().saturating_add(input.len()),
            max: limits.max_input_bytes,
        };
        let op_len = u32::try_from(op.len()).map_err(|_| too_big())?;
        let in_len = u32::try_from(input.len()).map_err(|_| too_big())?;
        let need = op_len.checked_add(in_len).ok_or_else(too_big)?;
        let (ptr, _cap) = Self::input_buffer(live, limits, need)?;
        let in_ptr = ptr
            .checked_add(op_len)
            .ok_or_else(|| HostError::abi("input buffer outside memory"))?;
        let write = |e: wasmtime::MemoryAccessError| {
            HostError::abi(format!("input buffer outside memory: {e}"))
        };
        live.memory
            .write(&mut live.store, ptr as usize, op)
            .map_err(write)?;
        live.memory
            .write(&mut live.store, in_ptr as usize, input)
            .map_err(write)?;
        let packed = match target {
            Target::Call => live
                .call
                .call(&mut live.store, (ptr, op_len, in_ptr, in_len)),
            Target::VerifierNew => live.verifier_new.call(&mut live.store, (in_ptr, in_len)),
            Target::VerifierCall(handle) => live
                .verifier_call
                .call(&mut live.store, (handle, ptr, op_len, in_ptr, in_len)),
        }
        .map_err(|e| wasm_error(e, limits, live.store.data().hit))?;
        let out_ptr = (packed >> 32) as u32;
        let out_len = (packed & 0xffff_ffff) as u32;
        if out_ptr == 0 {
            return Err(if live.store.data().hit {
                HostError::MemoryLimit {
                    limit: limits.memory_bytes,
                }
            } else {
                HostError::abi(format!(
                    "{} returned a null output pointer",
                    target.export()
                ))
            });
        }
        let bytes = live
            .memory
            .data(&live.store)
            .get(out_ptr as usize..(out_ptr as usize).saturating_add(out_len as usize))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                HostError::abi(format!(
                    "output ({out_len} bytes at {out_ptr}) lies outside guest memory"
                ))
            })?;
        live.free
            .call(&mut live.store, (out_ptr, out_len))
            .map_err(|e| wasm_error(e, limits, live.store.data().hit))?;
        String::from_utf8(bytes).map_err(|_| HostError::abi("the output is not UTF-8"))
    }

    /// The reusable input buffer, grown (free + alloc) when too small.
    fn input_buffer(live: &mut Live, limits: &Limits, need: u32) -> Result<(u32, u32), HostError> {
        if let Some((ptr, cap)) = live.input {
            if cap >= need {
                return Ok((ptr, cap));
            }
            live.input = None;
            live.free
                .call(&mut live.store, (ptr, cap))
                .map_err(|e| wasm_error(e, limits, live.store.data().hit))?;
        }
        let cap = need.max(4096).checked_next_power_of_two().unwrap_or(need);
        let ptr = live
            .alloc
            .call(&mut live.store, cap)
            .map_err(|e| wasm_error(e, limits, live.store.data().hit))?;
        if ptr == 0 {
            return Err(if live.store.data().hit {
                HostError::MemoryLimit {
                    limit: limits.memory_bytes,
                }
            } else {
                HostError::abi(format!("credgate_alloc({cap}) returned null"))
            });
        }
        live.input = Some((ptr, cap));
        Ok((ptr, cap))
    }

    /// Calls one operation with a JSON value and parses the output (see [`Host::call_json`]).
    pub fn call_value(
        &mut self,
        op: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, HostError> {
        let text = serde_json::to_string(input).map_err(|e| HostError::Json {
            message: format!("cannot encode the input: {e}"),
        })?;
        let out = self.call_json(op, &text)?;
        serde_json::from_str(&out)
            .map_err(|e| HostError::abi(format!("the output is not JSON: {e}")))
    }
}
