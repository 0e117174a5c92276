"""Identity keys: every form of one identifier gives one key, and what differs keeps its own key."""

from __future__ import annotations

import pytest

from mlops_refs.identity import (
    arxiv_key,
    doi_key,
    exclusive_conflict,
    fold,
    identity_keys,
    isbn_key,
    pmid_key,
    title_block,
    titles_alike,
    url_key,
)
from mlops_refs.model import Catalog, PartialDate, Person, Resource


@pytest.mark.parametrize(
    "text",
    [
        "10.1145/3533378",
        "10.1145/3533378 ",
        "DOI:10.1145/3533378",
        "doi: 10.1145/3533378",
        "https://doi.org/10.1145/3533378",
        "http://dx.doi.org/10.1145/3533378",
        "https://www.doi.org/10.1145/3533378",
        "doi.org/10.1145/3533378",
        "https://doi.org/10.1145%2F3533378",
    ],
)
def test_doi_forms_give_one_key(text: str) -> None:
    assert doi_key(text) == "doi:10.1145/3533378"


def test_doi_case_is_folded() -> None:
    assert doi_key("10.1007/978-3-030-ABC_1") == doi_key("10.1007/978-3-030-abc_1")


@pytest.mark.parametrize("text", ["", None, "3533378", "10.1/abc", "https://example.org/10.1145/3533378"])
def test_what_is_not_a_doi_gives_no_key(text: str | None) -> None:
    assert doi_key(text) is None


def test_different_dois_differ() -> None:
    assert doi_key("10.1145/3533378") != doi_key("10.1145/3533379")


@pytest.mark.parametrize(
    "text",
    [
        "2011.09926",
        "2011.09926v2",
        "arXiv:2011.09926",
        "arxiv:2011.09926v1",
        "https://arxiv.org/abs/2011.09926",
        "http://arxiv.org/abs/2011.09926v3",
        "https://arxiv.org/pdf/2011.09926",
        "https://arxiv.org/pdf/2011.09926v2.pdf",
        "https://www.arxiv.org/abs/2011.09926/",
        "https://export.arxiv.org/abs/2011.09926",
        "10.48550/arXiv.2011.09926",
        "https://doi.org/10.48550/ARXIV.2011.09926",
    ],
)
def test_arxiv_forms_give_one_key(text: str) -> None:
    assert arxiv_key(text) == "arxiv:2011.09926"


@pytest.mark.parametrize(
    "text",
    ["hep-th/9901001", "hep-th/9901001v2", "arXiv:hep-th/9901001", "https://arxiv.org/abs/hep-th/9901001v1"],
)
def test_old_style_arxiv_ids(text: str) -> None:
    assert arxiv_key(text) == "arxiv:hep-th/9901001"


def test_arxiv_doi_is_an_arxiv_key_not_a_doi_key() -> None:
    assert doi_key("10.48550/arXiv.2011.09926") == "arxiv:2011.09926"
    assert url_key("https://doi.org/10.48550/arXiv.2011.09926") == "arxiv:2011.09926"


def test_different_arxiv_ids_and_non_arxiv_urls() -> None:
    assert arxiv_key("2011.09926") != arxiv_key("2011.09927")
    assert arxiv_key("https://example.org/abs/2011.09926") is None
    assert arxiv_key("not an id") is None


@pytest.mark.parametrize("text", ["0-306-40615-2", "0306406152", "978-0-306-40615-7", "9780306406157"])
def test_isbn_10_and_13_give_one_key(text: str) -> None:
    assert isbn_key(text) == "isbn:9780306406157"


def test_isbn_with_x_check_digit_and_wrong_isbns() -> None:
    assert isbn_key("0-8044-2957-X") == "isbn:9780804429573"
    assert isbn_key("0-306-40615-3") is None  # wrong check digit
    assert isbn_key("978-3-16-148410-0") != isbn_key("978-0-306-40615-7")


def test_pmid_forms() -> None:
    assert pmid_key("PMID: 0012345") == pmid_key("12345") == "pmid:12345"
    assert pmid_key("12a") is None


@pytest.mark.parametrize(
    "variant",
    [
        "https://example.org/docs/page",
        "http://example.org/docs/page",
        "https://www.example.org/docs/page",
        "https://EXAMPLE.org/docs/page",
        "https://example.org./docs/page",
        "https://example.org:443/docs/page",
        "http://example.org:80/docs/page",
        "https://example.org/docs/page/",
        "https://example.org/docs/page#section-2",
        "https://example.org/docs/page?utm_source=newsletter&utm_medium=email",
        "https://example.org/docs/page?fbclid=abc",
        "https://example.org/docs/page?gclid=abc&msclkid=x",
        "https://example.org/docs/./page",
        "https://example.org/docs/x/../page",
        "https://example.org/%64ocs/page",
        "http://www.example.org/docs/page/?utm_campaign=x#top",
    ],
)
def test_url_variants_of_one_page_give_one_key(variant: str) -> None:
    assert url_key(variant) == url_key("https://example.org/docs/page") == "url:example.org/docs/page"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://example.org/docs/page", "https://example.org/docs/other"),
        ("https://example.org/docs/page", "https://example.org/Docs/page"),  # paths are case-sensitive
        ("https://example.org/docs/page", "https://example.org/docs"),
        ("https://example.org/item?id=1", "https://example.org/item?id=2"),
        ("https://example.org/item?id=1", "https://example.org/item"),
        ("https://example.org/item?page=1&id=2", "https://example.org/item?id=2&page=1"),
        ("https://example.org/a", "https://example.com/a"),
        ("https://docs.example.org/a", "https://example.org/a"),
        ("https://example.org:8080/a", "https://example.org/a"),
        ("https://example.org/a%2Fb", "https://example.org/a/b"),
    ],
)
def test_urls_of_different_pages_keep_different_keys(a: str, b: str) -> None:
    assert url_key(a) != url_key(b)


