"""``python -m credgate``: the command line of the Python package.

    python -m credgate conformance PATH...   run conformance vectors (files or folders)
    python -m credgate ops                   list the core's operations
    python -m credgate version               print the package version
"""

from __future__ import annotations

import sys
from typing import List, Optional

from . import __version__, _conformance, _credgate

USAGE = __doc__ or ""


def main(argv: Optional[List[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE.strip())
        return 0 if args else 2
    cmd, rest = args[0], args[1:]
    if cmd == "conformance":
        if not rest or rest[0] in ("-h", "--help"):
            print("usage: python -m credgate conformance PATH...", file=sys.stderr)
            return 2 if not rest else 0
        return _conformance.run(rest)
    if cmd == "ops":
        print("\n".join(_credgate.OPS))
        return 0
    if cmd == "version":
        print(__version__)
        return 0
    print(f"unknown command {cmd!r}\n\n{USAGE.strip()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
