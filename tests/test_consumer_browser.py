"""The bookmarks export in real software: Firefox ESR imports it into places.sqlite, buku into its database."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path

import ada_url
import pytest

from conftest import require_program
from mlops_refs import dumps
from mlops_refs.exporters.netscape import unix_time
from mlops_refs.model import Catalog, Resource

pytestmark = pytest.mark.consumer

CATALOGS = ["bundled_catalog", "evil_catalog"]
IMPORT_TIMEOUT = 60.0  # seconds from launching Firefox to the end of its import
# Written to prefs.js once the import is over: PlacesBrowserStartup.initPlaces resets the pref after it.
IMPORT_DONE = 'user_pref("browser.places.importBookmarksHTML", false);'


def firefox_prefs(bookmarks: Path, dead_port: int) -> dict[str, bool | int | str]:
    """user.js for a fresh headless profile that imports `bookmarks` at start-up and reaches no network."""
    return {
        # The import: PlacesBrowserStartup.initPlaces imports BookmarkHTMLUtils.defaultPath (this pref, else
        # bookmarks.html in the profile) with replace=true when this pref is true, places.sqlite new or not.
        "browser.places.importBookmarksHTML": True,
        "browser.bookmarks.file": str(bookmarks),
        # No first-run pages or prompts.
        "browser.shell.checkDefaultBrowser": False,
        "browser.startup.homepage_override.mstone": "ignore",
        "browser.startup.page": 0,
        "browser.startup.homepage": "about:blank",
        "startup.homepage_welcome_url": "",
        "browser.aboutwelcome.enabled": False,
        "browser.newtabpage.enabled": False,
        "browser.sessionstore.resume_from_crash": False,
        "toolkit.startup.max_resumed_crashes": -1,
        # No telemetry, studies, updates, ads or background fetches.
        "datareporting.policy.dataSubmissionEnabled": False,
        "datareporting.healthreport.uploadEnabled": False,
        "toolkit.telemetry.enabled": False,
        "toolkit.telemetry.unified": False,
        "toolkit.telemetry.reportingpolicy.firstRun": False,
        "telemetry.fog.test.localhost_port": -1,
        "app.update.auto": False,
        "app.normandy.enabled": False,
        "app.shield.optoutstudies.enabled": False,
        "extensions.update.enabled": False,
        "extensions.getAddons.cache.enabled": False,
        "extensions.blocklist.enabled": False,
        "browser.search.update": False,
        "browser.region.network.url": "",
        "browser.safebrowsing.downloads.enabled": False,
        "browser.safebrowsing.malware.enabled": False,
        "browser.safebrowsing.phishing.enabled": False,
        "browser.newtabpage.activity-stream.showSponsored": False,
        "browser.newtabpage.activity-stream.showSponsoredTopSites": False,
        "browser.newtabpage.activity-stream.feeds.section.topstories": False,
        "browser.newtabpage.activity-stream.feeds.topsites": False,
        "browser.newtabpage.activity-stream.telemetry": False,
        "browser.urlbar.quicksuggest.enabled": False,
        "network.captive-portal-service.enabled": False,
        "network.connectivity-service.enabled": False,
        "dom.push.connection.enabled": False,
        # Honoured only with MOZ_DISABLE_NONLOCAL_CONNECTIONS=1 in the environment (services-settings Utils).
        "services.settings.server": "data:,#remote-settings-dummy/v1",
        # Whatever still asks for the network goes to a loopback port that refuses it.
        "network.dns.disabled": True,
        "network.trr.mode": 5,
        "network.proxy.type": 1,
        "network.proxy.http": "127.0.0.1",
        "network.proxy.http_port": dead_port,
        "network.proxy.ssl": "127.0.0.1",
        "network.proxy.ssl_port": dead_port,
        "network.proxy.socks": "127.0.0.1",
        "network.proxy.socks_port": dead_port,
        "network.proxy.socks_remote_dns": True,
        "network.proxy.no_proxies_on": "",
    }


@dataclass(frozen=True)
class FirefoxImport:
    """A copy of places.sqlite taken after the import, and how long Firefox took to get there."""

    places: Path
    seconds: float


def stop(process: subprocess.Popen[bytes]) -> None:
    """End Firefox and the child processes it started (its own process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)


