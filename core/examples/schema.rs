//! Prints the JSON Schema (draft 2020-12) of every façade operation's input and answer,
//! and of a failure, read from the same types serde uses: what the JS package's TypeScript
//! declarations are checked against (`wasm/tests/schema.test.mjs`).
//!
//! `cargo run -q -p credgate-core --features schema --example schema > schemas.json`
//!
//! Output: `{"operations": {NAME: {"input": SCHEMA, "answer": SCHEMA}}, "failure": SCHEMA}`;
//! inputs are described as they are read, answers as they are written.

use credgate_core::facade;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema};
use serde_json::{json, Map, Value};

fn schema<T: JsonSchema>(settings: &SchemaSettings) -> Schema {
    settings
        .clone()
        .into_generator()
        .into_root_schema_for::<T>()
}

fn pair<I: JsonSchema, A: JsonSchema>() -> Value {
    let read = SchemaSettings::draft2020_12().for_deserialize();
    let written = SchemaSettings::draft2020_12().for_serialize();
    json!({ "input": schema::<I>(&read), "answer": schema::<A>(&written) })
}

fn main() -> Result<(), serde_json::Error> {
    use facade::*;
    let mut operations = Map::new();
    for op in Operation::ALL {
        let schemas = match op {
            Operation::ParsePermission => pair::<ParsePermissionInput, ParsedPermission>(),
            Operation::ValidateSpec => pair::<ValidateSpecInput, SpecReport>(),
            Operation::IpAllowed => pair::<IpAllowedInput, IpDecision>(),
            Operation::Authorize => pair::<AuthorizeInput, Authorized>(),
            Operation::VerifyToken => pair::<VerifyTokenInput, VerifiedToken>(),
            Operation::Check => pair::<CheckInput, Checked>(),
            Operation::ParseTokenRequest => pair::<TokenRequestInput, TokenRequestAnswer>(),
            Operation::IssueToken => pair::<IssueTokenInput, IssueAnswer>(),
            Operation::Preview => pair::<PreviewInput, Preview>(),
            Operation::Lint => pair::<LintInput, LintReport>(),
            Operation::CreateCredential => pair::<CreateCredentialInput, CreatedCredential>(),
            Operation::UpdateCredential => pair::<UpdateCredentialInput, UpdatedCredential>(),
            Operation::SetTypeDefaults => pair::<SetTypeInput, SetTypeDefaults>(),
            Operation::PublicJwks => pair::<PublicJwksInput, PublishedJwks>(),
            Operation::ParseBearer => pair::<BearerInput, BearerAnswer>(),
            Operation::VerifySecret => pair::<VerifySecretInput, SecretCheck>(),
            Operation::Explain => pair::<ExplainInput, Explained>(),
            Operation::Diff => pair::<DiffInput, DiffAnswer>(),
            Operation::RotateSecret => pair::<RotateSecretInput, CreatedCredential>(),
            Operation::Suggest => pair::<SuggestInput, SuggestAnswer>(),
            Operation::SignRevocations => pair::<SignRevocationsInput, SignedRevocations>(),
            Operation::LoadRevocations => pair::<LoadRevocationsInput, LoadedRevocations>(),
            Operation::Vocabulary => pair::<VocabularyInput, Vocabulary>(),
        };
        operations.insert(op.as_str().to_owned(), schemas);
    }
    let written = SchemaSettings::draft2020_12().for_serialize();
    let document = json!({ "operations": operations, "failure": schema::<Failure>(&written) });
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}
