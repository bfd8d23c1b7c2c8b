//! Large inputs shared by the regression tests of fuzz findings (`core/tests/regression_fuzz.rs`)
//! and the bounded-work benchmark (`core/benches/bounded.rs`), which include this file by path.

/// A JWKS of `n` usable keys with distinct 64-character kids (so comparing two kids reads
/// most of them).
pub fn jwks_of(n: usize) -> String {
    let keys: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"kty":"OKP","crv":"Ed25519","x":"T7JJi33tJ4FtlWaD3YiYGVfEgqUm0DAfm5D-7d9hkI8","kid":"{i:0>64}"}}"#
            )
        })
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(","))
}

/// A token-request body of `n` distinct three-character parameter names (16 KiB for 4 000).
pub fn body_of(n: usize) -> String {
    let alphabet: Vec<char> = ('a'..='z').chain('A'..='Z').chain('0'..='9').collect();
    let names: Vec<String> = alphabet
        .iter()
        .flat_map(|a| alphabet.iter().map(move |b| (a, b)))
        .flat_map(|(a, b)| alphabet.iter().map(move |c| format!("{a}{b}{c}")))
        .take(n)
        .collect();
    format!("grant_type=client_credentials&{}", names.join("&"))
}
