//! A per-user cache of the embedded module's compiled machine code, so that each `credgate`
//! command starts in milliseconds instead of compiling the module (about a second).
//!
//! Only the module embedded in this binary is cached (never a `--module` file), under
//! `$CREDGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/credgate`, else `~/.cache/credgate`; the file
//! name carries this binary's version and a hash of the module bytes and the limits (which
//! change the machine code). Files are written to a temporary name and renamed, so a reader
//! never sees half a file. Anything that goes wrong (no directory, unreadable or stale
//! file, a wasmtime version or CPU mismatch that wasmtime refuses) falls back to compiling.
//! `--no-cache` or `CREDGATE_CACHE_DIR=off` turns it off.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use credgate_wasmtime::{CredgateModule, HostError, Limits};

fn cache_dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("CREDGATE_CACHE_DIR") {
        return (dir != "off").then(|| PathBuf::from(dir));
    }
    if let Some(xdg) = var("XDG_CACHE_HOME") {
        return Some(PathBuf::from(xdg).join("credgate"));
    }
    var("HOME").map(|home| PathBuf::from(home).join(".cache").join("credgate"))
}

fn key(wasm: &[u8], limits: &Limits) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    wasm.hash(&mut h);
    format!("{limits:?}").hash(&mut h);
    h.finish()
}

fn store(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// The embedded module, from the cache when possible.
pub fn embedded(limits: Limits) -> Result<CredgateModule, HostError> {
    let Some(wasm) = credgate_wasmtime::embedded_wasm() else {
        return Err(HostError::NoEmbeddedModule);
    };
    let Some(dir) = cache_dir() else {
        return CredgateModule::from_bytes(wasm, limits);
    };
    let path = dir.join(format!(
        "credgate-{}-{:016x}.cwasm",
        env!("CARGO_PKG_VERSION"),
        key(wasm, &limits)
    ));
    if let Ok(bytes) = std::fs::read(&path) {
        #[expect(
            unsafe_code,
            reason = "loading machine code this binary compiled from its own embedded module \
                      into the user's own cache directory (the trust model of wasmtime's cache)"
        )]
        // SAFETY: the file was written by `precompile` of the embedded module (same bytes and
        // limits, by its name), atomically; wasmtime refuses a version/config/CPU mismatch.
        let loaded = unsafe { CredgateModule::from_precompiled(&bytes, limits.clone()) };
        if let Ok(module) = loaded {
            return Ok(module);
        }
    }
    let module = CredgateModule::from_bytes(wasm, limits)?;
    if let Ok(bytes) = module.precompile() {
        // A cache that cannot be written is only slower.
        let _ = store(&dir, &path, &bytes);
    }
    Ok(module)
}