def import_in_firefox(firefox: str, bookmarks: Path, folder: Path) -> FirefoxImport:
    """Start headless Firefox on a fresh profile that imports `bookmarks`; copy places.sqlite once done."""
    profile, home, copy = folder / "profile", folder / "home", folder / "copy"
    for path in (profile, home, copy):
        path.mkdir()
    log = folder / "firefox.log"
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "MOZ_HEADLESS": "1",
        "MOZ_CRASHREPORTER_DISABLE": "1",
        "MOZ_DISABLE_NONLOCAL_CONNECTIONS": "1",
    }
    # A bound socket that never listens: every connection to its port is refused at once.
    with closing(socket.socket()) as dead, log.open("wb") as log_file:
        dead.bind(("127.0.0.1", 0))
        prefs = firefox_prefs(bookmarks, dead.getsockname()[1])
        user_js = "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
        (profile / "user.js").write_text(user_js, encoding="utf-8")
        command = [firefox, "--headless", "--profile", str(profile), "--no-remote", "about:blank"]
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so that stop() ends its children too
        )
        try:
            seconds = wait_for_import(process, profile / "prefs.js", started, log)
        finally:
            stop(process)
    # Firefox dies without checkpointing: the WAL holds the import, so it is copied along.
    for name in ("places.sqlite", "places.sqlite-wal"):
        if (profile / name).exists():
            shutil.copy2(profile / name, copy / name)
    return FirefoxImport(copy / "places.sqlite", seconds)


def wait_for_import(process: subprocess.Popen[bytes], prefs_js: Path, started: float, log: Path) -> float:
    """Seconds from launch until Firefox has written that the import is over; fail after IMPORT_TIMEOUT."""
    while (elapsed := time.monotonic() - started) < IMPORT_TIMEOUT:
        if prefs_js.exists() and IMPORT_DONE in prefs_js.read_text(encoding="utf-8", errors="replace"):
            return elapsed
        if process.poll() is not None:
            pytest.fail(f"Firefox exited {process.returncode} before importing:\n{log_tail(log)}")
        time.sleep(0.1)
    pytest.fail(f"Firefox did not finish importing within {IMPORT_TIMEOUT:.0f} s:\n{log_tail(log)}")


def log_tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-3000:]


@dataclass(frozen=True)
class Item:
    """A row of moz_bookmarks, with its moz_places URL for a bookmark."""

    id: int
    type: int  # 1 bookmark, 2 folder, 3 separator
    parent: int
    title: str | None
    url: str | None
    date_added: int  # microseconds since the epoch
    guid: str


class Places:
    """The bookmark tree of a places.sqlite: roots by GUID, children by position, tags as folders."""

    BOOKMARK, FOLDER = 1, 2  # moz_bookmarks.type
    # GUIDs of the built-in roots (Bookmarks.sys.mjs).
    MENU = "menu________"
    TOOLBAR = "toolbar_____"
    UNFILED = "unfiled_____"
    MOBILE = "mobile______"
    TAGS = "tags________"

    def __init__(self, path: Path) -> None:
        with closing(sqlite3.connect(path)) as db:
            rows = db.execute(
                "SELECT b.id, b.type, b.parent, b.title, p.url, b.dateAdded, b.guid"
                " FROM moz_bookmarks AS b LEFT JOIN moz_places AS p ON p.id = b.fk"
                " ORDER BY b.parent, b.position"
            ).fetchall()
        items = [Item(*row) for row in rows]
        self.by_guid = {item.guid: item for item in items}
        self._children: dict[int, list[Item]] = defaultdict(list)
        for item in items:
            self._children[item.parent].append(item)

    def children(self, folder: Item) -> list[Item]:
        return self._children[folder.id]

    def root(self, guid: str) -> list[Item]:
        """Children of a built-in root folder."""
        return self.children(self.by_guid[guid])

    def folders(self, folder: Item) -> list[Item]:
        return [item for item in self.children(folder) if item.type == self.FOLDER]

    def walk(self, folder: Item, depth: int = 0) -> Iterator[tuple[Item, int]]:
        """Sub-folders depth-first in position order, with their depth below `folder` (children are 0)."""
        for child in self.folders(folder):
            yield child, depth
            yield from self.walk(child, depth + 1)

    def tags(self) -> dict[str, list[str]]:
        """Tag names of each tagged URL: a tag is a folder under the tags root holding one bookmark per URL."""
        tags: dict[str, list[str]] = defaultdict(list)
        for tag in self.root(self.TAGS):
            for entry in self.children(tag):
                tags[entry.url].append(tag.title)
        return {url: sorted(names) for url, names in tags.items()}


