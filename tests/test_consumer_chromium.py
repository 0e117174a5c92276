"""The bookmarks export in Chromium, the real program: its first-run import, read back from the profile.

Debian's Chromium imports ``distribution.import_bookmarks_from_file`` of /etc/chromium/initial_preferences on a
profile's first run (``--force-first-run`` makes a headless run a first run). The test puts its own
preferences there inside a private mount namespace (``unshare --mount``, a bind mount seen by Chromium alone),
so the machine's file is never touched, and without a network (``unshare --net``). It needs root, as CI has.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ada_url
import pytest

from conftest import require_program, skip_or_fail
from mlops_refs import dumps
from mlops_refs.exporters.netscape import unix_time
from mlops_refs.model import Catalog, Collection, Resource

pytestmark = pytest.mark.consumer

CATALOGS = ["bundled_catalog", "evil_catalog"]
PREFERENCES_FOLDER = Path("/etc/chromium")
WINDOWS_EPOCH_OFFSET = 11_644_473_600  # seconds from 1601-01-01 (Chromium's epoch) to 1970-01-01
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-default-browser-check",
    "--force-first-run",
)


def import_in_chromium(bookmarks: Path, folder: Path) -> dict[str, Any]:
    """Run Chromium's first-run import of `bookmarks` into a fresh profile; its Bookmarks file, parsed."""
    chromium = require_program("chromium")
    unshare = require_program("unshare")
    if os.geteuid() != 0 or not PREFERENCES_FOLDER.is_dir():
        skip_or_fail(f"Chromium's import needs root and {PREFERENCES_FOLDER} (a bind mount over it)")
    preferences = folder / "etc-chromium"
    preferences.mkdir()
    (preferences / "initial_preferences").write_text(
        json.dumps(
            {
                "distribution": {
                    "import_bookmarks": False,
                    "import_bookmarks_from_file": str(bookmarks),
                    "skip_first_run_ui": True,
                    "make_chrome_default_for_user": False,
                },
                "browser": {"check_default_browser": False},
            }
        ),
        encoding="utf-8",
    )
    profile = folder / "profile"
    script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    command = [unshare, "--mount", "--net", "--propagation", "private", "sh", "-c", script, "sh"]
    command += [str(preferences), str(PREFERENCES_FOLDER), chromium, *FLAGS, f"--user-data-dir={profile}"]
    command += ["--dump-dom", "about:blank"]
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=180,
        stdin=subprocess.DEVNULL,
        check=False,
        env={**os.environ, "HOME": str(folder)},
    )
    saved = profile / "Default" / "Bookmarks"
    assert result.returncode == 0, f"chromium exited {result.returncode}:\n{result.stderr[-3000:]}"
    assert saved.is_file(), f"Chromium wrote no Bookmarks file:\n{result.stderr[-3000:]}"
    return json.loads(saved.read_text(encoding="utf-8"))


def folders(node: dict[str, Any], depth: int = 0) -> Iterator[tuple[dict[str, Any], int]]:
    """Every folder under `node`, depth first in order, with its depth."""
    for child in node.get("children", []):
        if child["type"] == "folder":
            yield child, depth
            yield from folders(child, depth + 1)


def holds_links(catalog: Catalog, collection: Collection) -> bool:
    """Whether a collection or one below it holds a resource (Chromium drops folders without links)."""
    return any(catalog.members(c) for c in catalog.descendants(collection))


def chromium_time(catalog: Catalog, resource: Resource) -> str | None:
    """Chromium's date_added (microseconds since 1601) for the ADD_DATE the exporter wrote."""
    seconds = unix_time(resource.accessed, resource.issued, catalog.date)
    return None if seconds is None else str((seconds + WINDOWS_EPOCH_OFFSET) * 1_000_000)


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_chromium_imports_every_folder_and_link_with_its_title_url_and_date(
    catalog_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    catalog: Catalog = request.getfixturevalue(catalog_name)
    bookmarks = tmp_path / "bookmarks.html"
    bookmarks.write_text(dumps(catalog, "netscape"), encoding="utf-8")
    roots = import_in_chromium(bookmarks, tmp_path)["roots"]

    # The imported tree lands on the bookmarks bar, as one folder: the exporter's wrapper.
    bar = roots["bookmark_bar"]["children"]
    assert [(node["type"], node["name"]) for node in bar] == [("folder", catalog.info.title)]
    assert roots["other"]["children"] == []
    walked = list(folders(bar[0]))
    expected = [(c, depth) for c, depth in catalog.walk() if holds_links(catalog, c)]
    assert [(node["name"], depth) for node, depth in walked] == [(c.title, d) for c, d in expected]

    for (node, _), (collection, _) in zip(walked, expected, strict=True):
        links = [child for child in node["children"] if child["type"] == "url"]
        members = catalog.members(collection)
        got = [(link["name"], link["url"], link.get("date_added")) for link in links]
        want = [
            (" ".join(r.title.splitlines()), ada_url.URL(r.url).href, chromium_time(catalog, r))
            for r in members
        ]
        assert got == want, collection.id
    if catalog_name == "bundled_catalog":
        assert [c.title for c, _ in expected] == [c.title for c, _ in catalog.walk()]  # no folder is empty
