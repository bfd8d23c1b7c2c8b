"""lint.json: lint (docs/CODES.md "Lint findings")."""

from .common import case
from .spec import spec


DAY = 24 * 3600
CREATED = 1790000000


def ln(name, s, findings, now=None, created_at=None, expect=None):
    inp = {"spec": s}
    if now is not None:
        inp["now"] = now
    if created_at is not None:
        inp["created_at"] = created_at
    if expect is None:
        expect = {"ok": True, "findings": [{"code": c, "path": p} for c, p in findings]}
    return case(name, "lint", inp, expect)


def cases():
    # spec() is sandbox, wallets, vault:read:org + balances:read:vault:vlt_1, 203.0.113.0/24: no findings.
    prod = dict(environment="production")
    cs = [
        ln("clean spec: no findings", spec(), []),
        ln("clean production spec: no findings", spec(**prod), []),
        # lint.all_addresses
        ln("all_addresses: 0.0.0.0/0", spec(ip_allowlist=["0.0.0.0/0"]),
           [("lint.all_addresses", "ip_allowlist[0]")]),
        ln("all_addresses is not also wide_network nor private in production",
           spec(ip_allowlist=["0.0.0.0/0"], **prod), [("lint.all_addresses", "ip_allowlist[0]")]),
        # lint.wide_network: wider than /16, other than /0
        ln("wide_network: /15", spec(ip_allowlist=["198.0.0.0/15"]), [("lint.wide_network", "ip_allowlist[0]")]),
        ln("wide_network: /1", spec(ip_allowlist=["128.0.0.0/1"]), [("lint.wide_network", "ip_allowlist[0]")]),
        ln("wide_network boundary: /16 is not wide", spec(ip_allowlist=["198.51.0.0/16"]), []),
        ln("wide_network at its index", spec(ip_allowlist=["203.0.113.7", "64.0.0.0/8"]),
           [("lint.wide_network", "ip_allowlist[1]")]),
        # lint.overlapping_networks: the inner entry is reported, whatever the order
        ln("overlapping_networks: address inside an earlier /24",
           spec(ip_allowlist=["198.51.100.0/24", "198.51.100.7"]),
           [("lint.overlapping_networks", "ip_allowlist[1]")]),
        ln("overlapping_networks: address inside a later /24",
           spec(ip_allowlist=["198.51.100.7", "198.51.100.0/24"]),
           [("lint.overlapping_networks", "ip_allowlist[0]")]),
        ln("overlapping_networks: /25 inside /24", spec(ip_allowlist=["192.0.2.128/25", "192.0.2.0/24"]),
           [("lint.overlapping_networks", "ip_allowlist[0]")]),
        ln("adjacent networks do not overlap", spec(ip_allowlist=["192.0.2.0/25", "192.0.2.128/25"]), []),
        ln("everything is inside 0.0.0.0/0", spec(ip_allowlist=["203.0.113.7", "0.0.0.0/0"]),
           [("lint.overlapping_networks", "ip_allowlist[0]"), ("lint.all_addresses", "ip_allowlist[1]")]),
        # lint.private_network_in_production
        ln("private_network_in_production: 192.168.1.0/24", spec(ip_allowlist=["192.168.1.0/24"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("private_network_in_production: 172.31.255.0/24", spec(ip_allowlist=["172.31.255.0/24"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("private_network_in_production: loopback 127.0.0.1", spec(ip_allowlist=["127.0.0.1"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("private_network_in_production: link-local 169.254.10.0/24",
           spec(ip_allowlist=["169.254.10.0/24"], **prod),
           [("lint.private_network_in_production", "ip_allowlist[0]")]),
        ln("172.32.0.0/24 is public", spec(ip_allowlist=["172.32.0.0/24"], **prod), []),
        ln("private network in sandbox: no finding", spec(ip_allowlist=["192.168.1.0/24"]), []),
        ln("private and wide: 10.0.0.0/8 in production",
           spec(ip_allowlist=["10.0.0.0/8"], **prod),
           [("lint.wide_network", "ip_allowlist[0]"), ("lint.private_network_in_production", "ip_allowlist[0]")]),
        # lint.redundant_permission: the narrower permission is reported
        ln("redundant_permission: vault:V under org", spec(permissions=["vault:read:org", "vault:read:vault:vlt_1"]),
           [("lint.redundant_permission", "permissions[1]")]),
        ln("redundant_permission: listed before the wider one",
           spec(permissions=["vault:read:vault:vlt_1", "vault:read:org"]),
           [("lint.redundant_permission", "permissions[0]")]),
        ln("redundant_permission: key:K under vault scope without resource",
           spec(permissions=["balances:read:vault", "balances:read:key:key_1"]),
           [("lint.redundant_permission", "permissions[1]")]),
        ln("not redundant: another action", spec(permissions=["vault:read:org", "vault:update:vault:vlt_1"]), []),
        ln("not redundant: vault:V does not cover vault:W",
           spec(permissions=["balances:read:vault:vlt_1", "balances:read:vault:vlt_2"]), []),
        ln("not redundant: key scope does not cover vault scope",
           spec(permissions=["balances:read:key", "balances:read:vault:vlt_1"]), []),
        # lint.outside_set_type
        ln("outside_set_type: audit in wallets", spec(permissions=["vault:read:org", "audit:read:org"]),
           [("lint.outside_set_type", "permissions[1]")]),
        ln("outside_set_type: vault in monitoring",
           spec(permission_set_type="monitoring", permissions=["webhook:read:org", "vault:create:org"]),
           [("lint.outside_set_type", "permissions[1]")]),
        ln("not outside_set_type: another action of a default type (transactions: key:delete)",
           spec(permission_set_type="transactions", permissions=["key:delete:vault:vlt_1"]), []),
        # lint.org_wide_delete
        ln("org_wide_delete: vault:delete:org in production",
           spec(permissions=["vault:read:org", "vault:delete:org"], **prod),
           [("lint.org_wide_delete", "permissions[1]")]),
        ln("delete at org scope in sandbox: no finding", spec(permissions=["vault:delete:org"]), []),
        ln("delete at vault scope in production: no finding",
           spec(permissions=["vault:delete:vault:vlt_1"], **prod), []),
        # lint.stale_credential: older than 90 days at now
        ln("stale_credential: 90 days and 1 second", spec(), [("lint.stale_credential", "created_at")],
           now=CREATED + 90 * DAY + 1, created_at=CREATED),
        ln("stale_credential boundary: exactly 90 days is not stale", spec(), [], now=CREATED + 90 * DAY,
           created_at=CREATED),
        ln("fresh credential: 1 day", spec(), [], now=CREATED + DAY, created_at=CREATED),
        ln("no age check without created_at", spec(), [], now=CREATED + 400 * DAY),
        ln("no age check without now", spec(), [], created_at=CREATED),
        # several at once
        ln("every finding at once", spec(
            permission_set_type="wallets",
            permissions=["vault:read:org", "vault:read:vault:vlt_1", "audit:read:org", "key:delete:org"],
            ip_allowlist=["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16"],
            environment="production"), [
            ("lint.all_addresses", "ip_allowlist[0]"),
            ("lint.wide_network", "ip_allowlist[1]"),
            ("lint.overlapping_networks", "ip_allowlist[1]"),
            ("lint.private_network_in_production", "ip_allowlist[1]"),
            ("lint.overlapping_networks", "ip_allowlist[2]"),
            ("lint.private_network_in_production", "ip_allowlist[2]"),
            ("lint.redundant_permission", "permissions[1]"),
            ("lint.outside_set_type", "permissions[2]"),
            ("lint.org_wide_delete", "permissions[3]"),
            ("lint.stale_credential", "created_at"),
        ], now=CREATED + 200 * DAY, created_at=CREATED),
        # invalid spec: not linted
        ln("invalid spec: ok false, the validation errors, no findings",
           spec(name="abc", ip_allowlist=["0.0.0.0/0", "010.0.0.1"]), None,
           expect={"ok": False, "errors": [{"path": "name", "code": "name.length"},
                                           {"path": "ip_allowlist[1]", "code": "ip.invalid"}], "findings": []}),
    ]
    return cs


FILE = "lint.json"
NAME = "lint"
COMMENT = (
    "lint (docs/CODES.md \"Lint findings\", core/src/lint.rs), generated by generate.py: one case per finding "
    "code that produces exactly that finding (findings compared as a set), boundaries (/16 not wide, /15 wide, "
    "/0 only all_addresses; 172.31/172.32; exactly 90 days not stale, one second more stale), the inner entry of "
    "an overlap reported whatever the order, private ranges only in production, redundant = covered by another "
    "permission of the same type and action, a clean spec, every finding at once, and an invalid spec "
    "(ok:false with errors and findings [])."
)
