"""The HTTP bodies as pydantic models: what each route accepts (so ``/docs`` shows a real
request schema) and what the main routes answer.

These models check JSON *types* only: a number where a string goes, an unknown member, a
missing member. They must never judge what credgate judges (name and description lengths,
the permission grammar, IP entries, environment words, set types): those members are typed
loosely (a string, a list of strings or objects) so that credgate's ``validate_spec`` reports
them as ``invalid_spec`` problems, exactly as the browser's WASM ``validateSpec`` does.

A body is read by :func:`parse_body`: the bytes come capped and strictly parsed from
``inputs.py`` (no duplicate members, no NaN, bounded depth), then validated in strict mode;
a refusal is a 400 ``invalid_request`` naming the member's path.
"""

from __future__ import annotations

from typing import Annotated, Any, Awaitable, Callable, Dict, List, Literal, Optional, Type, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError, field_validator
from pydantic.json_schema import models_json_schema
from starlette.requests import Request

from .inputs import MAX_JSON_BODY_BYTES, ClientError, parse_json_object, read_body

MAX_COMMENT = 500
MAX_VAULT_NAME = 100
DisableReason = Literal["compromised", "unused", "security_review", "other"]
Policy = Literal["always", "production", "never"]



def _permission(value: Any) -> Any:
    # One plain check rather than pydantic's union, whose errors name each alternative
    # (`permissions[1].str`, `permissions[1].dict[str,any]`) instead of the member.
    if isinstance(value, (str, dict)):
        return value
    raise ValueError("must be a permission text such as `vault:read:org` or an object of type, action, scope"
                     " and resource")


# A permission as the console's editor sends it (an object of type, action, scope and
# resource) or as text (`vault:read:org`); credgate parses and judges either.
PermissionInput = Annotated[Any, PlainValidator(_permission, json_schema_input_type=Union[str, Dict[str, Any]])]


class Body(BaseModel):
    """A request body: strict JSON types, no member beyond those declared."""

    model_config = ConfigDict(extra="forbid", strict=True)


class SpecMembers(Body):
    """The members of a credential spec, each optional here: a missing or malformed one is
    credgate's to report (``name.length``, ``permissions.empty``...), not this model's."""

    name: Optional[str] = Field(None, description="5 to 50 characters (credgate checks)")
    description: Optional[str] = Field(None, description="none, or 5 to 50 characters (credgate checks)")
    permission_set_type: Optional[str] = Field(None, description="wallets, transactions, controls or monitoring")
    permissions: Optional[List[PermissionInput]] = Field(
        None, description="`type:action:scope[:resource]` texts or {type, action, scope, resource} objects")
    ip_allowlist: Optional[List[str]] = Field(None, description="IPv4 addresses or CIDRs (`0.0.0.0/0`: all)")
    environment: Optional[str] = Field(None, description="sandbox or production")


class CreateCredential(SpecMembers):
    """``POST /admin/credentials``: a spec, the organisation (default ``CREDGATE_ORG``) and an
    optional expiry (Unix seconds; null or absent: never)."""

    org: Optional[str] = Field(None, description="the organisation (default: the service's CREDGATE_ORG)")
    expires_at: Optional[int] = Field(None, description="Unix seconds, later than now; null: never")

    @field_validator("org", mode="before")
    @classmethod
    def _org_given(cls, value: Any) -> Any:
        # Absent means the default organisation; an explicit null is not an organisation.
        if value is None:
            raise ValueError("must be a string (leave it out for the default organisation)")
        return value


class UpdateCredential(SpecMembers):
    """``PATCH /admin/credentials/{id}``: the spec members to change (the others stay)."""


class Disable(Body):
    """``POST /admin/credentials/{id}/disable``: why (optional; an empty body is allowed)."""

    reason: Optional[DisableReason] = Field(None, description=(
        "compromised: the secret may be compromised; unused: no longer used; security_review: paused for a"
        " security review; other: another reason"))
    comment: Optional[str] = Field(None, max_length=MAX_COMMENT)


class RotateSecret(Body):
    """``POST /admin/credentials/{id}/rotate``: how long the current secret stays valid, or
    ``compromised`` (no grace; tokens issued so far are revoked)."""

    grace_seconds: Optional[int] = Field(None, description="0 to 30 days (credgate checks); required"
                                         " unless compromised")
    compromised: bool = False


class SetExpiry(Body):
    """``PUT /admin/credentials/{id}/expiry``."""

    expires_at: Optional[int] = Field(..., description="Unix seconds, later than now; null: never")


class RevokeToken(Body):
    """``POST /admin/tokens/revoke``: one token by its ``jti``."""

    jti: str = Field(..., description="1 to 128 characters of A-Z a-z 0-9 _ -")


class SetPolicy(Body):
    """``PUT /admin/approval-policy``."""

    policy: Policy


class Decide(Body):
    """``POST /admin/changes/{id}/approve`` and ``/reject``: an optional comment."""

    comment: Optional[str] = Field(None, max_length=MAX_COMMENT)


class CreateVault(Body):
    """``POST /v1/vaults``: the id (credgate's id grammar) and a display name."""

    id: str
    name: str = Field("", max_length=MAX_VAULT_NAME, description="default: the id")


class CreateKey(Body):
    """``POST /v1/vaults/{vault}/keys``: the key (wallet) id, unique in the organisation."""

    id: str


