//! `credgate-abi`: the credgate engine as a WebAssembly module with a tiny C-style ABI.
//!
//! Built for `wasm32-unknown-unknown`, the module imports nothing (time and entropy come
//! in the input) and exports its linear memory plus seven functions:
//!
//! | export | signature | what it does |
//! |---|---|---|
//! | `credgate_abi_version` | `() -> i32` | the ABI version, [`ABI_VERSION`] |
//! | `credgate_alloc` | `(len: i32) -> i32` | allocates `len` bytes, returns the pointer (0 when out of memory) |
//! | `credgate_free` | `(ptr: i32, len: i32)` | frees a buffer from `credgate_alloc` or an output of a call |
//! | `credgate_call` | `(op_ptr, op_len, in_ptr, in_len: i32) -> i64` | runs one operation: UTF-8 op name + UTF-8 JSON input in, `ptr << 32 \| len` of the JSON output out |
//! | `credgate_verifier_new` | `(in_ptr, in_len: i32) -> i64` | prepares a verifier from a `VerifierInput`; the output holds its handle |
//! | `credgate_verifier_call` | `(handle, op_ptr, op_len, in_ptr, in_len: i32) -> i64` | `check`, `verify`, `load_revocations` or `cache_stats` on a prepared verifier |
//! | `credgate_verifier_free` | `(handle: i32) -> i32` | drops a prepared verifier: 1, or 0 when the handle is not live |
//!
//! Every answer comes from `credgate_core::facade` (`call_json_bytes`, `verifier_json`,
//! `verifier_call_json`); this crate decides nothing. It owns only the bytes in and out and
//! the table of prepared verifiers ([`Verifiers`]). `host-wasmtime/ABI.md` is the full
//! contract (ownership, packing, handles, errors, versioning).

use credgate_core::error::{Error, InputError};
use credgate_core::facade::{self, Failure};
use credgate_core::Verifier;

/// The ABI version this module speaks. Bumped on an incompatible change of the exports; new
/// operations do not change it. Version 2 added the prepared verifiers.
pub const ABI_VERSION: u32 = 2;

/// The most verifiers one instance holds at a time.
pub const MAX_VERIFIERS: usize = 64;

/// Bits of a handle that name its slot (`MAX_VERIFIERS` = 2^6).
const SLOT_BITS: u32 = 6;

/// Generations run from 1 to this (so a handle is never 0 and fits a positive `i32`).
const MAX_GENERATION: u32 = (1 << (31 - SLOT_BITS)) - 1;

/// Runs one operation on the bytes the host wrote: the façade's JSON text in and out.
/// Bytes that are not UTF-8 are failures in the façade's shape, like any bad input.
pub fn call(op: &[u8], input: &[u8]) -> String {
    facade::call_json_bytes(op, input)
}

/// One place of the table: the verifier it holds, if any, and how many verifiers it has
/// held (the generation, part of the handle).
#[derive(Debug, Default)]
struct Slot {
    generation: u32,
    verifier: Option<Verifier>,
}

/// The prepared verifiers of one instance, under their handles.
///
/// A handle is `generation << 6 | slot`: the slot (0–63) says where the verifier lives, the
/// generation (1 to 2^25 − 1, counted per slot) which of the verifiers that lived there it
/// names. So a handle that was freed stays invalid when its slot is used again (until one
/// slot has been reused 2^25 times), and a caller that kept one by mistake gets a failure,
/// never another caller's verifier with other keys. 0 is never a handle.
#[derive(Debug, Default)]
pub struct Verifiers {
    slots: Vec<Slot>,
}

impl Verifiers {
    /// An empty table.
    pub const fn new() -> Self {
        Self { slots: Vec::new() }
    }

    /// Prepares a verifier from a `VerifierInput` (JSON text) and holds it: the output is
    /// `{"outcome":"result","ok":true,"handle":N}`, or the failure (`jwks.invalid`,
    /// `revocations.invalid`, `input.invalid`; `input.invalid` too when
    /// [`MAX_VERIFIERS`] are live).
    pub fn create(&mut self, input: &[u8]) -> String {
        let Some(index) = self.free_slot() else {
            return facade::failure_json(invalid(format!(
                "{MAX_VERIFIERS} verifiers are live, the most one instance holds: free one first"
            )));
        };
        let verifier = match facade::verifier_json(input) {
            Ok(verifier) => verifier,
            Err(failure) => return failure,
        };
        let Some(slot) = self.slots.get_mut(index) else {
            return facade::failure_json(invalid("no verifier slot is free"));
        };
        slot.generation = if slot.generation >= MAX_GENERATION {
            1
        } else {
            slot.generation + 1
        };
        slot.verifier = Some(verifier);
        // `index` < MAX_VERIFIERS = 2^SLOT_BITS, so the cast keeps every bit.
        facade::prepared_json(slot.generation << SLOT_BITS | index as u32)
    }

