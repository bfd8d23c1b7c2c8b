//! The answer/failure table of SPEC §9, through this host's typed API: for every operation,
//! inputs that give a result or an answer, and inputs that raise a failure with the codes
//! the table names. Plus the drift check between the host's codes and the engine's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers: a failure is the point"
)]

use std::collections::BTreeSet;

use credgate_core::codes;
use credgate_wasmtime::*;
use serde_json::{json, Value};

/// The kind of an outcome, with the failure's code.
#[derive(Debug, PartialEq, Eq)]
enum Tag {
    Result,
    Answer,
    Raises(Code),
}

fn tag<T>(outcome: &Outcome<T>) -> Tag {
    match outcome {
        Outcome::Result(_) => Tag::Result,
        Outcome::Answer(_) => Tag::Answer,
        Outcome::Failure(f) => Tag::Raises(f.code),
    }
}

const NOW: i64 = 1_700_000_000;
const ISSUER: &str = "https://auth.example.test";
const AUDIENCE: &str = "https://api.example.test";

/// What several operations need: a key, its JWKS, a credential, its secret and a token.
struct Fixture {
    host: Host,
    key: SigningKeyInput,
    jwks: Value,
    spec: Value,
    record: Value,
    secret: String,
    token: String,
}

impl Fixture {
    fn new() -> Self {
        let mut host = CredgateModule::embedded(Limits::default())
            .expect("build the guest first: make build-wasmtime")
            .host();
        let key = SigningKeyInput {
            kid: "k1".into(),
            seed: "11".repeat(32),
        };
        let published = host
            .public_jwks(&PublicJwksInput {
                signing_keys: vec![key.clone()],
            })
            .unwrap();
        let spec = json!({"name": "Outcome bot", "permission_set_type": "wallets",
            "permissions": ["balances:read:vault:vlt_1"], "ip_allowlist": ["203.0.113.0/24"],
            "environment": "sandbox"});
        let created = host.create_credential(&create(&spec)).unwrap();
        let record = serde_json::to_value(&created.credential).unwrap();
        let mut fixture = Self {
            host,
            key,
            jwks: serde_json::to_value(&published.jwks).unwrap(),
            spec,
            record,
            secret: created.client_secret,
            token: String::new(),
        };
        let IssueAnswer::Issued(issued) = fixture.host.issue_token(&fixture.issue()).unwrap()
        else {
            panic!("the fixture's token was refused")
        };
        fixture.token = issued.token;
        fixture
    }

    fn issue(&self) -> IssueTokenInput {
        IssueTokenInput {
            credential: Some(self.record.clone()),
            client_id: None,
            client_secret: self.secret.clone(),
            client_ip: "203.0.113.7".into(),
            now: UnixSeconds(NOW),
            signing_key: self.key.clone(),
            jti: "jti-1".into(),
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            scope: None,
            auth_method: None,
        }
    }

    fn verifier(&self) -> VerifierInput {
        VerifierInput {
            jwks: self.jwks.clone(),
            issuer: ISSUER.into(),
            audience: AUDIENCE.into(),
            leeway: Seconds(0),
            revoked_jtis: vec![],
            revocations: None,
            ..Default::default()
        }
    }

    fn check(&self, client_ip: &str, now: i64, request: Value) -> CheckInput {
        CheckInput {
            request: CheckRequest {
                token: Some(self.token.clone()),
                authorization: None,
                now: UnixSeconds(now),
                client_ip: client_ip.into(),
                request,
            },
            verifier: self.verifier(),
        }
    }

    /// A revocation list of epoch `epoch` revoking every token of the fixture's client
    /// issued before `NOW + 1`, signed at `NOW`.
    fn revocations_input(&self, epoch: u64) -> SignRevocationsInput {
        SignRevocationsInput {
            signing_key: self.key.clone(),
            issuer: ISSUER.into(),
            epoch: Epoch(epoch),
            now: UnixSeconds(NOW),
            entries: vec![RevocationEntry::Client {
                client_id: self.record["client_id"].as_str().unwrap().into(),
                not_before: NOW + 1,
            }],
        }
    }

