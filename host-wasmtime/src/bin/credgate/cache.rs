//! A per-user cache of the embedded module's compiled machine code, so that each `credgate`
//! command starts in milliseconds instead of compiling the module (about a second).
//!
//! Only the module embedded in this binary is cached (never a `--module` file), under
//! `$CREDGATE_CACHE_DIR`, else `$XDG_CACHE_HOME/credgate`, else `~/.cache/credgate`.
//! `--no-cache` or `CREDGATE_CACHE_DIR=off` turns it off. `CREDGATE_CACHE_DEBUG=1` prints
//! what it did and why on stderr (`cache: loaded PATH`, `cache: compiled (REASON)`,
//! `cache: wrote PATH`, `cache: not written (ERROR)`).
//!
//! Loading the file is loading machine code into this process (wasmtime's
//! `Module::deserialize` is `unsafe`): whoever controls the bytes runs code as the user,
//! outside the WebAssembly sandbox, and a damaged file crashes the process (SIGILL,
//! SIGSEGV). So nothing is loaded unless all of these hold, and anything else falls back
//! to compiling the embedded module (and, where the folder is trusted, rewriting the file):
//!
//! - **Integrity.** The file is a header — magic, format version, a key, the artifact's
//!   length and its SHA-256 — followed by wasmtime's artifact. The key is the SHA-256 of
//!   the embedded module's bytes, the limits (they change the machine code), this crate's
//!   version and the CPU architecture; its first 8 bytes name the file, and all 32 are
//!   stored in it and compared. Length, key and digest are checked before wasmtime sees a
//!   byte. This catches corruption, truncation (a full disk, a crash of some other
//!   writer), and a stale or swapped file (another version, module or limits). It does
//!   *not* stop someone who can write the file: they can recompute the digest and the key
//!   (nothing here is secret). That is why the next check exists.
//! - **Ownership and permissions (Unix).** The folder and the file must not be symlinks,
//!   must be owned by the effective user, and must not be group- or world-writable
//!   (`mode & 0o022 == 0`); the file must be a regular file, opened with `O_NOFOLLOW` and
//!   checked again on the open handle (what is read is what was checked). A folder that
//!   fails is not used at all: no read, no write. A file that fails is not loaded; the
//!   rewrite replaces the name (never writes through it). A missing folder is created
//!   with mode 0o700 (with any missing parents, e.g. `~/.cache`); existing folders are
//!   never chmod-ed. Parents of the cache folder are not checked: someone who can rename
//!   entries in them can swap the folder, but not for one that passes the checks above
//!   (they cannot create files owned by the user), and a swapped-in folder of the user's
//!   own holds only files the user wrote, which the digest and key then vet.
//! - **Atomic writes that follow no symlink.** A new file is written under a fresh,
//!   unpredictable temporary name (pid, a counter, the clock's nanoseconds) opened with
//!   `create_new` (`O_CREAT | O_EXCL`: never an existing file or symlink), `O_NOFOLLOW` and
//!   mode 0o600, synced, then renamed over the final name. `rename` replaces whatever entry
//!   is at the destination, a symlink included, without following it; a reader sees the
//!   old file or the new one, never half of one.
//!
//! Not Unix: ownership and permissions cannot be checked with the standard library, so
//! the cache is off and every command compiles.
//!
//! wasmtime itself also refuses an artifact from another wasmtime version, configuration
//! or CPU (an error, also a fallback to compiling).

use credgate_wasmtime::{CredgateModule, HostError, Limits};

/// The embedded module, from the cache when possible.
pub fn embedded(limits: Limits) -> Result<CredgateModule, HostError> {
    #[cfg(unix)]
    {
        checked::embedded(limits)
    }
    #[cfg(not(unix))]
    {
        if debug_enabled() {
            eprintln!("cache: off (file ownership cannot be checked on this platform)");
        }
        CredgateModule::embedded(limits)
    }
}

/// `CREDGATE_CACHE_DEBUG=1`: say on stderr what the cache did and why.
fn debug_enabled() -> bool {
    std::env::var_os("CREDGATE_CACHE_DEBUG").is_some_and(|v| v == "1")
}

#[cfg(unix)]
mod checked {
    use std::fs::{File, Metadata, OpenOptions};
    use std::io::{self, Read, Write};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    use credgate_wasmtime::{CredgateModule, HostError, Limits};
    use sha2::{Digest, Sha256};

