//! The `credgate` CLI's compiled-code cache, driven as a user would: the real binary,
//! `CREDGATE_CACHE_DIR` (or `XDG_CACHE_HOME`, `HOME`) in temporary folders, and
//! `CREDGATE_CACHE_DEBUG=1` for its `cache: ...` lines on stderr (what it loaded, compiled,
//! wrote, and why). Every run must answer correctly whatever is in the folder.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

const ARGS: [&str; 3] = ["call", "parse_permission", r#"{"text":"vault:read:org"}"#];
/// Magic, format, key: the part of the header that names the module and limits.
const KEY_END: usize = 8 + 4 + 32;
const HEADER_LEN: usize = KEY_END + 8 + 32;

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("credgate-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        TempDir(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Folders chown-ed to another user or made read-only are still removable by us.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn credgate(envs: &[(&str, &Path)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_credgate"));
    cmd.args(args)
        .env_remove("CREDGATE_CACHE_DIR")
        .env_remove("XDG_CACHE_HOME")
        .env("CREDGATE_CACHE_DEBUG", "1");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run credgate")
}

/// One `call` with the cache in `dir`; asserts the answer is right and returns stderr.
fn call(dir: &Path) -> String {
    call_with(&[("CREDGATE_CACHE_DIR", dir)], &ARGS)
}

fn call_with(envs: &[(&str, &Path)], args: &[&str]) -> String {
    let o = credgate(envs, args);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "status {:?}, stderr: {err}", o.status);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["canonical"], "vault:read:org", "{v}");
    err
}

/// A good cache file for the default limits: its name and bytes (compiled once per run).
fn seed() -> &'static (String, Vec<u8>) {
    static SEED: OnceLock<(String, Vec<u8>)> = OnceLock::new();
    SEED.get_or_init(|| {
        let dir = TempDir::new("seed");
        let cache = dir.path("c");
        let err = call(&cache);
        assert!(err.contains("cache: wrote"), "{err}");
        let files = entries(&cache);
        assert_eq!(files.len(), 1, "{files:?}");
        let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
        (name, std::fs::read(&files[0]).unwrap())
    })
}

