//! The Cedar side of the authorization benchmark: the 20-permission credential of
//! `bench/cedar/credential.json` as the policies of `bench/cedar/policies.cedar`, the entities
//! of one request (the rule is written at the top of policies.cedar), and the check that
//! credgate and Cedar decide alike.

use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request as CedarRequest,
};
use credgate_core::authorize::PermissionSet;
use credgate_core::{Action, Permission, Request, ResourceType};
use serde_json::{json, Value};

/// The credential file, the policy text, read at build time so the binary runs anywhere.
pub const CREDENTIAL_JSON: &str = include_str!("../cedar/credential.json");
pub const POLICIES: &str = include_str!("../cedar/policies.cedar");

/// The credential, its compiled permission set, and the same in Cedar.
pub struct Fixture {
    pub principal: String,
    pub org: String,
    pub set: PermissionSet,
    pub policies: PolicySet,
    pub authorizer: Authorizer,
    /// The two benchmarked requests (allow, deny) as JSON.
    pub allow: Value,
    pub deny: Value,
}

/// A request prepared for both engines.
pub struct Prepared {
    pub credgate: Request,
    pub cedar: CedarRequest,
    pub entities: Entities,
}

fn text<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}

impl Fixture {
    pub fn load() -> Result<Self, String> {
        let file: Value = serde_json::from_str(CREDENTIAL_JSON).map_err(|e| e.to_string())?;
        let permissions = file
            .get("permissions")
            .and_then(Value::as_array)
            .ok_or("credential.json: no `permissions`")?
            .iter()
            .map(|p| Permission::from_value(p).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()?;
        let policies = PolicySet::from_str(POLICIES).map_err(|e| format!("policies.cedar: {e}"))?;
        let requests = file
            .get("benchmarked_requests")
            .cloned()
            .unwrap_or_default();
        Ok(Self {
            principal: text(&file, "principal").unwrap_or_default().to_owned(),
            org: text(&file, "org").unwrap_or_default().to_owned(),
            set: PermissionSet::new(permissions),
            policies,
            authorizer: Authorizer::new(),
            allow: requests.get("allow").cloned().unwrap_or_default(),
            deny: requests.get("deny").cloned().unwrap_or_default(),
        })
    }

    /// `request` (credgate's JSON form) for both engines: credgate's [`Request`], and Cedar's
    /// request with the entities of the place it names.
    pub fn prepare(&self, request: &Value) -> Result<Prepared, String> {
        let credgate = Request::from_value(request).map_err(|e| e.to_string())?;
        let org = credgate.org().unwrap_or(&self.org);
        let uid = |kind: &str, id: &str| json!({ "type": kind, "id": id });
        let mut entities = vec![
            json!({ "uid": uid("Credential", &self.principal), "attrs": {}, "parents": [] }),
            json!({ "uid": uid("Org", org), "attrs": {}, "parents": [] }),
        ];
        let mut resource = ("Org", org.to_owned());
        if let Some(vault) = credgate.vault() {
            entities.push(
                json!({ "uid": uid("Vault", vault), "attrs": {}, "parents": [uid("Org", org)] }),
            );
            resource = ("Vault", vault.to_owned());
            if let Some(key) = credgate.key() {
                entities.push(json!({ "uid": uid("Key", key), "attrs": {}, "parents": [uid("Vault", vault)] }));
                resource = ("Key", key.to_owned());
            }
        }
        let entity = |kind: &str, id: &str| {
            EntityUid::from_json(uid(kind, id)).map_err(|e| format!("entity {kind}::{id}: {e}"))
        };
        let action = format!("{}:{}", credgate.kind(), credgate.action());
        let cedar = CedarRequest::new(
            entity("Credential", &self.principal)?,
            entity("Action", &action)?,
            entity(resource.0, &resource.1)?,
            Context::empty(),
            None,
        )
        .map_err(|e| e.to_string())?;
        let entities =
            Entities::from_json_value(Value::Array(entities), None).map_err(|e| e.to_string())?;
        Ok(Prepared {
            credgate,
            cedar,
            entities,
        })
    }

    pub fn credgate_allows(&self, prepared: &Prepared) -> bool {
        self.set
            .authorize(&prepared.credgate, Some(&self.org))
            .allowed
    }

    pub fn cedar_allows(&self, prepared: &Prepared) -> bool {
        self.authorizer
            .is_authorized(&prepared.cedar, &self.policies, &prepared.entities)
            .decision()
            == Decision::Allow
    }

    /// Every request of the grid: each type x action, at org level, in each vault the
    /// policies name and one they do not, with each key they name and one they do not, and
    /// naming no org, the credential's org, or another.
    pub fn grid(&self) -> Vec<Value> {
        let vaults = ["v1", "v2", "v3", "v9", "v5"];
        let keys = ["k1", "k2", "k7", "k8"];
        let orgs = [None, Some(self.org.as_str()), Some("org_2")];
        let mut out = Vec::new();
        for kind in ResourceType::ALL {
            for action in Action::ALL {
                let mut places = vec![(None, None)];
                for vault in vaults {
                    places.push((Some(vault), None));
                    for key in keys {
                        places.push((Some(vault), Some(key)));
                    }
                }
                for (vault, key) in places {
                    for org in orgs {
                        let mut request =
                            json!({ "type": kind.as_str(), "action": action.as_str() });
                        for (name, value) in [("vault", vault), ("key", key), ("org", org)] {
                            if let (Some(value), Some(map)) = (value, request.as_object_mut()) {
                                map.insert(name.to_owned(), json!(value));
                            }
                        }
                        out.push(request);
                    }
                }
            }
        }
        out
    }

    /// Decides every request of the grid and the benchmarked ones with both engines: the
    /// number of requests and of allows, or the requests they disagree on.
    pub fn agree(&self) -> Result<(usize, usize), Vec<String>> {
        let mut requests = vec![self.allow.clone(), self.deny.clone()];
        requests.extend(self.grid());
        let (mut allowed, mut differ) = (0, Vec::new());
        for request in &requests {
            match self.prepare(request) {
                Ok(p) => {
                    let (ours, theirs) = (self.credgate_allows(&p), self.cedar_allows(&p));
                    if ours != theirs {
                        differ.push(format!(
                            "{request}: credgate allowed={ours}, cedar allowed={theirs}"
                        ));
                    }
                    allowed += usize::from(ours);
                }
                Err(e) => differ.push(format!("{request}: {e}")),
            }
        }
        if differ.is_empty() {
            Ok((requests.len(), allowed))
        } else {
            Err(differ)
        }
    }
}