REQUEST_MODELS: List[Type[Body]] = [CreateCredential, UpdateCredential, Disable, RotateSecret, SetExpiry,
                                    RevokeToken, SetPolicy, Decide, CreateVault, CreateKey]

B = TypeVar("B", bound=Body)


def _path(loc: Any) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def parse_body(model: Type[B], body: bytes, *, empty_allowed: bool = False) -> B:
    """``body`` (already capped) as ``model``, or :class:`ClientError` 400 ``invalid_request``.

    The JSON is parsed by ``inputs.parse_json_object``, not pydantic's ``model_validate_json``:
    pydantic's parser keeps the last of duplicate members, silently dropping what the client
    sent first; the strict parser refuses them (and NaN, and excessive depth). What it yields
    holds only JSON types, so strict validation of it is that of the JSON itself."""
    value = {} if empty_allowed and not body.strip() else parse_json_object(body)
    try:
        return model.model_validate(value, strict=True)
    except ValidationError as e:
        first = e.errors(include_url=False)[0]
        where = _path(first["loc"])
        if first["type"] == "extra_forbidden":
            allowed = ", ".join(model.model_fields)
            raise ClientError(f"unknown member `{where[:64]}`; this route takes {allowed}",
                              extra={"path": where[:64]}) from None
        raised = (first.get("ctx") or {}).get("error")
        text = str(raised) if isinstance(raised, ValueError) else f"{first['msg'][:1].lower()}{first['msg'][1:]}"
        raise ClientError(f"`{where}`: {text}", extra={"path": where}) from None


# ------------------------------------------------------------ answers


class Answer(BaseModel):
    """A response body; members beyond those declared are kept (the record may grow)."""

    model_config = ConfigDict(extra="allow")


class Problem(Answer):
    """One of credgate's spec problems (``Problem.to_dict()``)."""

    path: str
    code: str
    message: str


class ErrorAnswer(Answer):
    """Every refusal: an error code, a text, and for ``invalid_spec`` credgate's problems
    (for ``invalid_request`` from a body, the member's ``path``)."""

    error: str
    error_description: Optional[str] = None
    problems: Optional[List[Problem]] = None
    path: Optional[str] = None


class Me(Answer):
    id: str
    role: Literal["owner", "administrator"]


class SecretView(Answer):
    index: int
    created_at: int
    expires_at: Optional[int] = None
    last_used_at: Optional[int] = None


class CredentialView(Answer):
    """A stored credential as the admin API shows it: the secrets' times, never their digests."""

    client_id: str
    org: str
    name: str
    description: Optional[str] = None
    permission_set_type: str
    permissions: List[Any]
    ip_allowlist: List[str]
    environment: Literal["sandbox", "production"]
    status: Literal["enabled", "disabled", "deleted"]
    created_at: int
    updated_at: int
    expires_at: Optional[int] = None
    secrets: List[SecretView]
    last_used_at: Optional[int] = Field(None, description="the latest token issued or API call allowed")


class NextAfter(Answer):
    after: Optional[str] = None


class CredentialList(Answer):
    credentials: List[CredentialView]
    next: NextAfter


class Created(Answer):
    """A new credential: its secret is in this answer only."""

    status: Literal["active", "pending_approval"]
    change_id: Optional[int] = None
    client_id: str
    client_secret: str
    credential: CredentialView


class Updated(Answer):
    status: Literal["applied", "pending_approval"]
    change_id: Optional[int] = None
    diff: Dict[str, Any]
    credential: Optional[CredentialView] = None


class Rotated(Answer):
    client_id: str
    client_secret: str
    secret: int
    credential: CredentialView


class AuthorizationServerMetadata(Answer):
    """RFC 8414 §2."""

    issuer: str
    token_endpoint: str
    jwks_uri: str
    grant_types_supported: List[str]
    token_endpoint_auth_methods_supported: List[str]
    response_types_supported: List[str]


# ------------------------------------------------------------ wiring to FastAPI


def json_body(model: Type[B], *, empty_allowed: bool = False) -> Callable[[Request], Awaitable[B]]:
    """A dependency reading the request body as ``model`` (capped at ``MAX_JSON_BODY_BYTES``,
    then :func:`parse_body`). Declared as a dependency, not a body parameter, because FastAPI
    would read the whole body unbounded and parse it leniently; :func:`openapi_body` gives
    the route its documented request schema instead."""

    async def read(request: Request) -> B:
        return parse_body(model, await read_body(request, MAX_JSON_BODY_BYTES), empty_allowed=empty_allowed)

    return read


def openapi_body(model: Type[Body], *, required: bool = True) -> Dict[str, Any]:
    """A route's ``openapi_extra``: its request body is ``model`` (in components.schemas)."""
    return {"requestBody": {"required": required, "content": {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


def complete_openapi(doc: Dict[str, Any]) -> Dict[str, Any]:
    """FastAPI's document made true to this API: the request models' schemas in
    components.schemas (the routes reference them), and a bad request documented as what it
    is here, 400 with :class:`ErrorAnswer`, not FastAPI's 422 (the app answers no 422)."""
    models: List[Type[BaseModel]] = [*REQUEST_MODELS, ErrorAnswer]
    _, top = models_json_schema([(m, "validation") for m in models], ref_template="#/components/schemas/{model}")
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(top.get("$defs", {}))
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    refusal = {"description": "refused: `invalid_request` (a bad parameter or body) or `invalid_spec`",
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}}}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if responses.pop("422", None) is not None or "requestBody" in operation:
                responses.setdefault("400", refusal)
    return doc