/// A fresh 0o700 cache folder holding `bytes` (0o600) under the seed's name.
fn folder_with(dir: &TempDir, bytes: &[u8]) -> (PathBuf, PathBuf) {
    let cache = dir.path("c");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
    let file = cache.join(&seed().0);
    std::fs::write(&file, bytes).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    (cache, file)
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

/// The cache file is the seed's, a regular 0o600 file, alone in its folder (no temporary
/// file left behind), and the next run loads it.
fn assert_good_file(cache: &Path) {
    let file = cache.join(&seed().0);
    assert_eq!(entries(cache), vec![file.clone()]);
    let meta = std::fs::symlink_metadata(&file).unwrap();
    assert!(meta.file_type().is_file());
    assert_eq!(meta.mode() & 0o777, 0o600);
    assert!(
        std::fs::read(&file).unwrap() == seed().1,
        "not the good file"
    );
    let err = call(cache);
    assert!(err.contains("cache: loaded"), "{err}");
}

/// Pseudo-random bytes (xorshift), different on every call.
fn noise(len: usize) -> Vec<u8> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let mut x = (nanos as u64) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn the_first_run_writes_a_private_file_in_a_private_folder_and_the_second_loads_it() {
    let dir = TempDir::new("first");
    // Neither the folder nor its parent exists: both are created 0o700.
    let cache = dir.path("new").join("cache");
    let err = call(&cache);
    assert!(err.contains("cache: compiled (no cache file)"), "{err}");
    assert!(err.contains("cache: wrote"), "{err}");
    assert_eq!(mode(&dir.path("new")), 0o700);
    assert_eq!(mode(&cache), 0o700);
    let files = entries(&cache);
    assert_eq!(files.len(), 1, "no temporary file left: {files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    let before = std::fs::metadata(&files[0]).unwrap();
    // The second run loads it, and does not rewrite it (same inode, same mtime).
    let err = call(&cache);
    assert!(err.contains("cache: loaded"), "{err}");
    assert!(!err.contains("compiled"), "{err}");
    let after = std::fs::metadata(&files[0]).unwrap();
    assert_eq!(after.ino(), before.ino());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    // An existing folder is used as it is: 0o755 is not writable by others, and is not
    // chmod-ed.
    let existing = dir.path("existing");
    std::fs::create_dir(&existing).unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = call(&existing);
    assert!(err.contains("cache: wrote"), "{err}");
    assert_eq!(mode(&existing), 0o755);
    assert_good_file(&existing);
}

#[test]
fn xdg_cache_home_and_home_get_private_folders() {
    let dir = TempDir::new("xdg");
    let xdg = dir.path("xdg");
    let err = call_with(&[("XDG_CACHE_HOME", &xdg)], &ARGS);
    assert!(err.contains("cache: wrote"), "{err}");
    assert_eq!(mode(&xdg), 0o700);
    assert_eq!(mode(&xdg.join("credgate")), 0o700);
    assert_good_file_via(&[("XDG_CACHE_HOME", &xdg)], &xdg.join("credgate"));

    let home = dir.path("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o755)).unwrap();
    let err = call_with(&[("HOME", &home)], &ARGS);
    assert!(err.contains("cache: wrote"), "{err}");
    assert_eq!(
        mode(&home),
        0o755,
        "a folder it did not create keeps its mode"
    );
    assert_eq!(mode(&home.join(".cache")), 0o700);
    assert_eq!(mode(&home.join(".cache").join("credgate")), 0o700);
    assert_good_file_via(&[("HOME", &home)], &home.join(".cache").join("credgate"));
}

fn assert_good_file_via(envs: &[(&str, &Path)], cache: &Path) {
    let file = cache.join(&seed().0);
    assert_eq!(entries(cache), vec![file.clone()]);
    assert_eq!(mode(&file), 0o600);
    let err = call_with(envs, &ARGS);
    assert!(err.contains("cache: loaded"), "{err}");
}

#[test]
fn a_damaged_stale_or_forged_file_is_recompiled_and_rewritten() {
    let good = &seed().1;
    let mut flipped_code = good.clone();
    let middle = HEADER_LEN + (good.len() - HEADER_LEN) / 2;
    flipped_code[middle] ^= 0x40;
    let mut flipped_digest = good.clone();
    flipped_digest[HEADER_LEN - 1] ^= 0x01;
    let mut flipped_key = good.clone();
    flipped_key[KEY_END - 1] ^= 0x01;
    let mut newer_format = good.clone();
    newer_format[8] = 2;
    let mut longer = good.clone();
    longer.extend_from_slice(b"tail");
    // Someone who can write the file can recompute the digest: then wasmtime refuses
    // what is not its artifact (and the folder checks keep such writers out).
    let garbage = noise(4096);
    let mut forged = good[..KEY_END].to_vec();
    forged.extend_from_slice(&(garbage.len() as u64).to_le_bytes());
    forged.extend_from_slice(&Sha256::digest(&garbage));
    forged.extend_from_slice(&garbage);
    // A stale or swapped file: another limits' artifact under this name.
    let other = TempDir::new("damaged-other");
    let other_cache = other.path("c");
    let err = call_with(
        &[("CREDGATE_CACHE_DIR", &other_cache)],
        &["--fuel", "0", ARGS[0], ARGS[1], ARGS[2]],
    );
    assert!(err.contains("cache: wrote"), "{err}");
    let swapped = std::fs::read(&entries(&other_cache)[0]).unwrap();
    assert_ne!(&swapped, good);

    let cases: [(&str, Vec<u8>, &str); 11] = [
        ("empty", Vec::new(), "truncated"),
        ("random, same length", noise(good.len()), "bad magic"),
        ("random, short", noise(100), "bad magic"),
        (
            "truncated to half",
            good[..good.len() / 2].to_vec(),
            "length mismatch",
        ),
        (
            "header only",
            good[..HEADER_LEN].to_vec(),
            "length mismatch",
        ),
        ("a longer file", longer, "length mismatch"),
        (
            "a flipped machine-code byte",
            flipped_code,
            "SHA-256 mismatch",
        ),
        ("a flipped digest byte", flipped_digest, "SHA-256 mismatch"),
        ("a flipped key byte", flipped_key, "key mismatch"),
        ("another format", newer_format, "cache format 2"),
        ("another limits' file", swapped, "key mismatch"),
    ];
    for (what, bytes, reason) in cases {
        let dir = TempDir::new("damaged");
        let (cache, _) = folder_with(&dir, &bytes);
        let err = call(&cache);
        assert!(
            err.contains("cache: compiled (") && err.contains(reason),
            "{what}: {err}"
        );
        assert!(err.contains("cache: wrote"), "{what}: {err}");
        assert_good_file(&cache);
    }
    let dir = TempDir::new("forged");
    let (cache, _) = folder_with(&dir, &forged);
    let err = call(&cache);
    assert!(
        err.contains("cache: compiled (wasmtime refused the artifact"),
        "{err}"
    );
    assert_good_file(&cache);
}

#[test]
fn a_folder_writable_by_group_or_world_is_neither_read_nor_written() {
    for folder_mode in [0o770, 0o775, 0o720, 0o702, 0o757, 0o777, 0o1777] {
        let dir = TempDir::new("writable");
        // A good file inside, which must not be loaded either.
        let (cache, file) = folder_with(&dir, &seed().1);
        let before = std::fs::metadata(&file).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(folder_mode)).unwrap();
        let err = call(&cache);
        assert!(
            err.contains("refused: group- or world-writable") && err.contains("not written"),
            "{folder_mode:o}: {err}"
        );
        assert!(!err.contains("cache: loaded"), "{folder_mode:o}: {err}");
        assert_eq!(entries(&cache), vec![file.clone()], "{folder_mode:o}");
        let after = std::fs::metadata(&file).unwrap();
        assert_eq!(after.ino(), before.ino());
        assert_eq!(after.modified().unwrap(), before.modified().unwrap());
        assert_eq!(mode(&cache), folder_mode, "not chmod-ed");
    }
    // An empty one gets nothing written.
    let dir = TempDir::new("writable-empty");
    let cache = dir.path("c");
    std::fs::create_dir(&cache).unwrap();
    std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = call(&cache);
    assert!(err.contains("not written"), "{err}");
    assert!(entries(&cache).is_empty());
}

#[test]
fn a_file_writable_by_group_or_world_is_not_loaded_but_replaced() {
    for file_mode in [0o620, 0o602, 0o666] {
        let dir = TempDir::new("writable-file");
        let (cache, file) = folder_with(&dir, &seed().1);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(file_mode)).unwrap();
        let err = call(&cache);
        assert!(
            err.contains("compiled (cache file refused: group- or world-writable"),
            "{file_mode:o}: {err}"
        );
        assert!(err.contains("cache: wrote"), "{file_mode:o}: {err}");
        assert_good_file(&cache);
    }
}

/// Another uid than ours, for chown.
fn someone_else() -> u32 {
    if rustix::process::geteuid().as_raw() == 65534 {
        65533
    } else {
        65534
    }
}

/// chown to `uid`, or `false` (with a message) when this user may not.
fn chown_or_skip(path: &Path, uid: u32, test: &str) -> bool {
    match std::os::unix::fs::chown(path, Some(uid), None) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("SKIPPED {test}: cannot chown `{}` to uid {uid} ({e}); run the tests as root to cover it", path.display());
            false
        }
    }
}

