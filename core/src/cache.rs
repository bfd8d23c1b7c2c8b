//! The verified-token cache of a [`Verifier`](crate::token::Verifier): tokens that passed
//! every check, with their parsed claims (and so their compiled permission set and
//! allowlist), so a client sending the same Bearer token with every request pays for the
//! parsing and the Ed25519 signature once.
//!
//! This module owns only the bounded store: keyed by the whole token, compared in full
//! (the map's hash is only the index), bounded in entries and in bytes, the least recently
//! used out first (CLOCK, second chance), with counters a host can read. It never decides
//! whether a token is valid, never stores a failure and never reads a clock: the verifier
//! re-checks `exp`, `nbf`, `iat`, issuer, audience and revocation on every hit with the
//! `now` of that call (docs/CACHE.md), so a cached answer is the answer verification gives.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::token::Claims;

/// How much a verifier's cache may hold. Either limit at 0 turns the cache off; a limit left
/// out of the JSON form takes its [`CacheLimits::DEFAULT`] value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, expecting = "an object with `max_entries` and/or `max_bytes`")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CacheLimits {
    /// The most tokens held.
    pub max_entries: usize,
    /// The most bytes held, estimated as [`entry_bytes`] per token.
    pub max_bytes: usize,
}

impl CacheLimits {
    /// The default: 1,024 tokens, 4 MiB. A token is typically 0.5–1 KB, so the entry limit
    /// binds first; the byte limit bounds a cache of large tokens (up to 8 KB each).
    pub const DEFAULT: Self = Self {
        max_entries: 1024,
        max_bytes: 4 << 20,
    };

    /// No cache: every call verifies the signature.
    pub const DISABLED: Self = Self {
        max_entries: 0,
        max_bytes: 0,
    };

    /// Whether these are the default limits.
    pub fn is_default(&self) -> bool {
        *self == Self::DEFAULT
    }

    /// Whether anything can be held.
    pub fn enabled(self) -> bool {
        self.max_entries > 0 && self.max_bytes > 0
    }
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// What a cache has done since it was made: counters for a host's metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CacheStats {
    /// Lookups that found the token.
    pub hits: u64,
    /// Lookups that did not (each one then verified the token in full).
    pub misses: u64,
    /// Tokens dropped to stay within the limits, or because they had expired.
    pub evictions: u64,
    /// Tokens held now.
    pub entries: usize,
    /// Estimated bytes held now.
    pub bytes: usize,
}

/// Fixed overhead counted per entry: the map slots, the recency entry, the claims' struct
/// and their compiled permission set and allowlist headers.
const ENTRY_OVERHEAD_BYTES: usize = 512;

/// The bytes a token is counted for: the token text, held once, plus its claims, which are
/// decoded from it and so at most as large again, plus [`ENTRY_OVERHEAD_BYTES`].
pub fn entry_bytes(token: &str) -> usize {
    token
        .len()
        .saturating_mul(2)
        .saturating_add(ENTRY_OVERHEAD_BYTES)
}

/// The index's hash of a token: its length and its last [`TAIL_BYTES`] bytes, folded.
///
/// A token ends with its Ed25519 signature in base64url, and only tokens that verified are
/// inserted, so the tail of every key is unpredictable to anyone without the signing key:
/// nobody can choose what lands in one bucket, and hashing 32 bytes instead of the whole
/// token (0.5–8 KB, twice per miss) keeps the cache off the uncached path's bill. A lookup
/// always compares the whole text; a token that shares a tail costs one comparison.
/// Deterministic, like the rest of the core (no random keys).
#[derive(Default)]
struct TailHasher(u64);

/// How many final bytes of a token [`TailHasher`] reads: 24 bytes of signature entropy.
const TAIL_BYTES: usize = 32;

impl Hasher for TailHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let tail = bytes
            .get(bytes.len().saturating_sub(TAIL_BYTES)..)
            .unwrap_or(bytes);
        let mut h = self.0 ^ (bytes.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for chunk in tail.chunks(8) {
            let mut word = [0u8; 8];
            word.iter_mut().zip(chunk).for_each(|(w, b)| *w = *b);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517C_C1B7_2722_0A95);
        }
        self.0 = h;
    }
}

type IndexHasher = BuildHasherDefault<TailHasher>;

