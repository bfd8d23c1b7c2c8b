//! `credgate-abi`: the credgate engine as a WebAssembly module with a tiny C-style ABI.
//!
//! Built for `wasm32-unknown-unknown`, the module imports nothing (time and entropy come
//! in the input) and exports its linear memory plus four functions:
//!
//! | export | signature | what it does |
//! |---|---|---|
//! | `credgate_abi_version` | `() -> i32` | the ABI version, [`ABI_VERSION`] |
//! | `credgate_alloc` | `(len: i32) -> i32` | allocates `len` bytes, returns the pointer (0 when out of memory) |
//! | `credgate_free` | `(ptr: i32, len: i32)` | frees a buffer from `credgate_alloc` or an output of `credgate_call` |
//! | `credgate_call` | `(op_ptr, op_len, in_ptr, in_len: i32) -> i64` | runs one operation: UTF-8 op name + UTF-8 JSON input in, `ptr << 32 \| len` of the JSON output out |
//!
//! Every answer comes from `credgate_core::facade::call_json`; this crate decides nothing.
//! `host-wasmtime/ABI.md` is the full contract (ownership, packing, errors, versioning).

/// The ABI version this module speaks. Bumped only on an incompatible change of the four
/// exports; new operations do not change it.
pub const ABI_VERSION: u32 = 1;

/// Runs one operation on the bytes the host wrote: the façade's JSON text in and out.
/// Bytes that are not UTF-8 are failures in the façade's shape, like any bad input.
pub fn call(op: &[u8], input: &[u8]) -> String {
    credgate_core::facade::call_json_bytes(op, input)
}

#[cfg(target_arch = "wasm32")]
mod exports {
    //! The raw exports. Pointers are guest addresses (wasm32: `usize` is 32 bits).

    use std::alloc::{alloc, dealloc, Layout};

    fn layout(len: u32) -> Option<Layout> {
        Layout::from_size_align(usize::try_from(len).ok()?.max(1), 1).ok()
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

    /// Frees a buffer returned by `credgate_alloc(len)` or an output of `credgate_call`
    /// (with the length packed in its result). A null pointer is ignored.
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
        let slice = |ptr: u32, len: u32| -> &'static [u8] {
            if len == 0 {
                return &[];
            }
            // SAFETY: the caller guarantees the range lies in linear memory; it is read
            // only during this call.
            unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
        };
        let out = super::call(slice(op_ptr, op_len), slice(in_ptr, in_len));
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
}