#[test]
fn a_folder_owned_by_someone_else_is_neither_read_nor_written() {
    let uid = someone_else();
    let dir = TempDir::new("owner");
    let (cache, file) = folder_with(&dir, &seed().1);
    if !chown_or_skip(
        &cache,
        uid,
        "a_folder_owned_by_someone_else_is_neither_read_nor_written",
    ) {
        return;
    }
    let before = std::fs::metadata(&file).unwrap();
    let err = call(&cache);
    assert!(
        err.contains(&format!("refused: owned by uid {uid}")) && err.contains("not written"),
        "{err}"
    );
    assert!(!err.contains("cache: loaded"), "{err}");
    assert_eq!(entries(&cache), vec![file.clone()]);
    assert_eq!(std::fs::metadata(&file).unwrap().ino(), before.ino());
}

#[test]
fn a_file_owned_by_someone_else_is_not_loaded_but_replaced() {
    let uid = someone_else();
    let dir = TempDir::new("file-owner");
    let (cache, file) = folder_with(&dir, &seed().1);
    if !chown_or_skip(
        &file,
        uid,
        "a_file_owned_by_someone_else_is_not_loaded_but_replaced",
    ) {
        return;
    }
    let err = call(&cache);
    assert!(
        err.contains(&format!("compiled (cache file refused: owned by uid {uid}")),
        "{err}"
    );
    assert!(err.contains("cache: wrote"), "{err}");
    assert_eq!(
        std::fs::metadata(&file).unwrap().uid(),
        rustix::process::geteuid().as_raw()
    );
    assert_good_file(&cache);
}

