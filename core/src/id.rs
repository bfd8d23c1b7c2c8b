//! The id grammar shared by resources, vaults, keys and organisations: 1–64 characters of
//! `[A-Za-z0-9_.-]` (SPEC §1).

/// The longest id the grammar allows, in characters.
pub const MAX_ID_LEN: usize = 64;

/// Whether `id` is 1–64 characters of `[A-Za-z0-9_.-]`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}
