"""credgate's conformance-vector generator: one module per vector file (suite).

Each suite module defines FILE (the file name in tests/vectors/), NAME (its "suite"),
COMMENT (its leading "comment" member) and cases() (its cases, in file order). Helpers
shared by every suite live in common.py; a suite that needs another suite's helpers (for
example decisions.py, which reuses the builders of the other suites) imports them from that
module. Literal tables that need no computation live in data/ (Python files, not JSON, so
the hosts' runners, which search tests/vectors/ recursively for *.json, never see them).

Entry point: tests/vectors/generate.py (see its docstring and tests/vectors/README.md).
"""

import json
import sys

from . import (
    authorize,
    check,
    decisions,
    decisions_host_ops,
    diff,
    explain,
    interop,
    ip,
    issue,
    lifecycle,
    lifecycle_host_ops,
    lint,
    outcomes,
    permissions,
    preview,
    revocations,
    spec,
    token_requests,
    tokens,
)
from .common import HOST_OP_FILES, HOST_OPS, JWKS, OPS, OUT, SHARED, render, suite

# Every suite, one module per vector file.
SUITES = (
    permissions,
    authorize,
    spec,
    ip,
    tokens,
    check,
    token_requests,
    issue,
    interop,
    decisions,
    preview,
    lint,
    decisions_host_ops,
    outcomes,
    explain,
    diff,
    lifecycle,
    lifecycle_host_ops,
    revocations,
)


def build():
    """{file name: document} for every suite."""
    files = {}
    for mod in SUITES:
        assert mod.FILE not in files, ("two suites write", mod.FILE)
        files[mod.FILE] = suite(mod.FILE, mod.NAME, mod.COMMENT, mod.cases())
    return files


def self_check(files):
    # The starter JWKS is what we rebuilt from the seeds (when the starter set is there).
    starter = SHARED / "conformance" / "tokens.json"
    if starter.exists():
        first = json.loads(starter.read_text())["cases"][0]["input"]["jwks"]
        assert first == JWKS, "starter JWKS differs from the seeds"
    for fname, doc in files.items():
        text = render(doc)
        back = json.loads(text)
        assert list(back)[0] == "comment", fname
        assert isinstance(back["suite"], str) and back["cases"], fname
        for c in back["cases"]:
            assert c["op"] in OPS or (fname in HOST_OP_FILES and c["op"] in HOST_OPS), (fname, c["name"])


def main(argv):
    """generate.py [--check]: write every file, or (--check) compare them byte for byte.

    --check writes nothing; it names every file that is out of date or missing, and every
    *.json below tests/vectors/ that no suite writes (the hosts' runners read all of them, so
    such a file would run unchecked by this generator), and then returns 1."""
    check_only = "--check" in argv
    if [a for a in argv if a != "--check"]:
        print("usage: generate.py [--check]", file=sys.stderr)
        return 2
    files = build()
    self_check(files)
    problems = []
    for fname, doc in sorted(files.items()):
        path = OUT / fname
        data = render(doc).encode()
        n = len(doc["cases"])
        if not check_only:
            path.write_bytes(data)
        elif not path.exists():
            problems.append(f"{fname}: missing ({n} cases expected)")
            continue
        elif path.read_bytes() != data:
            problems.append(f"{fname}: out of date (differs from what the generator writes, {n} cases)")
            continue
        print(f"{fname}: {n} cases")
    print(f"total: {sum(len(d['cases']) for d in files.values())} cases")
    for path in sorted(OUT.rglob("*.json")):
        rel = path.relative_to(OUT).as_posix()
        if rel not in files:
            msg = f"{rel}: not written by any suite of generate.py (the runners would read it as vectors)"
            if check_only:
                problems.append(msg)
            else:
                print("warning: " + msg, file=sys.stderr)
    if problems:
        for msg in problems:
            print("DRIFT " + msg, file=sys.stderr)
        print(f"generate.py --check: {len(problems)} file(s) drifted from the generator; run "
              "`python3 tests/vectors/generate.py` and commit the result (or fix the generator)",
              file=sys.stderr)
        return 1
    return 0
