"""pydantic support for :class:`credgate.Claims` (imported only when pydantic asks).

``Claims.__get_pydantic_core_schema__`` (native) calls :func:`claims_schema`, so pydantic is
never a dependency of credgate: this module is imported by pydantic's own schema building.

A ``Claims`` field (of a pydantic model, a FastAPI ``response_model`` or a route's return
annotation) accepts a ``Claims`` object as it is and serializes as its JSON form
(``claims.to_dict()``); its JSON schema is the token's claims. Claims come from a verified
token only: a dict (or JSON) given for a ``Claims`` field is refused, never trusted.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from pydantic_core import PydanticCustomError, SchemaSerializer, core_schema

__all__ = ["claims_schema", "claims_serializer"]

_SERIALIZER: Optional[SchemaSerializer] = None


def _claims_json_schema() -> core_schema.CoreSchema:
    """The members of a token's claims (docs/TOKENS.md), for JSON schemas and /docs."""
    text = core_schema.str_schema()
    texts = core_schema.list_schema(text)
    field = core_schema.typed_dict_field
    return core_schema.typed_dict_schema(
        {
            "iss": field(text),
            "sub": field(text),
            "aud": field(core_schema.union_schema([text, texts])),
            "client_id": field(text),
            "iat": field(core_schema.int_schema()),
            "exp": field(core_schema.int_schema()),
            "nbf": field(core_schema.int_schema(), required=False),
            "jti": field(text),
            "scope": field(text),
            "org": field(text),
            "ips": field(texts),
            "env": field(core_schema.literal_schema(["sandbox", "production"])),
        },
        extra_behavior="allow",
        total=True,
    )


def _not_from_input(value: Any) -> Any:
    raise PydanticCustomError(
        "credgate_claims",
        "claims come from a verified token (credgate.Verifier), not from input",
    )


def _to_dict(claims: Any) -> Dict[str, Any]:
    result: Dict[str, Any] = claims.to_dict()
    return result


def claims_schema(cls: type, source: Any, handler: Any) -> core_schema.CoreSchema:
    """The core schema of ``Claims``: instances as they are, the JSON form out."""
    return core_schema.json_or_python_schema(
        json_schema=core_schema.no_info_after_validator_function(
            _not_from_input, _claims_json_schema()
        ),
        python_schema=core_schema.is_instance_schema(cls),
        serialization=core_schema.plain_serializer_function_ser_schema(
            _to_dict, return_schema=_claims_json_schema()
        ),
    )


def claims_serializer() -> SchemaSerializer:
    """The serializer pydantic uses for a ``Claims`` value whose type it infers (``Any``):
    the JSON form. Built once."""
    global _SERIALIZER
    if _SERIALIZER is None:
        _SERIALIZER = SchemaSerializer(
            core_schema.any_schema(
                serialization=core_schema.plain_serializer_function_ser_schema(
                    _to_dict, return_schema=_claims_json_schema()
                )
            )
        )
    return _SERIALIZER