    /// That list, signed.
    fn signed_revocations(&mut self, epoch: u64) -> String {
        let input = self.revocations_input(epoch);
        self.host.sign_revocations(&input).unwrap().revocations
    }

    /// The typed outcome of `input`'s operation.
    fn outcome<I: Input>(&mut self, input: &I) -> Outcome<I::Answer> {
        self.host.outcome(input).unwrap()
    }

    /// Asserts the kind of `input`'s outcome and returns it.
    fn expect<I: Input>(&mut self, input: &I, expected: Tag) -> Outcome<I::Answer> {
        let outcome = self.outcome(input);
        assert_eq!(tag(&outcome), expected, "{}", I::OP);
        // The per-operation method agrees: Ok for a result or an answer, Err for a failure.
        match (self.host.run(input), &expected) {
            (Err(HostError::Guest(f)), Tag::Raises(code)) => assert_eq!(f.code, *code),
            (Ok(_), Tag::Result | Tag::Answer) => {}
            (other, _) => panic!("{}: {expected:?} but run gave {:?}", I::OP, other.err()),
        }
        outcome
    }

    /// Asserts that raw `input` (a shape no typed input can express) raises `input.invalid`.
    fn raw_input_invalid<I: Input>(&mut self, input: &str) {
        let outcome = self.host.outcome_json::<I::Answer>(I::OP, input).unwrap();
        assert_eq!(tag(&outcome), Tag::Raises(Code::InputInvalid), "{}", I::OP);
    }
}

fn create(spec: &Value) -> CreateCredentialInput {
    CreateCredentialInput {
        spec: spec.clone(),
        org: "org_1".into(),
        now: UnixSeconds(NOW),
        entropy: "ab".repeat(48),
        expires_at: None,
    }
}

fn failure<T: std::fmt::Debug>(outcome: Outcome<T>) -> Failure {
    match outcome {
        Outcome::Failure(f) => f,
        other => panic!("not a failure: {other:?}"),
    }
}

fn answer<T: std::fmt::Debug>(outcome: Outcome<T>) -> T {
    match outcome {
        Outcome::Answer(a) => a,
        other => panic!("not an answer: {other:?}"),
    }
}