    /// The first bytes of every cache file.
    pub(super) const MAGIC: [u8; 8] = *b"CGCWASM\0";
    /// The layout below; a file of another format is recompiled.
    const FORMAT: u32 = 1;
    /// Magic, format (u32 LE), key (32), artifact length (u64 LE), artifact SHA-256 (32).
    pub(super) const HEADER_LEN: usize = 8 + 4 + 32 + 8 + 32;
    /// Larger files are not read (the artifact is a few MiB).
    const MAX_FILE_BYTES: u64 = 1 << 30;
    /// Attempts at a fresh temporary name before giving up on writing.
    const TEMP_ATTEMPTS: usize = 8;

    type Key = [u8; 32];

    struct Log(bool);

    impl Log {
        fn say(&self, line: std::fmt::Arguments<'_>) {
            if self.0 {
                eprintln!("cache: {line}");
            }
        }
    }

    pub(super) fn embedded(limits: Limits) -> Result<CredgateModule, HostError> {
        let log = Log(super::debug_enabled());
        let Some(wasm) = credgate_wasmtime::embedded_wasm() else {
            return Err(HostError::NoEmbeddedModule);
        };
        let Some(dir) = cache_dir() else {
            log.say(format_args!("off"));
            return CredgateModule::from_bytes(wasm, limits);
        };
        let euid = effective_uid();
        if let Err(reason) = prepare_dir(&dir, euid) {
            log.say(format_args!(
                "compiled (folder `{}` refused: {reason}); not written",
                dir.display()
            ));
            return CredgateModule::from_bytes(wasm, limits);
        }
        let key = key(wasm, &limits);
        let name = file_name(&key);
        let path = dir.join(&name);
        let reason = match load(&path, &key, &limits, euid) {
            Ok(module) => {
                log.say(format_args!("loaded {}", path.display()));
                return Ok(module);
            }
            Err(reason) => reason,
        };
        log.say(format_args!("compiled ({reason})"));
        let module = CredgateModule::from_bytes(wasm, limits)?;
        // A cache that cannot be written is only slower.
        match module.precompile() {
            Ok(artifact) => match store(&dir, &name, &encode(&key, &artifact)) {
                Ok(()) => log.say(format_args!("wrote {}", path.display())),
                Err(e) => log.say(format_args!("not written ({e})")),
            },
            Err(e) => log.say(format_args!("not written ({e})")),
        }
        Ok(module)
    }

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

    /// The effective user id, which must own the folder and the file.
    ///
    /// Read with `rustix::process::geteuid`, a safe wrapper of a system call that cannot
    /// fail; rustix is already in this binary (wasmtime depends on it, same version in
    /// Cargo.lock). The alternative — create a file in the folder and read its owner —
    /// would write into a folder before it has been vetted and would not work in a folder
    /// that cannot be written.
    fn effective_uid() -> u32 {
        rustix::process::geteuid().as_raw()
    }

    /// Ownership and permissions shared by the folder and the file.
    fn owned_and_private(meta: &Metadata, euid: u32) -> Result<(), String> {
        if meta.file_type().is_symlink() {
            return Err("it is a symlink".into());
        }
        if meta.uid() != euid {
            return Err(format!("owned by uid {}, not by uid {euid}", meta.uid()));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(format!("group- or world-writable (mode {mode:04o})"));
        }
        Ok(())
    }