#[test]
fn a_symlink_at_the_file_name_is_not_followed_and_is_replaced() {
    // To a good cache file elsewhere (not loaded through the link), to a file of the
    // user's (not written through), to nowhere (not created).
    for target_bytes in [Some(seed().1.clone()), Some(b"precious".to_vec()), None] {
        let dir = TempDir::new("file-symlink");
        let cache = dir.path("c");
        std::fs::create_dir(&cache).unwrap();
        std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o700)).unwrap();
        let target = dir.path("elsewhere");
        if let Some(bytes) = &target_bytes {
            std::fs::write(&target, bytes).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        symlink(&target, cache.join(&seed().0)).unwrap();
        let err = call(&cache);
        assert!(
            err.contains("compiled (cache file refused: it is a symlink)"),
            "{err}"
        );
        assert!(err.contains("cache: wrote"), "{err}");
        match &target_bytes {
            Some(bytes) => assert!(std::fs::read(&target).unwrap() == *bytes, "target changed"),
            None => assert!(
                std::fs::symlink_metadata(&target).is_err(),
                "target created"
            ),
        }
        assert_good_file(&cache);
    }
}

#[test]
fn a_symlink_or_a_file_as_the_folder_is_refused() {
    let dir = TempDir::new("folder-symlink");
    // A symlink to a good, private folder holding a good file: not used.
    let (real, file) = folder_with(&dir, &seed().1);
    let link = dir.path("link");
    symlink(&real, &link).unwrap();
    let before = std::fs::metadata(&file).unwrap();
    let err = call(&link);
    assert!(
        err.contains("refused: it is a symlink); not written"),
        "{err}"
    );
    assert_eq!(entries(&real), vec![file.clone()]);
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(after.ino(), before.ino());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
    // A symlink to nowhere: nothing is created there.
    let dangling = dir.path("dangling");
    symlink(dir.path("nowhere"), &dangling).unwrap();
    let err = call(&dangling);
    assert!(
        err.contains("refused: it is a symlink); not written"),
        "{err}"
    );
    assert!(std::fs::symlink_metadata(dir.path("nowhere")).is_err());
    // A regular file.
    let plain = dir.path("plain");
    std::fs::write(&plain, b"not a folder").unwrap();
    let err = call(&plain);
    assert!(
        err.contains("refused: not a directory); not written"),
        "{err}"
    );
    assert_eq!(std::fs::read(&plain).unwrap(), b"not a folder");
}

#[test]
fn off_means_off() {
    let dir = TempDir::new("off");
    let cache = dir.path("c");
    let err = call_with(
        &[("CREDGATE_CACHE_DIR", &cache)],
        &["--no-cache", ARGS[0], ARGS[1], ARGS[2]],
    );
    assert!(!err.contains("cache:"), "{err}");
    assert!(!cache.exists());
    let err = call_with(&[("CREDGATE_CACHE_DIR", Path::new("off"))], &ARGS);
    assert!(err.contains("cache: off"), "{err}");
}
