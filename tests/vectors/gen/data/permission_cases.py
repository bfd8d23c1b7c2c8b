"""Literal tables of permissions.json (parse_permission, SPEC §1), read by gen/permissions.py.

Plain data, no computation (but one 65-character resource written as "v" * 65). The rows are
written to permissions.json in the order of this file, after the applicability table, the
actions and the resource lengths that gen/permissions.py builds.
"""


# Characters outside the resource grammar [A-Za-z0-9_.-]: (character, label); each case is
# "resource with <label> is invalid" with the text balances:read:vault:v<character>1.
RESOURCE_BAD_CHARS = [
    ("/", "slash"),
    ("@", "at sign"),
    ("+", "plus"),
    ("%", "percent"),
    ("#", "hash"),
    ("*", "star"),
    ("!", "bang"),
    ("é", "e acute"),
    ("\u00e9t\u00e9", "non-ASCII word"),
    (",", "comma"),
    ("~", "tilde"),
    ("'", "quote"),
]


# Structure -> permission.invalid: (text, label); each case is "invalid: <label>".
# Segment count, empty segments and whitespace anywhere (spaces, tab, CR, LF).
STRUCTURE_INVALID = [
    ("", "empty text"),
    ("balances", "1 segment"),
    ("balances:read", "2 segments"),
    ("balances:read:vault:v1:x", "5 segments"),
    ("a:b:c:d:e", "5 unknown segments"),
    ("vault::org", "empty middle segment"),
    (":read:org", "empty first segment"),
    ("vault:read:", "empty last of 3 segments"),
    ("vault:read:vault:", "empty resource segment"),
    (":::", "only separators (4 empty segments)"),
    ("::", "only separators (3 empty segments)"),
    ("vault:read:org:", "trailing colon after org"),
    ("vault:read: org", "space inside"),
    (" vault:read:org", "leading space"),
    ("vault:read:org ", "trailing space"),
    ("vault :read:org", "space before colon"),
    ("vault:read:vault:v 1", "space in resource"),
    ("vault:read:org\n", "trailing newline"),
    ("vault:read:\torg", "tab"),
    ("vault:read:vault:v1\r", "carriage return in resource"),
    ("wallet:read: org", "unknown type but a space (structure first)"),
    ("foo:bar:baz:q:z", "5 unknown segments with junk"),
]


# Text forms refused with a code: (name, text, code). First the check order, first failure wins
# (invalid -> unknown_type -> unknown_action -> unknown_scope -> invalid_resource ->
# resource_with_org_scope -> scope_not_applicable), each text also failing a later check;
# then one case per code.
TEXT_ERRORS = [
    ("order: unknown type before unknown action", "wallet:frob:org", "permission.unknown_type"),
    ("order: all four segments unknown -> unknown_type", "foo:bar:baz:!!", "permission.unknown_type"),
    ("order: unknown type before unknown scope", "wallet:read:galaxy", "permission.unknown_type"),
    ("order: unknown action before unknown scope", "vault:frob:galaxy", "permission.unknown_action"),
    ("order: unknown action before invalid resource", "vault:frob:vault:!!", "permission.unknown_action"),
    ("order: unknown scope before invalid resource", "vault:read:galaxy:!!", "permission.unknown_scope"),
    ("order: invalid resource before resource_with_org_scope", "vault:read:org:!!",
     "permission.invalid_resource"),
    ("order: invalid resource before scope_not_applicable", "webhook:read:vault:!!",
     "permission.invalid_resource"),
    ("order: 65-char resource before scope_not_applicable", "audit:read:key:" + "v" * 65,
     "permission.invalid_resource"),
    ("resource with org scope", "balances:read:org:vlt_1", "permission.resource_with_org_scope"),
    ("resource with org scope on a type limited to org", "webhook:create:org:wh_1",
     "permission.resource_with_org_scope"),
    ("scope not applicable with a valid resource", "audit:read:key:k1", "permission.scope_not_applicable"),
    ("unknown type (plural)", "vaults:read:org", "permission.unknown_type"),
    ("unknown type wallet", "wallet:read:org", "permission.unknown_type"),
    ("unknown action list", "vault:list:org", "permission.unknown_action"),
    ("unknown action write", "balances:write:vault", "permission.unknown_action"),
    ("unknown scope organization", "vault:read:organization", "permission.unknown_scope"),
    ("unknown scope wallet", "key:read:wallet:k1", "permission.unknown_scope"),
]
