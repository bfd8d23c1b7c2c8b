"""Prints the native benchmark figures and ratios from criterion's estimates (one run)."""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")


def ns(group, name):
    data = json.loads((root / group / name / "new" / "estimates.json").read_text())
    return data["median"]["point_estimate"]


bare = ns("token", "verify_strict_alone")
full = ns("token", "full_verification")
check = ns("token", "check")
allow = ns("authorize_20", "allow_last")
deny = ns("authorize_20", "deny_with_near_misses")
contains = ns("allowlist_6", "contains_miss")
text = ns("allowlist_6", "check_text_miss")
print("native benchmark, criterion medians (one run)")
print(f"  verify_strict alone          {bare / 1000:8.2f} us")
print(f"  full token verification      {full / 1000:8.2f} us")
print(f"  check (verify+ip+authorize)  {check / 1000:8.2f} us")
print(f"  authorize, 20 perms, allow   {allow:8.1f} ns   (target < 100 ns)")
print(f"  authorize, 20 perms, deny    {deny:8.1f} ns   (with near misses)")
print(f"  allowlist 6 entries, parsed  {contains:8.1f} ns   (target < 20 ns)")
print(f"  allowlist 6 entries, text    {text:8.1f} ns   (includes parsing the address)")
