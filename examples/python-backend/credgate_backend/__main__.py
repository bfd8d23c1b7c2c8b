"""``python -m credgate_backend [--host H] [--port P]``: serve with uvicorn (settings from env)."""

from __future__ import annotations

import argparse

import uvicorn


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m credgate_backend", description="credgate example backend")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run("credgate_backend.app:app_from_env", factory=True, host=args.host, port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