    /// Runs `op` (`check`, `verify`, `load_revocations`, `cache_stats`) on the verifier of
    /// `handle`; a handle that is not live is `input.invalid`.
    pub fn call(&mut self, handle: u32, op: &[u8], input: &[u8]) -> String {
        match self.live_mut(handle) {
            Some(verifier) => facade::verifier_call_json(verifier, op, input),
            None => facade::failure_json(not_live(handle)),
        }
    }

    /// Drops the verifier of `handle`; false when the handle is not live.
    pub fn free(&mut self, handle: u32) -> bool {
        match self.slots.get_mut(slot_of(handle)) {
            Some(slot) if slot.generation == handle >> SLOT_BITS => slot.verifier.take().is_some(),
            _ => false,
        }
    }

    /// How many verifiers are live.
    pub fn live(&self) -> usize {
        self.slots.iter().filter(|s| s.verifier.is_some()).count()
    }

    fn live_mut(&mut self, handle: u32) -> Option<&mut Verifier> {
        let slot = self.slots.get_mut(slot_of(handle))?;
        if slot.generation != handle >> SLOT_BITS {
            return None;
        }
        slot.verifier.as_mut()
    }

    /// The lowest free slot, growing the table up to [`MAX_VERIFIERS`].
    fn free_slot(&mut self) -> Option<usize> {
        if let Some(index) = self.slots.iter().position(|s| s.verifier.is_none()) {
            return Some(index);
        }
        if self.slots.len() < MAX_VERIFIERS {
            self.slots.push(Slot::default());
            return Some(self.slots.len() - 1);
        }
        None
    }
}

fn slot_of(handle: u32) -> usize {
    (handle & ((1 << SLOT_BITS) - 1)) as usize
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure::from(Error::from(InputError::new(message)))
}

fn not_live(handle: u32) -> Failure {
    invalid(format!(
        "no live verifier has the handle `{handle}`: it was freed, or never made by this instance"
    ))
}

#[cfg(target_arch = "wasm32")]
mod exports {
    //! The raw exports. Pointers are guest addresses (wasm32: `usize` is 32 bits).

    use std::alloc::{alloc, dealloc, Layout};
    use std::sync::{Mutex, MutexGuard, PoisonError};

    use super::Verifiers;

    /// The instance's prepared verifiers. WebAssembly here is one thread: the lock is never
    /// contended; it only makes the static safe to reach.
    static VERIFIERS: Mutex<Verifiers> = Mutex::new(Verifiers::new());

    /// The table, locked. A panic (an abort on this target) never leaves it poisoned in a
    /// way that matters: the instance is discarded after any trap.
    fn verifiers() -> MutexGuard<'static, Verifiers> {
        VERIFIERS.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn layout(len: u32) -> Option<Layout> {
        Layout::from_size_align(usize::try_from(len).ok()?.max(1), 1).ok()
    }

    /// A host-written buffer, read only during the call that receives it.
    ///
    /// # Safety
    ///
    /// `ptr..ptr+len` must lie inside linear memory (any pointer is fine with `len` 0).
    #[expect(unsafe_code, reason = "reads a host-written buffer from linear memory")]
    unsafe fn slice<'a>(ptr: u32, len: u32) -> &'a [u8] {
        if len == 0 {
            return &[];
        }
        // SAFETY: the caller guarantees the range lies in linear memory.
        unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
    }