def web_url(url: str) -> str:
    """The URL as a WHATWG URL parser serialises it (ada-url): what Firefox stores (Services.io.newURI().spec).

    It lower-cases the host, encodes IDN hosts in punycode and percent-encodes what the URL Standard encodes.
    """
    return ada_url.URL(url).href


def microseconds(catalog: Catalog, resource: Resource) -> int | None:
    """Firefox's dateAdded for the ADD_DATE the exporter wrote (seconds), or None when it wrote none."""
    seconds = unix_time(resource.accessed, resource.issued, catalog.date)
    return None if seconds is None else seconds * 1_000_000


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_firefox_imports_every_folder_link_and_tag(
    catalog_name: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    firefox = require_program("firefox-esr")
    catalog: Catalog = request.getfixturevalue(catalog_name)
    bookmarks = tmp_path / "bookmarks.html"
    bookmarks.write_text(dumps(catalog, "netscape"), encoding="utf-8")

    run = import_in_firefox(firefox, bookmarks, tmp_path)
    request.node.user_properties.append(("firefox_import_seconds", round(run.seconds, 2)))
    places = Places(run.places)

    # A start-up import replaces everything: the wrapper folder (root_folder=True) is all the menu holds.
    menu = places.root(Places.MENU)
    assert [(item.type, item.title) for item in menu] == [(Places.FOLDER, catalog.info.title)]
    for guid in (Places.TOOLBAR, Places.UNFILED, Places.MOBILE):
        assert places.root(guid) == [], guid
    wrapper = menu[0]
    assert [item.type for item in places.children(wrapper)] == [Places.FOLDER] * len(catalog.roots)

    folders = list(places.walk(wrapper))
    assert [(folder.title, depth) for folder, depth in folders] == [(c.title, d) for c, d in catalog.walk()]

    for (folder, _), (collection, _) in zip(folders, catalog.walk(), strict=True):
        links = [item for item in places.children(folder) if item.type != Places.FOLDER]
        members = catalog.members(collection)
        got = [(item.type, item.url, item.title) for item in links]
        assert got == [(Places.BOOKMARK, web_url(r.url), r.title) for r in members], collection.id
        for item, resource in zip(links, members, strict=True):
            added = microseconds(catalog, resource)
            assert added is None or item.date_added == added, (collection.id, resource.id)

    # Firefox matches tag names case-insensitively across URLs; these catalogs have no tags differing in case.
    assert places.tags() == {web_url(r.url): sorted(r.tags) for r in catalog.resources if r.tags}


def buku(program: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run buku without a terminal or standard input; fail the test with its output when it fails."""
    result = subprocess.run(
        [program, "--nostdin", *args],  # --nostdin must come first
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"buku {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}"
    )
    return result


def buku_tags(catalog: Catalog, resource: Resource) -> list[str]:
    """What buku keeps: the resource's tags plus the name of each folder it sits in ('--tacit' answers yes),

    with ',' in a folder name turned into a space, every tag stripped and lower-cased, sorted and unique.
    """
    names = [*resource.tags, *(c.title.replace(",", " ") for c in catalog.collections_of(resource))]
    return sorted({name.strip().lower() for name in names if name.strip()})


@pytest.mark.parametrize("catalog_name", CATALOGS)
def test_buku_imports_every_url_title_and_folder_tag(
    catalog_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    program = require_program("buku")
    catalog: Catalog = request.getfixturevalue(catalog_name)
    bookmarks = tmp_path / "bookmarks.html"
    bookmarks.write_text(dumps(catalog, "netscape"), encoding="utf-8")
    env = {
        **os.environ,
        "BUKU_DEFAULT_DBDIR": str(tmp_path / "db"),
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }

    # --tacit: no questions; the direct parent folder becomes a tag, and a URL met again gets its tags added.
    buku(program, env, "--tacit", "--import", str(bookmarks))
    assert (tmp_path / "db" / "bookmarks.db").is_file()
    records = json.loads(buku(program, env, "--print", "--json", "--nc", "--np").stdout)

    got = {
        record["uri"]: (
            record["title"],
            record["tags"].split(",") if record["tags"] else [],
            record["description"],
        )
        for record in records
    }
    assert len(got) == len(records), "buku holds a URL twice"
    # One record per URL, with the exact URL and title, the tags above, and the <DD> line (stripped) as
    # its description.
    want = {
        r.url: (r.title, buku_tags(catalog, r), " ".join((r.summary or "").splitlines()).strip())
        for r in catalog.resources
    }
    assert got == want