    /// Creates the folder (mode 0o700, with missing parents) when nothing is at its name,
    /// then checks it. Existing folders keep their mode.
    fn prepare_dir(dir: &Path, euid: u32) -> Result<(), String> {
        match std::fs::symlink_metadata(dir) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| format!("cannot create it: {e}"))?,
            Err(e) => return Err(format!("cannot inspect it: {e}")),
        }
        // lstat: a symlink is seen as one, not as its target.
        let meta = std::fs::symlink_metadata(dir).map_err(|e| format!("cannot inspect it: {e}"))?;
        owned_and_private(&meta, euid)?;
        if !meta.is_dir() {
            return Err("not a directory".into());
        }
        Ok(())
    }

    /// SHA-256 over the embedded module, the limits, this crate's version and the CPU
    /// architecture, each length-prefixed.
    pub(super) fn key(wasm: &[u8], limits: &Limits) -> Key {
        let limits = format!("{limits:?}");
        let mut h = Sha256::new();
        h.update(b"credgate compiled-module cache key\0");
        for part in [
            wasm,
            limits.as_bytes(),
            env!("CARGO_PKG_VERSION").as_bytes(),
            std::env::consts::ARCH.as_bytes(),
        ] {
            h.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_le_bytes());
            h.update(part);
        }
        h.finalize().into()
    }

    fn file_name(key: &Key) -> String {
        let short: String = key.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("credgate-{}-{short}.cwasm", env!("CARGO_PKG_VERSION"))
    }

    pub(super) fn encode(key: &Key, artifact: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN.saturating_add(artifact.len()));
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(
            &u64::try_from(artifact.len())
                .unwrap_or(u64::MAX)
                .to_le_bytes(),
        );
        out.extend_from_slice(&Sha256::digest(artifact));
        out.extend_from_slice(artifact);
        out
    }

    fn take<const N: usize>(bytes: &mut &[u8]) -> Option<[u8; N]> {
        let (head, rest) = bytes.split_first_chunk::<N>()?;
        *bytes = rest;
        Some(*head)
    }

    /// The artifact inside a cache file, once its header, length, key and digest check out.
    pub(super) fn decode<'a>(file: &'a [u8], key: &Key) -> Result<&'a [u8], String> {
        let mut rest = file;
        let truncated = || format!("truncated: {} bytes, no full header", file.len());
        if take::<8>(&mut rest).ok_or_else(truncated)? != MAGIC {
            return Err("not a credgate cache file (bad magic)".into());
        }
        let format = u32::from_le_bytes(take(&mut rest).ok_or_else(truncated)?);
        if format != FORMAT {
            return Err(format!("cache format {format}, expected {FORMAT}"));
        }
        if take::<32>(&mut rest).ok_or_else(truncated)? != *key {
            return Err("key mismatch (another module, limits or version)".into());
        }
        let len = u64::from_le_bytes(take(&mut rest).ok_or_else(truncated)?);
        let digest = take::<32>(&mut rest).ok_or_else(truncated)?;
        if u64::try_from(rest.len()).ok() != Some(len) {
            return Err(format!(
                "length mismatch: the header says {len} bytes, the file holds {}",
                rest.len()
            ));
        }
        if Sha256::digest(rest).as_slice() != digest {
            return Err("SHA-256 mismatch (the artifact was modified)".into());
        }
        Ok(rest)
    }

    /// The cached module, or why not.
    fn load(path: &Path, key: &Key, limits: &Limits, euid: u32) -> Result<CredgateModule, String> {
        match std::fs::symlink_metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err("no cache file".into()),
            Err(e) => return Err(format!("cannot inspect the cache file: {e}")),
            Ok(meta) => owned_and_private(&meta, euid)
                .map_err(|reason| format!("cache file refused: {reason}"))?,
        }
        // O_NOFOLLOW: a symlink swapped in since the lstat is an error, not followed;
        // O_NONBLOCK: a FIFO at the name does not hang the open (no effect on files).
        let mut file = OpenOptions::new()
            .read(true)
            .custom_flags(open_flags(
                rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK,
            ))
            .open(path)
            .map_err(|e| format!("cannot open the cache file: {e}"))?;
        // The checks that count: on the handle that is read.
        let meta = file
            .metadata()
            .map_err(|e| format!("cannot inspect the cache file: {e}"))?;
        owned_and_private(&meta, euid).map_err(|reason| format!("cache file refused: {reason}"))?;
        if !meta.is_file() {
            return Err("cache file refused: not a regular file".into());
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!("cache file refused: {} bytes", meta.len()));
        }
        let mut bytes = Vec::new();
        (&mut file)
            .take(MAX_FILE_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read the cache file: {e}"))?;
        let artifact = decode(&bytes, key)?;
        #[expect(
            unsafe_code,
            reason = "loading machine code this binary compiled from its own embedded module, \
                      after checking its SHA-256, its key and who can write it"
        )]
        // SAFETY: `artifact` is what `precompile` of this binary's embedded module, with these
        // limits, produced: its length and SHA-256 match the header, and the header's key is
        // this binary's (module bytes, limits, version, architecture), so it is neither
        // damaged nor stale nor another module's. Only the effective user (or root) can have
        // written it: the file, opened without following symlinks, and its folder are owned
        // by that user and writable by no one else — the trust model of wasmtime's own cache.
        // wasmtime additionally refuses a version, configuration or CPU mismatch.
        let loaded = unsafe { CredgateModule::from_precompiled(artifact, limits.clone()) };
        loaded.map_err(|e| format!("wasmtime refused the artifact: {e}"))
    }

    /// `OFlags` as `custom_flags` wants them (the kernel's values; they fit in an `i32`).
    fn open_flags(flags: rustix::fs::OFlags) -> i32 {
        i32::try_from(flags.bits()).unwrap_or(0)
    }

    /// Temporary names no other process and no earlier run can have predicted.
    fn temp_names(name: &str) -> impl Iterator<Item = String> + '_ {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        (0..TEMP_ATTEMPTS).map(move |_| {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            format!(".{name}.{pid}-{n}-{nanos}.tmp")
        })
    }

    fn store(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
        store_with(dir, name, bytes, temp_names(name))
    }

    /// Writes `bytes` under the first of `temps` that can be created new, then renames it
    /// to `name`. An existing entry at a temporary name (a file, a symlink) is skipped,
    /// never opened.
    pub(super) fn store_with(
        dir: &Path,
        name: &str,
        bytes: &[u8],
        temps: impl IntoIterator<Item = String>,
    ) -> io::Result<()> {
        let mut last = io::Error::new(io::ErrorKind::AlreadyExists, "no temporary name");
        for temp in temps {
            let tmp = dir.join(temp);
            match create_private(&tmp) {
                Ok(file) => return finish(file, &tmp, dir, &dir.join(name), bytes),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// A new file, mode 0o600: `create_new` fails on any existing entry (symlinks included,
    /// `O_EXCL` does not follow them), `O_NOFOLLOW` says so twice.
    pub(super) fn create_private(path: &Path) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(open_flags(rustix::fs::OFlags::NOFOLLOW))
            .open(path)
    }

    fn finish(mut file: File, tmp: &Path, dir: &Path, dest: &Path, bytes: &[u8]) -> io::Result<()> {
        let written = file
            .write_all(bytes)
            .and_then(|()| file.sync_all())
            .and_then(|()| std::fs::rename(tmp, dest));
        if written.is_err() {
            let _ = std::fs::remove_file(tmp);
        }
        written?;
        // Make the rename itself durable (best effort).
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(all(test, unix))]
#[allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]
mod tests {
    use super::checked::{create_private, decode, encode, key, store_with, HEADER_LEN, MAGIC};
    use credgate_wasmtime::Limits;
    use std::os::unix::fs::{symlink, PermissionsExt};
    use std::path::PathBuf;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("credgate-cache-unit-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn encode_then_decode_and_every_mismatch() {
        let k = key(b"module", &Limits::default());
        let file = encode(&k, b"machine code");
        assert_eq!(&file[..8], &MAGIC);
        assert_eq!(decode(&file, &k).unwrap(), b"machine code");
        // Other limits, other module: other keys.
        let no_fuel = Limits {
            fuel_per_call: None,
            ..Limits::default()
        };
        assert_ne!(key(b"module", &no_fuel), k);
        assert_ne!(key(b"module!", &Limits::default()), k);
        assert!(decode(&file, &key(b"module!", &Limits::default()))
            .unwrap_err()
            .contains("key mismatch"));
        // Truncated anywhere, extended, flipped anywhere: refused.
        for cut in [0, 7, HEADER_LEN - 1, HEADER_LEN, file.len() - 1] {
            assert!(decode(&file[..cut], &k).is_err(), "cut at {cut}");
        }
        let mut longer = file.clone();
        longer.push(0);
        assert!(decode(&longer, &k).unwrap_err().contains("length mismatch"));
        for i in 0..file.len() {
            let mut bad = file.clone();
            bad[i] ^= 0x01;
            assert!(decode(&bad, &k).is_err(), "flipped byte {i}");
        }
    }

    #[test]
    fn a_symlink_at_a_temporary_name_is_skipped_not_followed() {
        let dir = TempDir::new("temp-symlink");
        let target = dir.0.join("target");
        std::fs::write(&target, b"precious").unwrap();
        let cache = dir.0.join("cache");
        std::fs::create_dir(&cache).unwrap();
        symlink(&target, cache.join("planted.tmp")).unwrap();
        // The planted name cannot be created new, in any case.
        assert!(create_private(&cache.join("planted.tmp")).is_err());
        store_with(
            &cache,
            "final.cwasm",
            b"new bytes",
            ["planted.tmp".to_owned(), "fresh.tmp".to_owned()],
        )
        .unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
        assert_eq!(
            std::fs::read(cache.join("final.cwasm")).unwrap(),
            b"new bytes"
        );
        let mode = std::fs::metadata(cache.join("final.cwasm"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!cache.join("fresh.tmp").exists());
        // Only planted names: nothing is written, nothing followed.
        assert!(store_with(&cache, "other.cwasm", b"x", ["planted.tmp".to_owned()]).is_err());
        assert!(!cache.join("other.cwasm").exists());
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    }

    #[test]
    fn a_symlink_at_the_final_name_is_replaced_not_followed() {
        let dir = TempDir::new("final-symlink");
        let target = dir.0.join("target");
        std::fs::write(&target, b"precious").unwrap();
        let cache = dir.0.join("cache");
        std::fs::create_dir(&cache).unwrap();
        symlink(&target, cache.join("final.cwasm")).unwrap();
        store_with(&cache, "final.cwasm", b"new bytes", ["t1".to_owned()]).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
        let meta = std::fs::symlink_metadata(cache.join("final.cwasm")).unwrap();
        assert!(meta.file_type().is_file());
        assert_eq!(
            std::fs::read(cache.join("final.cwasm")).unwrap(),
            b"new bytes"
        );
    }
}
