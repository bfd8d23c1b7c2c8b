//! Every stable code credgate can produce, as one enum ([`Code`]); docs/CODES.md explains
//! each.
//!
//! A code is a value of [`Code`], never a loose string: each module's error, decision
//! reason, validation problem and lint finding names its code with a variant, and the text
//! exists once, here. [`ALL`] is the enum's own list, so it cannot drift from what the
//! engine produces; hosts compare their error mapping against it in a test.

use crate::vocabulary::vocabulary;

vocabulary!(
    /// A stable code of SPEC §8 or of the project (docs/CODES.md): decision reasons, error
    /// codes, validation and lint codes. The same text on every host, forever.
    #[non_exhaustive]
    Code ("a credgate code such as `token.expired`") {
        // decisions
        Allow => "allow",
        NoMatchingPermission => "deny.no_matching_permission",
        IpNotAllowed => "deny.ip_not_allowed",
        IpInvalid => "deny.ip_invalid",
        OrgMismatch => "deny.org_mismatch",
        RequestInvalid => "request.invalid",
        // permissions
        PermissionInvalid => "permission.invalid",
        PermissionUnknownType => "permission.unknown_type",
        PermissionUnknownAction => "permission.unknown_action",
        PermissionUnknownScope => "permission.unknown_scope",
        PermissionInvalidResource => "permission.invalid_resource",
        PermissionResourceWithOrgScope => "permission.resource_with_org_scope",
        PermissionScopeNotApplicable => "permission.scope_not_applicable",
        // specs
        SpecInvalid => "spec.invalid",
        NameLength => "name.length",
        NameInvalidChar => "name.invalid_char",
        DescriptionLength => "description.length",
        DescriptionInvalidChar => "description.invalid_char",
        SetTypeUnknown => "set_type.unknown",
        PermissionsEmpty => "permissions.empty",
        PermissionsTooMany => "permissions.too_many",
        PermissionsDuplicate => "permissions.duplicate",
        EnvironmentUnknown => "environment.unknown",
        // allowlists
        IpEmpty => "ip.empty",
        IpTooMany => "ip.too_many",
        IpEntryInvalid => "ip.invalid",
        IpIpv6Unsupported => "ip.ipv6_unsupported",
        IpHostBitsSet => "ip.host_bits_set",
        IpDuplicate => "ip.duplicate",
        // tokens, keys, bearer headers
        TokenTooLarge => "token.too_large",
        TokenMalformed => "token.malformed",
        TokenUnsupportedAlg => "token.unsupported_alg",
        TokenWrongType => "token.wrong_type",
        TokenForbiddenHeader => "token.forbidden_header",
        TokenUnknownKey => "token.unknown_key",
        TokenBadSignature => "token.bad_signature",
        TokenMissingClaim => "token.missing_claim",
        TokenInvalidClaim => "token.invalid_claim",
        TokenExpired => "token.expired",
        TokenNotYetValid => "token.not_yet_valid",
        TokenWrongIssuer => "token.wrong_issuer",
        TokenWrongAudience => "token.wrong_audience",
        TokenRevoked => "token.revoked",
        JwksInvalid => "jwks.invalid",
        KeyInvalid => "key.invalid",
        BearerMissing => "bearer.missing",
        BearerMalformed => "bearer.malformed",
        // the token endpoint
        ClientUnknown => "client.unknown",
        ClientBadSecret => "client.bad_secret",
        ClientDisabled => "client.disabled",
        ClientDeleted => "client.deleted",
        ClientIpNotAllowed => "client.ip_not_allowed",
        ClientNoAuth => "client.no_auth",
        ClientMalformedAuth => "client.malformed_auth",
        ClientExpired => "client.expired",
        ScopeNotCovered => "scope.not_covered",
        GrantUnsupported => "grant.unsupported",
        // credentials
        CredentialInvalid => "credential.invalid",
        CredentialDeleted => "credential.deleted",
        EntropyInsufficient => "entropy.insufficient",
        CredentialSecretLimit => "credential.secret_limit",
        CredentialSecretRequired => "credential.secret_required",
        // revocation lists
        RevocationsInvalid => "revocations.invalid",
        RevocationsStale => "revocations.stale",
        // diffs (SPEC §11)
        DiffPermissionNotCovered => "diff.permission_not_covered",
        DiffIpNotCovered => "diff.ip_not_covered",
        DiffEnvironmentChanged => "diff.environment_changed",
        // the façade
        InputInvalid => "input.invalid",
        OpUnknown => "op.unknown",
        // lint findings
        LintAllAddresses => "lint.all_addresses",
        LintWideNetwork => "lint.wide_network",
        LintOverlappingNetworks => "lint.overlapping_networks",
        LintPrivateNetworkInProduction => "lint.private_network_in_production",
        LintRedundantPermission => "lint.redundant_permission",
        LintOutsideSetType => "lint.outside_set_type",
        LintOrgWideDelete => "lint.org_wide_delete",
        LintStaleCredential => "lint.stale_credential",
        LintSecretRotationDue => "lint.secret_rotation_due",
        LintSecretPastGrace => "lint.secret_past_grace",
        LintNoExpiry => "lint.no_expiry",
        LintExpiresSoon => "lint.expires_soon",
        LintUnusedPermission => "lint.unused_permission",
    }
);

/// Every code's text, in [`Code::ALL`]'s order.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of bounds fails the build"
)]
pub const ALL: [&str; Code::ALL.len()] = {
    let mut texts = [""; Code::ALL.len()];
    let mut i = 0;
    while i < texts.len() {
        texts[i] = Code::ALL[i].as_str();
        i += 1;
    }
    texts
};

/// A code equals its text, so `error.code() == "token.expired"` reads as the docs do.
impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

#[cfg(test)]
mod tests {
    use super::{Code, ALL};

    #[test]
    fn codes_are_unique_and_well_formed() {
        for (i, code) in ALL.iter().enumerate() {
            assert!(!ALL[..i].contains(code), "`{code}` listed twice");
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase()
                    || b.is_ascii_digit()
                    || b == b'.'
                    || b == b'_'),
                "`{code}`"
            );
            assert_eq!(Code::from_name(code).map(Code::as_str), Some(*code));
        }
    }
}