def test_url_keys_of_doi_and_arxiv_links_are_identifier_keys() -> None:
    assert url_key("https://dx.doi.org/10.1145/3533378") == "doi:10.1145/3533378"
    assert url_key("http://arxiv.org/pdf/2011.09926v2.pdf") == "arxiv:2011.09926"


@pytest.mark.parametrize(
    "url", ["", None, "ftp://example.org/x", "mailto:a@example.org", "not a url", "http://"]
)
def test_what_is_not_a_web_address_gives_no_url_key(url: str | None) -> None:
    assert url_key(url) is None


def test_idn_hosts_compare_in_either_form() -> None:
    assert url_key("https://münchen.de/a") == url_key("https://xn--mnchen-3ya.de/a")


def _paper(**fields: object) -> Resource:
    base: dict[str, object] = {"id": "x", "type": "journal-article", "title": "T"}
    base.update(fields)
    return Resource(**base)  # type: ignore[arg-type]


def test_identity_keys_strongest_first_and_the_saved_url_untouched() -> None:
    r = _paper(
        doi="10.1145/3533378",
        arxiv="2011.09926",
        url="http://WWW.example.org/p/?utm_source=x",
        isbn="0306406152",
    )
    assert identity_keys(r) == [
        "doi:10.1145/3533378",
        "arxiv:2011.09926",
        "isbn:9780306406157",
        "url:example.org/p",
    ]
    assert r.url == "http://WWW.example.org/p/?utm_source=x"


def test_an_arxiv_url_and_an_arxiv_field_give_one_key() -> None:
    assert identity_keys(_paper(arxiv="2011.09926", url="https://arxiv.org/abs/2011.09926v2")) == [
        "arxiv:2011.09926"
    ]


def test_exclusive_conflict_names_the_kind_that_differs() -> None:
    a = ["doi:10.1/a", "url:example.org/p"]
    assert exclusive_conflict(a, ["doi:10.1/b", "url:example.org/p"]) == "doi"
    assert exclusive_conflict(a, ["url:example.org/p"]) is None
    assert exclusive_conflict(["isbn:9780306406157"], ["isbn:9783161484100"]) is None  # books have several


def test_fold_and_title_similarity() -> None:
    assert fold("Hidden Technical Debt in Machine-Learning Systems!") == fold(
        "hidden technical debt in machine learning systems"
    )
    assert fold("Noé Lutz") == "noe lutz"
    assert titles_alike(
        fold("Hidden technical debt in ML systems"), fold("Hidden Technical Debt in ML Systems")
    )
    assert titles_alike(fold("Hidden technical debt"), fold("Visible technical credit")) is None
    assert titles_alike("", "") is None


def test_title_block_needs_author_and_year() -> None:
    person = Person(family="Sculley", given="D.")
    assert title_block(_paper(authors=(person,), issued=PartialDate(2015))) == ("sculley", 2015)
    assert title_block(_paper(authors=(person,))) is None
    assert title_block(_paper(issued=PartialDate(2015))) is None
    org = Person(literal="Google")
    assert title_block(_paper(authors=(org,), issued=PartialDate(2020))) == ("google", 2020)


WHATWG_CASES = [
    "HTTP://WWW.Example.ORG:80/a/./b/../c/%7Euser?utm_source=x#f",
    "https://münchen.de/Straße",
    "https://example.org/%64ocs/%2f",
    "http://[::1]:8080/x",
    "https://EXAMPLE.org./a",
    "https://example.org/a b",
    "https://user:pw@example.org:443/p?q=1&r=%41",
    "https://example.org/..//x/../y",
    "https://example.org?a=1#b",
]


@pytest.mark.parametrize("url", WHATWG_CASES)
def test_url_key_agrees_with_the_whatwg_parser(url: str) -> None:
    """ada-url (the WHATWG URL parser of Node.js) normalises a URL; the key must not depend on that step."""
    ada_url = pytest.importorskip("ada_url")
    assert url_key(url) == url_key(ada_url.URL(url).href)


def test_url_keys_of_the_bundled_catalog_are_unique_and_stable_under_whatwg(bundled_catalog: Catalog) -> None:
    ada_url = pytest.importorskip("ada_url")
    urls = [r.url for r in bundled_catalog.resources if r.url]
    assert len({url_key(u) for u in urls}) == len(urls)
    assert [url_key(u) for u in urls] == [url_key(ada_url.URL(u).href) for u in urls]


def test_the_examples_in_the_docstrings_hold() -> None:
    import doctest

    import mlops_refs.identity

    result = doctest.testmod(mlops_refs.identity)
    assert result.attempted >= 4
    assert result.failed == 0
