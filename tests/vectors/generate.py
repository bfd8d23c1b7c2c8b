#!/usr/bin/env python3
"""Generate credgate's own conformance vectors (tests/vectors/*.json).

Run:  python3 tests/vectors/generate.py            (writes the files next to this script)
      python3 tests/vectors/generate.py --check    (writes nothing; names every file that
                                                     differs from its generator and exits 1)

Works from any directory. Needs only the standard library and `cryptography` (Ed25519
signing from a seed). The output is deterministic: Ed25519 signatures are deterministic, and
every time, id and `jti` is fixed, so regenerating gives byte-identical files.

Every expectation is written from ../shared/SPEC.md (and the lead's decisions where the SPEC
is silent, noted next to the cases that rely on them), NOT from credgate's core. Tokens are
built by hand (header JSON, payload JSON, base64url, Ed25519) so the core's encoder is not
trusted to produce its own test inputs.

The generator is the package gen/ next to this script: gen/common.py holds the shared
helpers (seeds, base64url, signing, JWKs, mint, the case and suite writers) and there is one
module per vector file (gen/permissions.py -> permissions.json, ...); gen/__init__.py lists
the suites and holds main().
"""

import sys
from pathlib import Path

sys.dont_write_bytecode = True  # keep tests/vectors/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen  # noqa: E402

if __name__ == "__main__":
    sys.exit(gen.main(sys.argv[1:]))
