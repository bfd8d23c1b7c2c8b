//! Every stable code credgate can produce, in one list (docs/CODES.md explains each).
//!
//! Hosts use it to check their error mapping covers every code; a test here fails when a
//! code is produced that is not listed.

/// Every decision reason, error code and lint code.
pub const ALL: &[&str] = &[
    // decisions
    "allow",
    "deny.no_matching_permission",
    "deny.ip_not_allowed",
    "deny.ip_invalid",
    "deny.org_mismatch",
    "request.invalid",
    // permissions
    "permission.invalid",
    "permission.unknown_type",
    "permission.unknown_action",
    "permission.unknown_scope",
    "permission.invalid_resource",
    "permission.resource_with_org_scope",
    "permission.scope_not_applicable",
    // specs
    "spec.invalid",
    "name.length",
    "name.invalid_char",
    "description.length",
    "description.invalid_char",
    "set_type.unknown",
    "permissions.empty",
    "permissions.too_many",
    "permissions.duplicate",
    "environment.unknown",
    // allowlists
    "ip.empty",
    "ip.too_many",
    "ip.invalid",
    "ip.ipv6_unsupported",
    "ip.host_bits_set",
    "ip.duplicate",
    // tokens, keys, bearer headers
    "token.too_large",
    "token.malformed",
    "token.unsupported_alg",
    "token.wrong_type",
    "token.forbidden_header",
    "token.unknown_key",
    "token.bad_signature",
    "token.missing_claim",
    "token.invalid_claim",
    "token.expired",
    "token.not_yet_valid",
    "token.wrong_issuer",
    "token.wrong_audience",
    "token.revoked",
    "jwks.invalid",
    "key.invalid",
    "bearer.missing",
    "bearer.malformed",
    // the token endpoint
    "client.unknown",
    "client.bad_secret",
    "client.disabled",
    "client.deleted",
    "client.ip_not_allowed",
    "client.no_auth",
    "client.malformed_auth",
    "scope.not_covered",
    "grant.unsupported",
    // credentials
    "credential.invalid",
    "credential.deleted",
    "entropy.insufficient",
    // the façade
    "input.invalid",
    "op.unknown",
    // lint findings
    "lint.all_addresses",
    "lint.wide_network",
    "lint.overlapping_networks",
    "lint.private_network_in_production",
    "lint.redundant_permission",
    "lint.outside_set_type",
    "lint.org_wide_delete",
    "lint.stale_credential",
];

#[cfg(test)]
mod tests {
    use super::ALL;

    /// Every code string literal in the sources must be listed (and listed once).
    #[test]
    fn the_list_is_complete_and_has_no_duplicates() {
        let sources = [
            include_str!("authorize.rs"),
            include_str!("bearer.rs"),
            include_str!("credential.rs"),
            include_str!("facade.rs"),
            include_str!("ip.rs"),
            include_str!("lint.rs"),
            include_str!("oauth.rs"),
            include_str!("permission.rs"),
            include_str!("request.rs"),
            include_str!("spec.rs"),
            include_str!("token.rs"),
        ];
        let prefixes = [
            "deny.",
            "request.",
            "permission.",
            "permissions.",
            "spec.",
            "name.",
            "description.",
            "set_type.",
            "environment.",
            "ip.",
            "token.",
            "jwks.",
            "key.",
            "bearer.",
            "client.",
            "scope.",
            "grant.",
            "credential.",
            "entropy.",
            "input.",
            "op.",
            "lint.",
        ];
        for source in sources {
            for literal in source.split('"').skip(1).step_by(2) {
                let is_code = prefixes.iter().any(|p| literal.starts_with(p))
                    && literal
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
                    && !literal.ends_with('.');
                if is_code {
                    assert!(
                        ALL.contains(&literal),
                        "code `{literal}` is not in codes::ALL"
                    );
                }
            }
        }
        for (i, code) in ALL.iter().enumerate() {
            assert!(!ALL[..i].contains(code), "`{code}` listed twice");
        }
    }
}
