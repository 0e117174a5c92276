"""The HTML reading-list page in a real browser: Debian's Chromium, headless, driven by selenium + chromedriver.

The page is opened from disk (file://) through a dead proxy, so that nothing could load even if it tried;
the performance log proves that no request other than the file itself left the page, and the browser log
that no console error (CSP violations included) appeared.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import require_program
from mlops_refs import dumps
from mlops_refs.exporters.bibtex import BibTeXExporter
from mlops_refs.exporters.listing import people_text
from mlops_refs.model import Catalog, CatalogInfo, Collection, Resource

pytestmark = pytest.mark.consumer

DOCS = Path(__file__).parents[1] / "docs"
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,900",
    "--proxy-server=http://127.0.0.1:9",  # a closed port: a request that escaped would fail
    "--proxy-bypass-list=<-loopback>",
)
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}

# One call that reads what the page shows: each folder's heading and the cards directly in it.
READ_FOLDERS = """
return Array.from(document.querySelectorAll('details.folder')).map((folder) => ({
  id: folder.id,
  heading: folder.querySelector(':scope > summary > :is(h2, h3, h4, h5, h6)').textContent,
  level: folder.querySelector(':scope > summary > :is(h2, h3, h4, h5, h6)').tagName,
  parent: folder.parentElement.closest('details.folder')?.id ?? null,
  items: Array.from(folder.querySelectorAll(':scope > ul.items > li.item')).map((li) => ({
    id: li.dataset.id,
    title: li.querySelector('.title a').textContent,
    href: li.querySelector('.title a').getAttribute('href'),
    text: li.textContent,
    tags: Array.from(li.querySelectorAll('.chip')).map((chip) => chip.dataset.tag),
  })),
}));
"""
VISIBLE_IDS = """
return Array.from(document.querySelectorAll('li.item'))
  .filter((li) => li.checkVisibility() && li.closest('details.folder:not([open])') === null)
  .map((li) => li.dataset.id);
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Headless Chromium through /usr/bin/chromedriver; selenium-manager is made to fail if anything calls it."""
    chromium = require_program("chromium")
    chromedriver = require_program("chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common import selenium_manager

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("selenium-manager ran: it would download a browser or driver")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selenium_manager.SeleniumManager, "binary_paths", no_download)
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in CHROMIUM_ARGS:
            options.add_argument(argument)
        profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=tmp_path_factory.getbasetemp())
        options.add_argument(f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


class Page:
    """The exported page opened from disk, with the logs read since it was opened."""

    def __init__(self, driver: object, path: Path) -> None:
        self.driver = driver
        self.url = path.as_uri()
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", DESKTOP)
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
        driver.get("about:blank")
        driver.get_log("performance")  # what the browser's own start-up tab fetched
        driver.get_log("browser")
        driver.get(self.url)

    def run(self, script: str, *args: object) -> object:
        """Run JavaScript in the page and return its result."""
        return self.driver.execute_script(script, *args)

    def find(self, css: str) -> object:
        """The first element matching a CSS selector."""
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def requests(self) -> list[str]:
        """Every URL the page requested since it was opened."""
        messages = [json.loads(entry["message"])["message"] for entry in self.driver.get_log("performance")]
        return [m["params"]["request"]["url"] for m in messages if m["method"] == "Network.requestWillBeSent"]

    def console(self) -> list[dict[str, object]]:
        """Console messages since the page was opened (CSP violations are reported there)."""
        return self.driver.get_log("browser")

    def count_text(self) -> str:
        """The 'Showing … resources' line."""
        return self.find("#count").text


def open_page(browser: object, catalog: Catalog, folder: Path) -> Page:
    path = folder / "page.html"
    path.write_text(dumps(catalog, "html-page"), encoding="utf-8")
    return Page(browser, path)


def searchable(resource: Resource) -> str:
    """What the search box looks in: title, authors, tags and summary."""
    people = people_text(resource.authors or resource.editors)
    return "\n".join([resource.title, people, " ".join(resource.tags), resource.summary or ""]).lower()


def assert_quiet(page: Page) -> None:
    """No request but the page itself, and no console message at all."""
    assert set(page.requests()) <= {page.url}
    assert page.console() == []


@pytest.mark.parametrize("catalog_name", ["bundled_catalog", "evil_catalog", "good_catalog"])
def test_every_folder_and_resource_is_on_the_page_as_written(
    browser: object, catalog_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    catalog = request.getfixturevalue(catalog_name)
    page = open_page(browser, catalog, tmp_path)
    assert page.driver.title == catalog.info.title
    assert page.find("h1").text == catalog.info.title
    folders = page.run(READ_FOLDERS)
    walked = list(catalog.walk())
    assert [f["id"] for f in folders] == [f"folder-{c.id}" for c, _ in walked]
    assert [f["heading"] for f in folders] == [c.title for c, _ in walked]
    assert [f["level"] for f in folders] == [f"H{min(depth + 2, 6)}" for _, depth in walked]
    assert [f["parent"] for f in folders] == [c.parent_id and f"folder-{c.parent_id}" for c, _ in walked]
    for folder, (collection, _) in zip(folders, walked, strict=True):
        members = catalog.members(collection)
        assert [i["id"] for i in folder["items"]] == [r.id for r in members]
        for item, resource in zip(folder["items"], members, strict=True):
            assert (item["title"], item["href"]) == (resource.title, resource.url)
            assert item["tags"] == list(resource.tags)
            for text in (resource.summary, resource.container, *(p.display for p in resource.authors)):
                assert text is None or text in item["text"]
            if resource.issued:
                assert resource.issued.iso() in item["text"]
    assert page.count_text() == f"Showing all {len(catalog)} resources"
    # Only the page's two scripts exist; no catalog text became an element, an attribute or a handler.
    assert page.run("return document.scripts.length") == 2
    assert (
        page.run("return document.querySelectorAll('b, tag, ltd, html > body script:not([id]) ~ *').length")
        == 0
    )
    handlers = "return Array.from(document.querySelectorAll('*')).flatMap((e) => e.getAttributeNames()).filter((n) => n.startsWith('on'))"
    assert page.run(handlers) == []
    assert_quiet(page)


def test_search_box_filters_as_you_type_by_title_author_tag_and_summary(
    browser: object, bundled_catalog: Catalog, tmp_path: Path
) -> None:
    page = open_page(browser, bundled_catalog, tmp_path)
    box = page.find("#q")
    for query in ["drift", "sculley", "monitoring", "data version", "tfx pipeline", "zzzz-nothing"]:
        box.clear()
        box.send_keys(query)
        terms = query.split()
        expected = {r.id for r in bundled_catalog.resources if all(t in searchable(r) for t in terms)}
        shown = page.run(VISIBLE_IDS)
        assert set(shown) == expected, query
        assert page.count_text() == f"Showing {len(expected)} of {len(bundled_catalog)} resources"
        assert page.find("#nothing").is_displayed() == (not expected)
        # A folder holding no match is hidden; one holding a match is open.
        for collection, _ in bundled_catalog.walk():
            folder = page.find(f"#folder-{collection.id}")
            subtree = {
                r.id for c in bundled_catalog.descendants(collection) for r in bundled_catalog.members(c)
            }
            assert folder.is_displayed() == bool(subtree & expected), (query, collection.id)
    assert len(expected) == 0  # the last query matched nothing
    page.find("#clear").click()
    assert page.count_text() == f"Showing all {len(bundled_catalog)} resources"
    assert len(page.run(VISIBLE_IDS)) == sum(len(c.resource_ids) for c in bundled_catalog.collections)
    assert_quiet(page)


def test_tag_chips_filter_and_show_their_state(
    browser: object, bundled_catalog: Catalog, tmp_path: Path
) -> None:
    page = open_page(browser, bundled_catalog, tmp_path)
    tagged = {r.id for r in bundled_catalog.resources if "monitoring" in r.tags}
    page.find('li.item .chip[data-tag="monitoring"]').click()
    assert set(page.run(VISIBLE_IDS)) == tagged
    assert page.count_text() == f"Showing {len(tagged)} of {len(bundled_catalog)} resources"
    assert (
        page.run(
            'return document.querySelectorAll(\'.chip[data-tag="monitoring"][aria-pressed="true"]\').length'
        )
        > 1
    )
    # A second tag narrows to resources carrying both.
    page.find(".tagbox > summary").click()
    page.find('.tagbox .chip[data-tag="observability"]').click()
    both = {r.id for r in bundled_catalog.resources if {"monitoring", "observability"} <= set(r.tags)}
    assert set(page.run(VISIBLE_IDS)) == both
    # A search combines with the tags.
    page.find("#q").send_keys("prometheus")
    assert set(page.run(VISIBLE_IDS)) == {
        r for r in both if "prometheus" in searchable(bundled_catalog.resource(r))
    }
    page.find("#clear").click()
    assert page.run("return document.querySelectorAll('.chip[aria-pressed=\"true\"]').length") == 0
    assert page.count_text() == f"Showing all {len(bundled_catalog)} resources"
    assert_quiet(page)


def test_sections_fold_and_unfold_with_mouse_and_keyboard(
    browser: object, bundled_catalog: Catalog, tmp_path: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    page = open_page(browser, bundled_catalog, tmp_path)
    keys = ActionChains(page.driver)
    # Tab from the top reaches the skip link, then the search box; '/' elsewhere jumps to the search box.
    keys.send_keys(Keys.TAB).perform()
    assert page.run("return document.activeElement.className") == "skip"
    keys.send_keys(Keys.TAB).perform()
    assert page.run("return document.activeElement.id") == "q"
    page.find("#folder-c1-w1 > summary").send_keys(Keys.TAB)
    keys.send_keys("/").perform()
    assert page.run("return document.activeElement.id") == "q"

    week = bundled_catalog.collection("c1-w1")
    first = bundled_catalog.members(week)[0]
    card = f'#folder-c1-w1 > ul.items > li.item[data-id="{first.id}"]'
    assert page.find(card).is_displayed()
    page.find("#folder-c1-w1 > summary").click()
    assert page.find("#folder-c1-w1").get_attribute("open") is None
    assert not page.find(card).is_displayed()
    page.find("#folder-c1-w1 > summary").send_keys(Keys.ENTER)
    assert page.find("#folder-c1-w1").get_attribute("open") is not None
    assert page.find(card).is_displayed()
    page.find("#collapse").click()
    assert page.run("return document.querySelectorAll('details.folder[open]').length") == 0
    assert page.run(VISIBLE_IDS) == []
    page.find("#expand").click()
    assert page.run("return document.querySelectorAll('details.folder:not([open])').length") == 0
    assert_quiet(page)


def test_copy_buttons_put_the_bibtex_entry_and_the_link_on_the_clipboard(
    browser: object, bundled_catalog: Catalog, tmp_path: Path
) -> None:
    page = open_page(browser, bundled_catalog, tmp_path)
    page.driver.execute_cdp_cmd(
        "Browser.grantPermissions", {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]}
    )
    read_clipboard = (
        "const done = arguments[0]; navigator.clipboard.readText().then(done, (e) => done('ERROR ' + e));"
    )
    for resource in (bundled_catalog.resources[0], bundled_catalog.resource("sculley2015hidden")):
        item = f'li.item[data-id="{resource.id}"]'
        page.find(f'{item} button[data-copy="bibtex"]').click()
        assert page.driver.execute_async_script(read_clipboard) == BibTeXExporter().entry_text(resource)
        assert page.find("#announce").get_attribute("textContent") == "BibTeX entry copied to the clipboard"
        page.find(f'{item} button[data-copy="link"]').click()
        assert page.driver.execute_async_script(read_clipboard) == resource.url
    assert_quiet(page)


def test_every_control_has_a_name_for_screen_readers(
    browser: object, bundled_catalog: Catalog, tmp_path: Path
) -> None:
    page = open_page(browser, bundled_catalog, tmp_path)
    tree = page.driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    roles = {"button", "textbox", "searchbox", "link", "DisclosureTriangle", "heading"}
    unnamed = [
        node
        for node in tree
        if not node.get("ignored")
        and node.get("role", {}).get("value") in roles
        and not node.get("name", {}).get("value", "").strip()
    ]
    assert unnamed == []
    seen = {node.get("role", {}).get("value") for node in tree if not node.get("ignored")}
    assert roles - {"textbox"} <= seen
    searchboxes = [n for n in tree if n.get("role", {}).get("value") == "searchbox"]
    assert [n["name"]["value"] for n in searchboxes] == ["Search titles, authors, tags and summaries"]
    assert page.find("#count").get_attribute("role") == "status"
    # A spoken name holds the visible label, so that voice control finds the button by what it shows.
    label_not_in_name = (
        "return Array.from(document.querySelectorAll('button[aria-label]'))"
        ".filter((b) => !b.getAttribute('aria-label').startsWith(b.textContent.trim())).length"
    )
    assert page.run(label_not_in_name) == 0
    assert_quiet(page)


def test_page_fits_a_phone_prints_without_controls_and_has_a_dark_scheme(
    browser: object,
    bundled_catalog: Catalog,
    evil_catalog: Catalog,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    shots = DOCS if request.config.getoption("--update-screenshots") else tmp_path
    page = open_page(browser, bundled_catalog, tmp_path)
    background = "return getComputedStyle(document.body).backgroundColor"
    light = page.run(background)
    page.find("#q").send_keys("monitoring")
    page.driver.save_screenshot(str(shots / "html-page-desktop.png"))
    page.find("#clear").click()

    page.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    page.driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    )
    assert page.run(background) != light
    assert page.run("return document.documentElement.scrollWidth <= window.innerWidth")
    page.driver.save_screenshot(str(shots / "html-page-phone-dark.png"))

    page.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not page.find(".controls").is_displayed()
    assert not page.find("li.item .actions").is_displayed()
    assert_quiet(page)

    (tmp_path / "evil").mkdir()
    evil = open_page(browser, evil_catalog, tmp_path / "evil")
    evil.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    assert evil.run("return document.documentElement.scrollWidth <= window.innerWidth")
    assert_quiet(evil)
    for name in ("html-page-desktop.png", "html-page-phone-dark.png"):
        png = (shots / name).read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


def script_breaking_catalog() -> Catalog:
    """Text that would end the data block, open a comment or break a JavaScript string if not escaped."""
    evil = "</script><script>document.title='injected'</script><!--<script> \u2028\u2029 &lt;b&gt;"
    collections = [Collection(id="c", title=evil, kind="course")]
    resources = [
        Resource(
            id="r",
            type="webpage",
            title=evil,
            url="https://example.org/?a=%3C/script%3E",
            collection_ids=("c",),
            summary=evil,
            tags=("</script>", "<!--"),
        )
    ]
    return Catalog.build(CatalogInfo(title="Script <breaking> catalog"), collections, resources)


def test_text_that_would_end_a_script_stays_data(browser: object, tmp_path: Path) -> None:
    catalog = script_breaking_catalog()
    page = open_page(browser, catalog, tmp_path)
    resource = catalog.resources[0]
    assert page.driver.title == catalog.info.title
    assert page.run("return document.scripts.length") == 2
    assert page.find("li.item .summary").get_attribute("textContent") == resource.summary
    bibtex = "return JSON.parse(document.getElementById('page-data').textContent).bibtex.r"
    assert page.run(bibtex) == BibTeXExporter().entry_text(resource)
    assert page.find("li.item .title a").get_attribute("textContent") == resource.title
    page.find("#q").send_keys("</script>")
    assert page.run(VISIBLE_IDS) == ["r"]
    page.find('li.item .chip[data-tag="<!--"]').click()
    assert page.run(VISIBLE_IDS) == ["r"]
    assert page.count_text() == "Showing 1 of 1 resources"
    assert_quiet(page)