#[derive(Debug)]
struct Slot {
    token: Arc<str>,
    claims: Arc<Claims>,
    bytes: usize,
    /// Set by every hit, cleared as the eviction hand passes: the second chance.
    referenced: bool,
}

/// The store itself. A [`Verifier`](crate::token::Verifier) holds one behind a lock.
///
/// Eviction is CLOCK (second chance), the usual approximation of least-recently-used: a
/// hand sweeps the slots, sparing (once) every token used since it last passed. Exact LRU
/// bookkeeping (a `BTreeMap` of use stamps) measured 3.4 KB more of the gzipped edge module
/// and two map updates per hit; a hit here only sets a flag.
#[derive(Debug)]
pub(crate) struct TokenCache {
    limits: CacheLimits,
    index: HashMap<Arc<str>, usize, IndexHasher>,
    slots: Vec<Option<Slot>>,
    free: Vec<usize>,
    hand: usize,
    bytes: usize,
    hits: u64,
    misses: u64,
    evictions: u64,
}

impl TokenCache {
    pub(crate) fn new(limits: CacheLimits) -> Self {
        Self {
            limits,
            index: HashMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            hand: 0,
            bytes: 0,
            hits: 0,
            misses: 0,
            evictions: 0,
        }
    }

    pub(crate) fn limits(&self) -> CacheLimits {
        self.limits
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits,
            misses: self.misses,
            evictions: self.evictions,
            entries: self.index.len(),
            bytes: self.bytes,
        }
    }

    /// The claims held for exactly `token`, marked as used.
    pub(crate) fn get(&mut self, token: &str) -> Option<Arc<Claims>> {
        if !self.limits.enabled() {
            return None;
        }
        let slot = self
            .index
            .get(token)
            .and_then(|&at| self.slots.get_mut(at))
            .and_then(Option::as_mut);
        match slot {
            Some(slot) => {
                slot.referenced = true;
                self.hits += 1;
                Some(Arc::clone(&slot.claims))
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    /// Holds `claims` for `token` (a token that has just passed every check), evicting
    /// tokens until the limits hold. A token larger than the whole byte limit is not held.
    pub(crate) fn insert(&mut self, token: &str, claims: Arc<Claims>) {
        let bytes = entry_bytes(token);
        if !self.limits.enabled() || bytes > self.limits.max_bytes {
            return;
        }
        // Two threads may verify the same token at once; the second insert replaces.
        self.remove(token);
        while self.index.len() >= self.limits.max_entries
            || self.bytes.saturating_add(bytes) > self.limits.max_bytes
        {
            if !self.evict_one() {
                break;
            }
        }
        let token: Arc<str> = Arc::from(token);
        let slot = Slot {
            token: Arc::clone(&token),
            claims,
            bytes,
            referenced: false,
        };
        let at = match self.free.pop() {
            Some(at) => {
                if let Some(place) = self.slots.get_mut(at) {
                    *place = Some(slot);
                }
                at
            }
            None => {
                self.slots.push(Some(slot));
                self.slots.len() - 1
            }
        };
        self.index.insert(token, at);
        self.bytes += bytes;
    }

    /// Moves the hand to the first token not used since the hand last passed it, and
    /// evicts it. At most two sweeps: the first clears every flag it passes.
    fn evict_one(&mut self) -> bool {
        let sweep = self.slots.len().saturating_mul(2);
        for _ in 0..sweep {
            if self.hand >= self.slots.len() {
                self.hand = 0;
            }
            let at = self.hand;
            self.hand += 1;
            let victim = match self.slots.get_mut(at) {
                Some(Some(slot)) if slot.referenced => {
                    slot.referenced = false;
                    None
                }
                Some(Some(slot)) => Some(Arc::clone(&slot.token)),
                _ => None,
            };
            if let Some(token) = victim {
                self.remove(&token);
                self.evictions += 1;
                return true;
            }
        }
        false
    }

    /// Drops `token` if held (without counting an eviction).
    fn remove(&mut self, token: &str) -> bool {
        let Some(at) = self.index.remove(token) else {
            return false;
        };
        if let Some(slot) = self.slots.get_mut(at).and_then(Option::take) {
            self.bytes -= slot.bytes;
        }
        self.free.push(at);
        true
    }

    /// Drops a token that can never verify again (it has expired), counted as an eviction.
    pub(crate) fn evict(&mut self, token: &str) {
        if self.remove(token) {
            self.evictions += 1;
        }
    }

    /// Drops everything (the key set or the revocation list changed); counters stay.
    pub(crate) fn clear(&mut self) {
        self.index.clear();
        self.slots.clear();
        self.free.clear();
        self.hand = 0;
        self.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authorize::PermissionSet;
    use crate::ip::Allowlist;
    use crate::token::{IssueParams, IssueTime};
    use crate::vocabulary::Environment;

    fn claims(jti: &str) -> Arc<Claims> {
        let params = IssueParams {
            issuer: "https://issuer.example",
            audience: "api",
            client_id: "cli_1",
            org: "org_1",
            env: Environment::Sandbox,
            now: IssueTime::new(1_000).unwrap(),
            jti,
            not_after: None,
        };
        Arc::new(Claims::issue(
            &params,
            PermissionSet::new(Vec::new()),
            Allowlist::parse(&["10.0.0.0/8"]).unwrap(),
        ))
    }

    #[test]
    fn a_token_is_found_only_by_its_whole_text() {
        let mut cache = TokenCache::new(CacheLimits::DEFAULT);
        cache.insert("aaa.bbb.ccc", claims("one"));
        assert_eq!(cache.get("aaa.bbb.ccc").unwrap().jti, "one");
        assert!(cache.get("aaa.bbb.cc").is_none());
        assert!(cache.get("aaa.bbb.cccd").is_none());
        let stats = cache.stats();
        assert_eq!((stats.hits, stats.misses, stats.entries), (1, 2, 1));
    }

    #[test]
    fn a_token_used_since_the_hand_passed_is_spared() {
        let limits = CacheLimits {
            max_entries: 2,
            max_bytes: usize::MAX,
        };
        let mut cache = TokenCache::new(limits);
        cache.insert("a", claims("a"));
        cache.insert("b", claims("b"));
        assert!(cache.get("a").is_some()); // `b` is now the least recently used
        cache.insert("c", claims("c"));
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        assert_eq!(cache.stats().evictions, 1);
    }

    #[test]
    fn the_byte_limit_binds_and_an_oversized_token_is_not_held() {
        let one = entry_bytes("x".repeat(100).as_str());
        let limits = CacheLimits {
            max_entries: 100,
            max_bytes: one * 2,
        };
        let mut cache = TokenCache::new(limits);
        for name in ["a", "b", "c"] {
            cache.insert(&name.repeat(100), claims(name));
        }
        let stats = cache.stats();
        assert_eq!(
            (stats.entries, stats.bytes, stats.evictions),
            (2, one * 2, 1)
        );
        cache.insert(&"d".repeat(10_000), claims("d"));
        assert!(cache.get(&"d".repeat(10_000)).is_none());
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn inserting_again_replaces_and_clear_empties() {
        let mut cache = TokenCache::new(CacheLimits::DEFAULT);
        cache.insert("t", claims("first"));
        cache.insert("t", claims("second"));
        assert_eq!(cache.stats().entries, 1);
        assert_eq!(cache.stats().bytes, entry_bytes("t"));
        assert_eq!(cache.get("t").unwrap().jti, "second");
        cache.clear();
        assert_eq!(
            (
                cache.stats().entries,
                cache.stats().bytes,
                cache.stats().hits
            ),
            (0, 0, 1)
        );
        assert!(cache.get("t").is_none());
    }

    #[test]
    fn tokens_that_share_a_tail_are_told_apart() {
        let mut cache = TokenCache::new(CacheLimits::DEFAULT);
        let tail = "s".repeat(TAIL_BYTES);
        cache.insert(&format!("aaa.{tail}"), claims("a"));
        cache.insert(&format!("bbb.{tail}"), claims("b"));
        assert_eq!(cache.get(&format!("aaa.{tail}")).unwrap().jti, "a");
        assert_eq!(cache.get(&format!("bbb.{tail}")).unwrap().jti, "b");
        assert!(cache.get(&format!("ccc.{tail}")).is_none());
        assert_eq!(cache.stats().entries, 2);
    }

    #[test]
    fn a_disabled_cache_holds_nothing_and_counts_nothing() {
        let mut cache = TokenCache::new(CacheLimits::DISABLED);
        cache.insert("t", claims("t"));
        assert!(cache.get("t").is_none());
        assert_eq!(cache.stats(), CacheStats::default());
    }
}
