"""The backend as a deployable package: pyproject.toml names its dependencies as ranges,
PostgreSQL's driver as the `postgresql` extra, and a console script that exists."""

from __future__ import annotations

import importlib
import re
import sys
import tomllib

from conftest import BACKEND


def test_pyproject_describes_the_service() -> None:
    project = tomllib.loads((BACKEND / "pyproject.toml").read_text())["project"]
    assert project["name"] == "credgate-example-backend"
    names = {re.split(r"[\[<>=!~ ]", d)[0].lower(): d for d in project["dependencies"]}
    assert set(names) >= {"credgate", "fastapi", "uvicorn", "pydantic-settings", "sqlalchemy", "alembic"}
    for requirement in names.values():  # ranges, never a pin nor an open end
        assert ">=" in requirement and "<" in requirement and "==" not in requirement, requirement
    assert [d for d in project["optional-dependencies"]["postgresql"] if d.startswith("psycopg[binary]")]
    module, _, attribute = project["scripts"]["credgate-backend"].partition(":")
    sys.path.insert(0, str(BACKEND))
    assert callable(getattr(importlib.import_module(module), attribute))
