//! The host's clock and entropy: the only place the package reads either. The core never
//! does; a call that leaves out `now` (or `jti` / `entropy`) gets them from here, and every
//! such call accepts them explicitly, for tests and for replaying a decision.

/// Unix time in whole seconds, from `Date.now()`.
pub fn now() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

#[cfg(feature = "full")]
pub use random::random_hex;

#[cfg(feature = "full")]
mod random {
    use credgate_core::codes::Code;
    use credgate_core::facade::Failure;
    use wasm_bindgen::prelude::*;

    use crate::CallResult;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
        fn get_random_values(buffer: &mut [u8]) -> Result<JsValue, JsValue>;
    }

    /// `len` bytes from `crypto.getRandomValues`, as lowercase hex.
    pub fn random_hex(len: usize) -> CallResult<String> {
        let mut bytes = vec![0u8; len];
        get_random_values(&mut bytes).map_err(|_| {
            Failure::new(
                Code::EntropyInsufficient,
                "crypto.getRandomValues is not available here: pass the random bytes explicitly",
            )
        })?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}