#[test]
fn the_answer_failure_table_holds_for_every_operation() {
    let mut fx = Fixture::new();
    let request = json!({"type": "balances", "action": "read", "vault": "vlt_1"});
    let mut seen = BTreeSet::new();
    for &op in Operation::ALL {
        seen.insert(op.as_str());
        // No wildcard: a new operation does not compile until its row is written here.
        match op {
            Operation::ParsePermission => {
                let input = |text: &str| ParsePermissionInput {
                    text: Some(text.into()),
                    ..Default::default()
                };
                fx.expect(&input("audit:read:org"), Tag::Result);
                fx.expect(
                    &input("audit:read:galaxy"),
                    Tag::Raises(Code::PermissionUnknownScope),
                );
                fx.expect(&input("audit:read"), Tag::Raises(Code::PermissionInvalid));
                fx.expect(
                    &ParsePermissionInput::default(),
                    Tag::Raises(Code::InputInvalid),
                );
            }
            Operation::ValidateSpec => {
                let valid = answer(fx.expect(
                    &ValidateSpecInput {
                        spec: fx.spec.clone(),
                    },
                    Tag::Answer,
                ));
                assert!(valid.ok && valid.errors.is_empty());
                let invalid = answer(fx.expect(
                    &ValidateSpecInput {
                        spec: json!({"name": "x", "permissions": []}),
                    },
                    Tag::Answer,
                ));
                assert_eq!(
                    (invalid.ok, invalid.error),
                    (false, Some(Code::SpecInvalid))
                );
                assert!(invalid.errors.len() > 1, "every problem: {invalid:?}");
                fx.raw_input_invalid::<ValidateSpecInput>("{}");
            }
            Operation::IpAllowed => {
                let input = |allowlist: &[&str], ip: &str| IpAllowedInput {
                    allowlist: AllowlistEntries(allowlist.iter().map(|e| json!(e)).collect()),
                    ip: ip.into(),
                };
                let allowed =
                    answer(fx.expect(&input(&["203.0.113.0/24"], "203.0.113.5"), Tag::Answer));
                assert!(allowed.allowed);
                let denied =
                    answer(fx.expect(&input(&["203.0.113.0/24"], "198.51.100.1"), Tag::Answer));
                assert_eq!(denied.reason.to_string(), "deny.ip_not_allowed");
                fx.expect(
                    &input(&["10.0.0.1/24"], "10.0.0.1"),
                    Tag::Raises(Code::IpHostBitsSet),
                );
                fx.expect(&input(&[], "10.0.0.1"), Tag::Raises(Code::IpEmpty));
            }
            Operation::Authorize => {
                let input = |permissions: &[&str], request: &Value| AuthorizeInput {
                    permissions: PermissionList(permissions.iter().map(|p| json!(p)).collect()),
                    request: request.clone(),
                    org: None,
                };
                let allow =
                    answer(fx.expect(&input(&["balances:read:org"], &request), Tag::Answer));
                assert!(allow.decision.allowed);
                let deny = answer(fx.expect(
                    &input(&["balances:read:vault:vlt_2"], &request),
                    Tag::Answer,
                ));
                assert_eq!(
                    deny.decision.reason.to_string(),
                    "deny.no_matching_permission"
                );
                fx.expect(
                    &input(&["balances:read:org"], &json!({"type": "balances"})),
                    Tag::Raises(Code::RequestInvalid),
                );
                let bad = failure(fx.expect(
                    &input(&["balances:read:org", "balances:read:galaxy"], &request),
                    Tag::Raises(Code::PermissionUnknownScope),
                ));
                assert_eq!(bad.index, Some(1), "the bad entry's index: {bad:?}");
            }
            Operation::VerifyToken => {
                let input = |fx: &Fixture, now: i64, jwks: Value| VerifyTokenInput {
                    token: fx.token.clone(),
                    now: UnixSeconds(now),
                    verifier: VerifierInput {
                        jwks,
                        ..fx.verifier()
                    },
                };
                let ok = fx.expect(&input(&fx, NOW + 10, fx.jwks.clone()), Tag::Result);
                let Outcome::Result(verified) = ok else {
                    unreachable!()
                };
                assert_eq!(verified.claims.jti, "jti-1");
                fx.expect(
                    &input(&fx, NOW + 7200, fx.jwks.clone()),
                    Tag::Raises(Code::TokenExpired),
                );
                fx.expect(
                    &input(&fx, NOW + 10, json!({"keys": 5})),
                    Tag::Raises(Code::JwksInvalid),
                );
            }
            Operation::Check => {
                for (ip, now, request, status) in [
                    ("203.0.113.9", NOW + 10, request.clone(), 200),
                    ("203.0.113.9", NOW + 10, json!({"type": "balances"}), 400),
                    ("203.0.113.9", NOW + 7200, request.clone(), 401),
                    ("198.51.100.1", NOW + 10, request.clone(), 403),
                ] {
                    let checked = answer(fx.expect(&fx.check(ip, now, request), Tag::Answer));
                    assert_eq!(checked.outcome.status, status, "{checked:?}");
                    assert_eq!(checked.outcome.allowed(), status == 200);
                }
                let mut bad_keys = fx.check("203.0.113.9", NOW + 10, request.clone());
                bad_keys.verifier.jwks = json!({"keys": 5});
                fx.expect(&bad_keys, Tag::Raises(Code::JwksInvalid));
                let mut both = fx.check("203.0.113.9", NOW + 10, request.clone());
                both.request.authorization = Some(format!("Bearer {}", fx.token));
                fx.expect(&both, Tag::Raises(Code::InputInvalid));
            }
            Operation::ParseTokenRequest => {
                let input = |method: &str| TokenRequestInput {
                    method: method.into(),
                    headers: Headers::Pairs(vec![(
                        "Content-Type".into(),
                        "application/x-www-form-urlencoded".into(),
                    )]),
                    body: "grant_type=client_credentials&client_id=c&client_secret=s".into(),
                };
                let Outcome::Result(TokenRequestAnswer::Parsed(parsed)) =
                    fx.expect(&input("POST"), Tag::Result)
                else {
                    panic!("not parsed")
                };
                assert_eq!(parsed.client_id, "c");
                let Outcome::Answer(TokenRequestAnswer::Refused(refused)) =
                    fx.expect(&input("GET"), Tag::Answer)
                else {
                    panic!("not refused")
                };
                assert_eq!(refused.status, 400);
                fx.raw_input_invalid::<TokenRequestInput>(r#"{"method": 5}"#);
            }
            Operation::IssueToken => {
                let issue = fx.issue();
                let Outcome::Result(IssueAnswer::Issued(issued)) = fx.expect(&issue, Tag::Result)
                else {
                    panic!("not issued")
                };
                assert_eq!(issued.status, 200);
                let wrong = IssueTokenInput {
                    client_secret: "cgs_wrong".into(),
                    ..fx.issue()
                };
                let Outcome::Answer(IssueAnswer::Refused(refused)) = fx.expect(&wrong, Tag::Answer)
                else {
                    panic!("not refused")
                };
                assert_eq!(refused.reason, Code::ClientBadSecret);
                assert_eq!(refused.status, 401);
                let bad_key = IssueTokenInput {
                    signing_key: SigningKeyInput {
                        kid: "k1".into(),
                        seed: "zz".into(),
                    },
                    ..fx.issue()
                };
                fx.expect(&bad_key, Tag::Raises(Code::KeyInvalid));
                let bad_record = IssueTokenInput {
                    credential: Some(json!({"client_id": 5})),
                    ..fx.issue()
                };
                fx.expect(&bad_record, Tag::Raises(Code::CredentialInvalid));
            }
            Operation::Preview => {
                let input = |permissions: &[&str], vault: &str| PreviewInput {
                    permissions: PermissionList(permissions.iter().map(|p| json!(p)).collect()),
                    resources: Some(ResourcesInput {
                        vaults: [(vault.to_string(), vec!["key_1".to_string()])].into(),
                    }),
                };
                fx.expect(&input(&["key:read:org"], "vlt_1"), Tag::Result);
                fx.expect(
                    &input(&["key:read"], "vlt_1"),
                    Tag::Raises(Code::PermissionInvalid),
                );
                fx.expect(
                    &input(&["key:read:org"], "not a vault id"),
                    Tag::Raises(Code::RequestInvalid),
                );
            }
            Operation::Lint => {
                let input = |spec: Value| LintInput {
                    spec,
                    now: None,
                    created_at: None,
                    ..LintInput::default()
                };
                let valid = answer(fx.expect(&input(fx.spec.clone()), Tag::Answer));
                assert!(valid.ok);
                let invalid = answer(fx.expect(&input(json!({"name": "x"})), Tag::Answer));
                assert!(!invalid.ok && invalid.findings.is_empty() && !invalid.errors.is_empty());
                fx.raw_input_invalid::<LintInput>(r#"{"spec": {}, "now": "today"}"#);
            }
            Operation::CreateCredential => {
                fx.expect(&create(&fx.spec), Tag::Result);
                let invalid = failure(fx.expect(
                    &create(&json!({"name": "x", "permissions": []})),
                    Tag::Raises(Code::SpecInvalid),
                ));
                assert!(invalid.errors.len() > 1, "every problem: {invalid:?}");
                fx.expect(
                    &CreateCredentialInput {
                        entropy: "ab".repeat(8),
                        ..create(&fx.spec)
                    },
                    Tag::Raises(Code::EntropyInsufficient),
                );
            }
            Operation::UpdateCredential => {
                let input = |credential: &Value, action| UpdateCredentialInput {
                    credential: credential.clone(),
                    action,
                    now: UnixSeconds(NOW + 60),
                    spec: None,
                    expires_at: None,
                    secret: None,
                };
                let Outcome::Result(deleted) =
                    fx.expect(&input(&fx.record, CredentialAction::Delete), Tag::Result)
                else {
                    unreachable!()
                };
                let deleted = serde_json::to_value(&deleted.credential).unwrap();
                fx.expect(
                    &input(&deleted, CredentialAction::Enable),
                    Tag::Raises(Code::CredentialDeleted),
                );
                fx.expect(
                    &input(&json!({"client_id": 5}), CredentialAction::Enable),
                    Tag::Raises(Code::CredentialInvalid),
                );
                let unknown_action =
                    json!({"credential": fx.record, "action": "archive", "now": NOW}).to_string();
                fx.raw_input_invalid::<UpdateCredentialInput>(&unknown_action);
            }
            Operation::SetTypeDefaults => {
                let input = |set_type: &str| SetTypeInput {
                    set_type: set_type.into(),
                };
                fx.expect(&input("wallets"), Tag::Result);
                fx.expect(&input("galaxy"), Tag::Raises(Code::SetTypeUnknown));
            }
            Operation::Vocabulary => {
                fx.expect(&VocabularyInput {}, Tag::Result);
                fx.raw_input_invalid::<VocabularyInput>("[1]");
            }
            Operation::PublicJwks => {
                let input = |keys: Vec<SigningKeyInput>| PublicJwksInput { signing_keys: keys };
                fx.expect(&input(vec![fx.key.clone()]), Tag::Result);
                let bad = SigningKeyInput {
                    seed: "11".into(),
                    ..fx.key.clone()
                };
                fx.expect(&input(vec![bad]), Tag::Raises(Code::KeyInvalid));
                let twin = SigningKeyInput {
                    seed: "22".repeat(32),
                    ..fx.key.clone()
                };
                fx.expect(
                    &input(vec![fx.key.clone(), twin]),
                    Tag::Raises(Code::JwksInvalid),
                );
            }
            Operation::ParseBearer => {
                let input = |authorization: Option<String>| BearerInput { authorization };
                let Outcome::Result(BearerAnswer::Token(token)) =
                    fx.expect(&input(Some(format!("Bearer {}", fx.token))), Tag::Result)
                else {
                    panic!("no token")
                };
                assert_eq!(token.token, fx.token);
                for (header, status) in [(None, 401), (Some("Bearer a b".to_string()), 400)] {
                    let Outcome::Answer(BearerAnswer::Refused(refused)) =
                        fx.expect(&input(header), Tag::Answer)
                    else {
                        panic!("not refused")
                    };
                    assert_eq!(refused.status, status);
                    assert!(refused.www_authenticate.starts_with("Bearer"));
                }
                fx.raw_input_invalid::<BearerInput>(r#"{"authorization": 5}"#);
            }
            Operation::VerifySecret => {
                let input = |credential: &Value, secret: &str| VerifySecretInput {
                    credential: credential.clone(),
                    client_secret: secret.into(),
                    now: None,
                };
                let valid = answer(fx.expect(&input(&fx.record, &fx.secret.clone()), Tag::Answer));
                assert!(valid.valid && valid.well_formed);
                let wrong = answer(fx.expect(&input(&fx.record, "cgs_nope"), Tag::Answer));
                assert!(!wrong.valid);
                fx.expect(
                    &input(&json!({"client_id": 5}), "cgs_nope"),
                    Tag::Raises(Code::CredentialInvalid),
                );
            }
            Operation::SignRevocations => {
                let input = fx.revocations_input(1);
                let Outcome::Result(signed) = fx.expect(&input, Tag::Result) else {
                    unreachable!()
                };
                assert_eq!((signed.epoch, signed.entries.len()), (1, 1));
                let mut spent = fx.revocations_input(1);
                spent.now = UnixSeconds(NOW + 7200);
                let Outcome::Result(dropped) = fx.expect(&spent, Tag::Result) else {
                    unreachable!()
                };
                assert!(
                    dropped.entries.is_empty(),
                    "an entry a token lifetime old is dropped"
                );
                let mut bad = fx.revocations_input(1);
                bad.signing_key.seed = "11".into();
                fx.expect(&bad, Tag::Raises(Code::KeyInvalid));
                fx.raw_input_invalid::<SignRevocationsInput>(
                    r#"{"signing_key": {"kid": "k1", "seed": ""}, "issuer": "i", "epoch": -1, "now": 0, "entries": []}"#,
                );
            }
            Operation::LoadRevocations => {
                let list = fx.signed_revocations(2);
                let jwks = fx.jwks.clone();
                let input = |revocations: &str, held: Option<u64>| LoadRevocationsInput {
                    revocations: revocations.into(),
                    jwks: jwks.clone(),
                    issuer: ISSUER.into(),
                    held_epoch: held.map(Epoch),
                };
                let loaded = input(&list, Some(2));
                let Outcome::Result(loaded) = fx.expect(&loaded, Tag::Result) else {
                    unreachable!()
                };
                assert_eq!((loaded.epoch, loaded.issued_at), (2, NOW));
                fx.expect(&input(&list, Some(3)), Tag::Raises(Code::RevocationsStale));
                fx.expect(
                    &input("not.a.list", None),
                    Tag::Raises(Code::RevocationsInvalid),
                );
                // A verifier holding the list refuses the client's older token (401), one
                // without it accepts the token (SPEC §5).
                let mut revoking = fx.check("203.0.113.9", NOW + 10, request.clone());
                revoking.verifier.revocations = Some(list.clone());
                let refused = answer(fx.expect(&revoking, Tag::Answer));
                assert_eq!(refused.outcome.status, 401);
                assert_eq!(refused.outcome.reason().to_string(), "token.revoked");
                let plain = answer(fx.expect(
                    &fx.check("203.0.113.9", NOW + 10, request.clone()),
                    Tag::Answer,
                ));
                assert_eq!(plain.outcome.status, 200);
                revoking.verifier.revocations = Some("x.y.z".into());
                fx.expect(&revoking, Tag::Raises(Code::RevocationsInvalid));
            }
            Operation::Explain => {
                let input = |permissions: &[&str], org: Option<&str>| {
                    ExplainInput(AuthorizeInput {
                        permissions: PermissionList(permissions.iter().map(|p| json!(p)).collect()),
                        request: request.clone(),
                        org: org.map(Into::into),
                    })
                };
                let allow = answer(fx.expect(&input(&["balances:read:org"], None), Tag::Answer));
                assert!(allow.explanation.decision.allowed);
                assert_eq!(
                    allow.explanation.narrowest.as_deref(),
                    Some("balances:read:vault:vlt_1")
                );
                assert_eq!(allow.explanation.wider_than_needed, Some(true));
                let deny = answer(fx.expect(&input(&["vault:read:org"], None), Tag::Answer));
                assert!(!deny.explanation.decision.allowed);
                assert_eq!(deny.explanation.wider_than_needed, None);
                fx.expect(
                    &input(&["balances:read:galaxy"], None),
                    Tag::Raises(Code::PermissionUnknownScope),
                );
                fx.raw_input_invalid::<ExplainInput>(r#"{"permissions": 5, "request": {}}"#);
            }
            Operation::Diff => {
                let before = fx.spec.clone();
                let input = |after: Value| DiffInput {
                    before: before.clone(),
                    after,
                };
                let mut wider = fx.spec.clone();
                wider["permissions"] = json!(["balances:read:org"]);
                let DiffAnswer::Compared(compared) = answer(fx.expect(&input(wider), Tag::Answer))
                else {
                    panic!("not compared")
                };
                assert!(compared.grants_new_access);
                assert_eq!(compared.new_access[0].code, Code::DiffPermissionNotCovered);
                assert_eq!(compared.new_access[0].path, "after.permissions[0]");
                let DiffAnswer::Invalid(report) =
                    answer(fx.expect(&input(json!({"name": "x"})), Tag::Answer))
                else {
                    panic!("not invalid")
                };
                assert!(!report.ok && report.errors.iter().all(|p| p.path.starts_with("after.")));
                fx.raw_input_invalid::<DiffInput>(r#"{"before": {}}"#);
            }
            Operation::RotateSecret => {
                let record = fx.record.clone();
                let input = |credential: &Value| RotateSecretInput {
                    credential: credential.clone(),
                    now: UnixSeconds(NOW + 10),
                    entropy: "cd".repeat(32),
                    grace_seconds: Seconds(600),
                };
                let Outcome::Result(rotated) = fx.expect(&input(&record), Tag::Result) else {
                    unreachable!()
                };
                assert_eq!(rotated.credential.secrets.len(), 2);
                assert_eq!(rotated.credential.secrets[0].expires_at, Some(NOW + 610));
                let twice = serde_json::to_value(&rotated.credential).unwrap();
                fx.expect(&input(&twice), Tag::Raises(Code::CredentialSecretLimit));
                fx.expect(
                    &RotateSecretInput {
                        entropy: "cd".repeat(4),
                        ..input(&record)
                    },
                    Tag::Raises(Code::EntropyInsufficient),
                );
            }
            Operation::Suggest => {
                let input = |spec: &Value, usage: Value| SuggestInput {
                    spec: spec.clone(),
                    usage: serde_json::from_value(usage).unwrap(),
                    now: None,
                    unused_after_days: None,
                };
                let spec = fx.spec.clone();
                let used = json!([{"request": request, "last_at": NOW}]);
                let SuggestAnswer::Suggested(suggestion) =
                    answer(fx.expect(&input(&spec, used.clone()), Tag::Answer))
                else {
                    panic!("no suggestion")
                };
                assert!(!suggestion.unused_credential);
                assert!(suggestion.diff.is_some_and(|d| !d.grants_new_access));
                let SuggestAnswer::Suggested(unused) =
                    answer(fx.expect(&input(&spec, json!([])), Tag::Answer))
                else {
                    panic!("no suggestion")
                };
                assert!(unused.unused_credential && unused.spec.is_none());
                let SuggestAnswer::Invalid(report) =
                    answer(fx.expect(&input(&json!({"name": "x"}), used), Tag::Answer))
                else {
                    panic!("not invalid")
                };
                assert!(!report.ok);
                fx.raw_input_invalid::<SuggestInput>(
                    r#"{"spec": {}, "usage": [{"request": {}, "last_at": "today"}]}"#,
                );
            }
        }
    }
    assert_eq!(seen.len(), Operation::ALL.len());
    assert_eq!(
        fx.host.stats().instantiations,
        1,
        "no call stopped the guest"
    );
}

/// The host's codes and the engine's do not drift: every code the engine can raise is a
/// [`Code`] (so `HostError::Guest` carries it typed), and no `host.*` code is one of them.
#[test]
fn host_codes_and_engine_codes_do_not_collide() {
    assert_eq!(HostError::ENGINE_CODES, codes::ALL.as_slice());
    for text in HostError::ENGINE_CODES {
        let code = Code::from_name(text).unwrap_or_else(|| panic!("`{text}` is not a Code"));
        let error = HostError::Guest(Failure::new(code, "m"));
        assert_eq!(error.code(), *text);
        assert!(!text.starts_with("host."), "`{text}`");
    }
    let mut seen = BTreeSet::new();
    for text in HostError::HOST_CODES {
        assert!(text.starts_with("host."), "`{text}`");
        assert!(seen.insert(text), "`{text}` listed twice");
        assert!(
            !codes::ALL.contains(text) && Code::from_name(text).is_none(),
            "`{text}` collides with an engine code"
        );
    }
    // The failures the façade itself raises are engine codes too.
    for code in [Code::InputInvalid, Code::OpUnknown] {
        assert!(codes::ALL.contains(&code.as_str()));
    }
}
