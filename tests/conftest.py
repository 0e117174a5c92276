"""Shared fixtures: the fixture catalogs, golden files, and skips that CI turns into failures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlops_refs import load_catalog
from mlops_refs.model import Catalog

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
STRICT_VAR = "MLOPS_REFS_STRICT"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the catalog cache of the test run (and of the programs it starts) out of the user's home."""
    import tempfile

    os.environ.setdefault("MLOPS_REFS_CACHE_DIR", tempfile.mkdtemp(prefix="mlops-refs-cache-"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="rewrite tests/golden/ from current output"
    )
    parser.addoption(
        "--update-screenshots", action="store_true", help="rewrite the HTML page's screenshots in docs/"
    )


def skip_or_fail(reason: str) -> None:
    """Skip with a reason; under MLOPS_REFS_STRICT=1 (as in CI) fail instead."""
    if os.environ.get(STRICT_VAR) == "1":
        pytest.fail(f"{reason} (a skip is a failure because {STRICT_VAR}=1)")
    pytest.skip(reason)


def require_program(name: str) -> str:
    """Path of an external program, or skip (fail in strict mode) naming it."""
    path = shutil.which(name)
    if path is None:
        skip_or_fail(f"{name} is not installed")
    return path  # type: ignore[return-value]


def reference_file(variable: str) -> Path:
    """A third-party reference file named by an environment variable, or skip (fail in strict mode)."""
    value = os.environ.get(variable)
    if not value:
        skip_or_fail(f"{variable} is not set (it names a file in shared/reference/)")
    path = Path(value)  # type: ignore[arg-type]
    if not path.is_file():
        skip_or_fail(f"{variable}={value} is not a file")
    return path


CORPUS_VAR = "MLOPS_REFS_IMPORT_CORPUS"


def corpus_params(folder: str, pattern: str) -> list[Any]:
    """One pytest param per import-corpus file of a format (a single None when the corpus is not set)."""
    value = os.environ.get(CORPUS_VAR)
    files = sorted(Path(value, folder).glob(pattern)) if value else []
    return [pytest.param(p, id=p.name) for p in files] or [pytest.param(None, id="no-corpus")]


def corpus_file(path: Path | None) -> Path:
    """A corpus file given by corpus_params, or skip (fail in strict mode) when the corpus is not set."""
    if path is None:
        skip_or_fail(f"{CORPUS_VAR} is not set (it names shared/reference/import-corpus)")
    return path  # type: ignore[return-value]


@pytest.fixture(scope="session")
def good_catalog() -> Catalog:
    return load_catalog(FIXTURES / "good")


@pytest.fixture(scope="session")
def evil_catalog() -> Catalog:
    return load_catalog(FIXTURES / "evil")


@pytest.fixture(scope="session")
def bundled_catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME, or rewrite it under --update-goldens."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            return
        if not path.exists():
            pytest.fail(f"golden file {path} is missing; run pytest --update-goldens and review the diff")
        assert text == path.read_bytes().decode("utf-8"), f"output differs from {path}"

    return check


def no_child_left() -> bool:
    """True when this process has no child process left to reap (every fork was waited for)."""
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False
