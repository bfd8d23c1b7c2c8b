//! Exit statuses: which class each engine code is, in one place.
//!
//! | status | class | when |
//! |---|---|---|
//! | 0 | [`Class::Ok`] | success, or the request is allowed |
//! | 1 | [`Class::Refused`] | the answer is no: a deny, a refused token or secret, a failed verification, validation or lint problems (`validate`), a diff that grants new access, failing vectors |
//! | 2 | [`Class::Usage`] | the command line or its input is wrong: an unknown flag or value (clap), a value that is not a time, text that is not JSON, an invalid spec, permission, request, key, JWKS or record given as input |
//! | 3 | [`Class::Host`] | the host failed: the module, a sandbox limit, a file that cannot be read or written, the clock or OS entropy |

use std::process::ExitCode;

use credgate_core::Code;

/// What an exit status says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// 0: done, or allowed.
    Ok,
    /// 1: the engine's answer is a refusal.
    Refused,
    /// 2: a usage or input error.
    Usage,
    /// 3: a host failure.
    Host,
}

impl Class {
    /// The exit status.
    pub fn status(self) -> u8 {
        match self {
            Class::Ok => 0,
            Class::Refused => 1,
            Class::Usage => 2,
            Class::Host => 3,
        }
    }

    /// The exit code.
    pub fn exit(self) -> ExitCode {
        ExitCode::from(self.status())
    }

    /// The class of an engine code, whether it comes as a raised failure or as the reason of
    /// an answer (a `check` deny, a refused token request).
    pub fn of(code: Code) -> Class {
        use Code as C;
        match code {
            C::Allow => Class::Ok,
            // Decisions, verification and issuance refusals, lifecycle refusals: the answer.
            C::NoMatchingPermission
            | C::IpNotAllowed
            | C::IpInvalid
            | C::OrgMismatch
            | C::TokenTooLarge
            | C::TokenMalformed
            | C::TokenUnsupportedAlg
            | C::TokenWrongType
            | C::TokenForbiddenHeader
            | C::TokenUnknownKey
            | C::TokenBadSignature
            | C::TokenMissingClaim
            | C::TokenInvalidClaim
            | C::TokenExpired
            | C::TokenNotYetValid
            | C::TokenWrongIssuer
            | C::TokenWrongAudience
            | C::TokenRevoked
            | C::BearerMissing
            | C::BearerMalformed
            | C::ClientUnknown
            | C::ClientBadSecret
            | C::ClientDisabled
            | C::ClientDeleted
            | C::ClientIpNotAllowed
            | C::ClientNoAuth
            | C::ClientMalformedAuth
            | C::ClientExpired
            | C::ScopeNotCovered
            | C::GrantUnsupported
            | C::CredentialDeleted
            | C::CredentialSecretLimit
            | C::CredentialSecretRequired
            | C::RevocationsInvalid
            | C::RevocationsStale
            | C::DiffPermissionNotCovered
            | C::DiffIpNotCovered
            | C::DiffEnvironmentChanged
            | C::LintAllAddresses
            | C::LintWideNetwork
            | C::LintOverlappingNetworks
            | C::LintPrivateNetworkInProduction
            | C::LintRedundantPermission
            | C::LintOutsideSetType
            | C::LintOrgWideDelete
            | C::LintStaleCredential
            | C::LintSecretRotationDue
            | C::LintSecretPastGrace
            | C::LintNoExpiry
            | C::LintExpiresSoon
            | C::LintUnusedPermission => Class::Refused,
            // What the user gave is not valid input.
            C::RequestInvalid
            | C::PermissionInvalid
            | C::PermissionUnknownType
            | C::PermissionUnknownAction
            | C::PermissionUnknownScope
            | C::PermissionInvalidResource
            | C::PermissionResourceWithOrgScope
            | C::PermissionScopeNotApplicable
            | C::SpecInvalid
            | C::NameLength
            | C::NameInvalidChar
            | C::DescriptionLength
            | C::DescriptionInvalidChar
            | C::SetTypeUnknown
            | C::PermissionsEmpty
            | C::PermissionsTooMany
            | C::PermissionsDuplicate
            | C::EnvironmentUnknown
            | C::IpEmpty
            | C::IpTooMany
            | C::IpEntryInvalid
            | C::IpIpv6Unsupported
            | C::IpHostBitsSet
            | C::IpDuplicate
            | C::JwksInvalid
            | C::KeyInvalid
            | C::CredentialInvalid
            | C::InputInvalid
            | C::OpUnknown => Class::Usage,
            // The CLI supplies the entropy: too little of it is the host's fault.
            C::EntropyInsufficient => Class::Host,
            // `Code` is non-exhaustive: a code added to the core after this list is a
            // refusal until it is classified here (the test below lists every code).
            _ => Class::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests")]

    use super::*;

    /// Every code of the core is classified on purpose, and the README's table of exit
    /// statuses names exactly the codes of each class.
    #[test]
    fn every_code_is_classified_and_documented() {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("<!-- exit-codes -->")
            .nth(1)
            .unwrap_or_else(|| panic!("README.md has no `<!-- exit-codes -->` section"));
        for class in [Class::Refused, Class::Usage, Class::Host] {
            let prefix = format!("| {} |", class.status());
            let line = section
                .lines()
                .find(|l| l.starts_with(&prefix))
                .unwrap_or_else(|| panic!("no README row for exit {}", class.status()));
            let mut documented: Vec<&str> = line
                .split('`')
                .skip(1)
                .step_by(2)
                .filter(|w| Code::from_name(w).is_some())
                .collect();
            documented.sort_unstable();
            let mut expected: Vec<&str> = Code::ALL
                .iter()
                .filter(|c| Class::of(**c) == class)
                .map(|c| c.as_str())
                .collect();
            expected.sort_unstable();
            assert_eq!(
                documented,
                expected,
                "README row for exit {}",
                class.status()
            );
        }
        assert_eq!(Class::of(Code::Allow), Class::Ok);
    }
}
