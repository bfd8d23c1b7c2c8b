"""The conformance runner for the Python host (format: CONFORMANCE.md).

Each case's ``input`` goes through the native module's JSON façade (the same entry the
Python API is built on, and the same wire format on every host: answers and failures are
both outputs there) and its output is compared with ``expect`` as a JSON subset:
every member of ``expect`` must be present and equal in the output, objects recursively,
arrays exactly, except the arrays compared "as sets" (the members named in
:data:`SET_MEMBERS`). ``true``/``false`` never equal ``1``/``0``.

That the typed API returns the answers and raises the failures of the same outputs (SPEC §9:
``validate_spec`` a :class:`~credgate.SpecReport`, the token endpoint a
:class:`~credgate.TokenRefusal`, ``check`` a 400 decision...) is checked on every vector by
``tests/test_conformance.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence, TextIO, Tuple

from . import _credgate

__all__ = ["SET_MEMBERS", "subset_matches", "collect_files", "run", "main"]

#: Arrays compared as sets: validate_spec ``errors``, authorize ``near_misses``, lint ``findings``.
SET_MEMBERS = frozenset({"errors", "near_misses", "findings"})

HOST = "python"


def _same_scalar(expect: Any, got: Any) -> bool:
    if isinstance(expect, bool) or isinstance(got, bool):
        return isinstance(expect, bool) and isinstance(got, bool) and expect == got
    if isinstance(expect, (int, float)) and isinstance(got, (int, float)):
        return expect == got
    return type(expect) is type(got) and expect == got


def _match_as_set(expect: List[Any], got: List[Any]) -> bool:
    """Every expected element subset-matches a distinct output element, and sizes agree."""
    if len(expect) != len(got):
        return False
    # Bipartite matching (small arrays): expected element i -> output element j.
    owner: List[Optional[int]] = [None] * len(got)

    def place(i: int, seen: List[bool]) -> bool:
        for j, g in enumerate(got):
            if not seen[j] and subset_matches(expect[i], g):
                seen[j] = True
                k = owner[j]
                if k is None or place(k, seen):
                    owner[j] = i
                    return True
        return False

    return all(place(i, [False] * len(got)) for i in range(len(expect)))


def subset_matches(expect: Any, got: Any, key: Optional[str] = None) -> bool:
    """Whether ``got`` contains ``expect`` (CONFORMANCE.md's JSON subset rule)."""
    if isinstance(expect, dict):
        if not isinstance(got, dict):
            return False
        return all(k in got and subset_matches(v, got[k], k) for k, v in expect.items())
    if isinstance(expect, list):
        if not isinstance(got, list):
            return False
        if key in SET_MEMBERS:
            return _match_as_set(expect, got)
        return len(expect) == len(got) and all(
            subset_matches(e, g) for e, g in zip(expect, got)
        )
    return _same_scalar(expect, got)


def collect_files(paths: Sequence[str]) -> Tuple[List[Path], List[str]]:
    """Vector files named by ``paths`` (folders are searched for ``*.json``), and errors."""
    files: List[Path] = []
    errors: List[str] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*.json") if f.is_file())
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            errors.append(f"{raw}: cannot read: no such file or folder")
    return files, errors


def _compact(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def run(paths: Sequence[str], out: TextIO = sys.stdout) -> int:
    """Run every case in ``paths``; print failures and the summary line; return the exit code."""
    files, errors = collect_files(paths)
    passed = failed = 0
    ops = set(_credgate.OPS)
    for line in errors:
        print(line, file=out)
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
            cases = doc["cases"]
            if not isinstance(cases, list):
                raise TypeError("`cases` is not an array")
        except (OSError, ValueError, KeyError, TypeError) as e:
            errors.append(str(f))
            print(f"{f}: cannot read: {e}", file=out)
            continue
        for i, case in enumerate(cases):
            name = case.get("name", f"#{i}") if isinstance(case, dict) else f"#{i}"
            if not isinstance(case, dict) or "expect" not in case:
                failed += 1
                print(f"{f}: {name}: malformed case (needs op, input, expect)", file=out)
                continue
            op = case.get("op")
            if op not in ops:
                failed += 1
                errors.append(f"{f}: {name}")
                print(f"{f}: {name}: unknown op {op!r}", file=out)
                continue
            got = json.loads(_credgate.call(op, json.dumps(case.get("input"))))
            if subset_matches(case["expect"], got):
                passed += 1
            else:
                failed += 1
                print(
                    f"{f}: {name}: expected {_compact(case['expect'])} got {_compact(got)}",
                    file=out,
                )
    print(f"{HOST}: {passed} passed, {failed} failed", file=out)
    return 1 if failed or errors or (passed == 0 and not files) else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m credgate conformance PATH...", file=sys.stderr)
        return 2
    return run(args)
