//! Embeds the guest module (`credgate_abi.wasm`) into the host, if it has been built.
//!
//! The Makefile builds the guest first (see `wasmtime.mk`: the `wasm-wide` build) and
//! passes its path in `CREDGATE_ABI_WASM`. Without that variable, the default locations in
//! the workspace target directory are tried: `wasm-wide/`, then `wasm-abi/`. When no module is found, the host still builds (so `cargo clippy`
//! and `cargo check` work anywhere), `CredgateModule::embedded()` returns
//! `HostError::NoEmbeddedModule`, and a warning says how to fix it.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=CREDGATE_ABI_WASM");
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");
    let path = match std::env::var_os("CREDGATE_ABI_WASM") {
        Some(p) => PathBuf::from(p),
        None => {
            let target = match std::env::var_os("CARGO_TARGET_DIR") {
                Some(t) => PathBuf::from(t),
                None => {
                    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
                    PathBuf::from(manifest).join("..").join("target")
                }
            };
            // The wide-arithmetic build the Makefile embeds, else the portable one.
            let dir = target.join("wasm32-unknown-unknown");
            let wide = dir.join("wasm-wide").join("credgate_abi.wasm");
            println!("cargo:rerun-if-changed={}", wide.display());
            if wide.is_file() {
                wide
            } else {
                dir.join("wasm-abi").join("credgate_abi.wasm")
            }
        }
    };
    println!("cargo:rerun-if-changed={}", path.display());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let embedded = out.join("embedded.rs");
    let code = match std::fs::canonicalize(&path) {
        Ok(abs) if abs.is_file() => format!(
            "/// The guest module embedded at build time.\npub const WASM: Option<&[u8]> = Some(include_bytes!({:?}));\n",
            abs.display().to_string()
        ),
        _ => {
            println!(
                "cargo:warning=credgate-wasmtime: no guest module at {} — build it first \
                 (`make build-wasmtime`); this build embeds none",
                path.display()
            );
            "/// No guest module was found at build time.\npub const WASM: Option<&[u8]> = None;\n"
                .to_string()
        }
    };
    if let Err(e) = std::fs::write(&embedded, code) {
        println!(
            "cargo:warning=credgate-wasmtime: cannot write {}: {e}",
            embedded.display()
        );
        std::process::exit(1);
    }
}