    /// Copies an output into a fresh `credgate_alloc(len)` buffer and packs its location as
    /// `ptr << 32 | len`; 0 when it cannot be allocated.
    #[expect(
        unsafe_code,
        reason = "writes the output into guest memory for the host"
    )]
    fn packed(out: &str) -> u64 {
        let Ok(len) = u32::try_from(out.len()) else {
            return 0;
        };
        let ptr = credgate_alloc(len);
        if ptr == 0 {
            return 0;
        }
        // SAFETY: `ptr` is a fresh allocation of at least `len` bytes, disjoint from `out`.
        unsafe {
            std::ptr::copy_nonoverlapping(out.as_ptr(), ptr as usize as *mut u8, out.len());
        }
        (u64::from(ptr) << 32) | u64::from(len)
    }

    /// Returns [`super::ABI_VERSION`].
    #[expect(unsafe_code, reason = "an ABI export needs an unmangled symbol name")]
    #[no_mangle]
    pub extern "C" fn credgate_abi_version() -> u32 {
        super::ABI_VERSION
    }

    /// Allocates `len` bytes (alignment 1); returns 0 when memory cannot grow.
    #[expect(unsafe_code, reason = "raw allocation for the host to write into")]
    #[no_mangle]
    pub extern "C" fn credgate_alloc(len: u32) -> u32 {
        match layout(len) {
            // SAFETY: the layout has a non-zero size.
            Some(l) => (unsafe { alloc(l) }) as usize as u32,
            None => 0,
        }
    }

    /// Frees a buffer returned by `credgate_alloc(len)` or an output of a call (with the
    /// length packed in its result). A null pointer is ignored.
    ///
    /// # Safety
    ///
    /// `ptr` must come from this module's allocator with exactly this `len`, and must not
    /// be freed twice.
    #[expect(unsafe_code, reason = "frees memory the host hands back")]
    #[no_mangle]
    pub unsafe extern "C" fn credgate_free(ptr: u32, len: u32) {
        if ptr == 0 {
            return;
        }
        if let Some(l) = layout(len) {
            // SAFETY: per the contract, `ptr` was allocated with this layout.
            unsafe { dealloc(ptr as usize as *mut u8, l) }
        }
    }

    /// Runs one operation. Reads (never frees) the op name and input; returns the output
    /// as `ptr << 32 | len`, a fresh `credgate_alloc(len)` buffer the host frees with
    /// `credgate_free(ptr, len)`. Returns 0 when the output cannot be allocated.
    ///
    /// # Safety
    ///
    /// `op_ptr..op_ptr+op_len` and `in_ptr..in_ptr+in_len` must lie inside linear memory
    /// (any length 0 is fine with any pointer).
    #[expect(unsafe_code, reason = "reads host-written buffers from linear memory")]
    #[no_mangle]
    pub unsafe extern "C" fn credgate_call(
        op_ptr: u32,
        op_len: u32,
        in_ptr: u32,
        in_len: u32,
    ) -> u64 {
        // SAFETY: the caller guarantees both ranges lie in linear memory.
        let (op, input) = unsafe { (slice(op_ptr, op_len), slice(in_ptr, in_len)) };
        packed(&super::call(op, input))
    }

    /// Prepares a verifier from a `VerifierInput` (JSON). The output, packed and owned like
    /// `credgate_call`'s, is `{"outcome":"result","ok":true,"handle":N}` or a failure.
    ///
    /// # Safety
    ///
    /// `in_ptr..in_ptr+in_len` must lie inside linear memory.
    #[expect(unsafe_code, reason = "reads a host-written buffer from linear memory")]
    #[no_mangle]
    pub unsafe extern "C" fn credgate_verifier_new(in_ptr: u32, in_len: u32) -> u64 {
        // SAFETY: the caller guarantees the range lies in linear memory.
        let input = unsafe { slice(in_ptr, in_len) };
        packed(&verifiers().create(input))
    }

    /// Runs one verifier operation (`check`, `verify`, `load_revocations`, `cache_stats`)
    /// on the verifier of `handle`; the output is packed and owned like `credgate_call`'s.
    /// A handle that is not live is an `input.invalid` failure.
    ///
    /// # Safety
    ///
    /// As for `credgate_call`.
    #[expect(unsafe_code, reason = "reads host-written buffers from linear memory")]
    #[no_mangle]
    pub unsafe extern "C" fn credgate_verifier_call(
        handle: u32,
        op_ptr: u32,
        op_len: u32,
        in_ptr: u32,
        in_len: u32,
    ) -> u64 {
        // SAFETY: the caller guarantees both ranges lie in linear memory.
        let (op, input) = unsafe { (slice(op_ptr, op_len), slice(in_ptr, in_len)) };
        packed(&verifiers().call(handle, op, input))
    }

    /// Drops the verifier of `handle`: 1, or 0 when the handle is not live (freed already,
    /// or never made). Any value is safe to pass.
    #[expect(unsafe_code, reason = "an ABI export needs an unmangled symbol name")]
    #[no_mangle]
    pub extern "C" fn credgate_verifier_free(handle: u32) -> u32 {
        u32::from(verifiers().free(handle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_op_is_a_json_failure() {
        let out: serde_json::Value = serde_json::from_str(&call(b"no_such_op", b"{}")).unwrap();
        assert_eq!(out["ok"], false);
        assert_eq!(out["error"], "op.unknown");
    }

    #[test]
    fn bad_utf8_is_input_invalid() {
        let out: serde_json::Value = serde_json::from_str(&call(b"check", &[0xff, 0xfe])).unwrap();
        assert_eq!(out["ok"], false);
        assert_eq!(out["error"], "input.invalid");
    }

    #[test]
    fn answers_equal_the_facade() {
        let input = br#"{"text":"balances:read:vault:vlt_01"}"#;
        assert_eq!(
            call(b"parse_permission", input),
            credgate_core::facade::call_json(
                "parse_permission",
                std::str::from_utf8(input).unwrap()
            )
        );
    }
    fn value(text: &str) -> serde_json::Value {
        serde_json::from_str(text).unwrap()
    }

    fn jwks() -> serde_json::Value {
        let keys = value(&call(
            b"public_jwks",
            format!(
                r#"{{"signing_keys":[{{"kid":"k1","seed":"{}"}}]}}"#,
                "11".repeat(32)
            )
            .as_bytes(),
        ));
        serde_json::json!({ "keys": keys["keys"] })
    }

    fn verifier_input() -> Vec<u8> {
        serde_json::json!({"jwks": jwks(), "issuer": "https://i.test", "audience": "https://a.test"})
            .to_string()
            .into_bytes()
    }

    fn handle(out: &str) -> u32 {
        let out = value(out);
        assert_eq!(out["outcome"], "result", "{out}");
        u32::try_from(out["handle"].as_u64().unwrap()).unwrap()
    }

    fn error(out: &str) -> String {
        let out = value(out);
        assert_eq!(out["outcome"], "failure", "{out}");
        out["error"].as_str().unwrap().to_owned()
    }

    #[test]
    fn the_table_holds_at_most_max_verifiers_and_says_so() {
        let mut table = Verifiers::new();
        let input = verifier_input();
        let handles: Vec<u32> = (0..MAX_VERIFIERS)
            .map(|_| handle(&table.create(&input)))
            .collect();
        assert_eq!(table.live(), MAX_VERIFIERS);
        let full = value(&table.create(&input));
        assert_eq!(full["error"], "input.invalid");
        assert!(full["message"]
            .as_str()
            .unwrap()
            .contains("64 verifiers are live"));
        // Every handle is distinct, non-zero and a positive i32 (runtimes pass i32 signed).
        let mut sorted = handles.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), MAX_VERIFIERS);
        assert!(handles.iter().all(|&h| h != 0 && i32::try_from(h).is_ok()));
        // Freeing one makes room again.
        assert!(table.free(handles[10]));
        let again = handle(&table.create(&input));
        assert_ne!(again, handles[10], "a reused slot gets a new handle");
        assert_eq!(table.live(), MAX_VERIFIERS);
    }

    #[test]
    fn a_freed_or_made_up_handle_is_input_invalid_never_another_verifier() {
        let mut table = Verifiers::new();
        let input = verifier_input();
        let first = handle(&table.create(&input));
        assert!(table.free(first));
        assert!(!table.free(first), "freed twice");
        // The same slot, used again: the old handle stays dead.
        let second = handle(&table.create(&input));
        assert_eq!(slot_of(first), slot_of(second));
        assert_ne!(first, second);
        for bad in [first, 0, 1, u32::MAX, second ^ (1 << SLOT_BITS), second + 1] {
            assert_eq!(
                error(&table.call(bad, b"cache_stats", b"{}")),
                "input.invalid",
                "{bad}"
            );
            assert!(!table.free(bad), "{bad}");
        }
        let stats = value(&table.call(second, b"cache_stats", b"{}"));
        assert_eq!(stats["outcome"], "result");
        assert_eq!(table.live(), 1);
    }

    #[test]
    fn a_bad_verifier_input_is_a_failure_and_takes_no_slot() {
        let mut table = Verifiers::new();
        assert_eq!(error(&table.create(b"{}")), "input.invalid");
        assert_eq!(error(&table.create(&[0xff])), "input.invalid");
        assert_eq!(
            error(&table.create(br#"{"jwks":5,"issuer":"i","audience":"a"}"#)),
            "jwks.invalid"
        );
        assert_eq!(table.live(), 0);
    }

    #[test]
    fn generations_wrap_without_reaching_zero() {
        let mut table = Verifiers::new();
        let input = verifier_input();
        let h = handle(&table.create(&input));
        assert!(table.free(h));
        table.slots[slot_of(h)].generation = MAX_GENERATION;
        let wrapped = handle(&table.create(&input));
        assert_eq!(wrapped >> SLOT_BITS, 1);
        assert_eq!(
            wrapped, h,
            "generation 1 again, after 2^25 - 1 uses of the slot"
        );
    }

    #[test]
    fn a_held_verifier_answers_like_the_facade() {
        let mut table = Verifiers::new();
        let input = verifier_input();
        let h = handle(&table.create(&input));
        let mut direct = facade::verifier_json(&input).unwrap();
        let request = br#"{"token":"e30.e30.e30","now":1700000000,"client_ip":"10.0.0.1","request":{"type":"audit","action":"read"}}"#;
        assert_eq!(
            table.call(h, b"check", request),
            facade::verifier_call_json(&mut direct, b"check", request)
        );
        assert_eq!(error(&table.call(h, b"frobnicate", b"{}")), "op.unknown");
    }
}
