"""The quick acceptance of plain URLs agrees with the full URL checks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_refs import validation


@settings(max_examples=500)
@given(st.from_regex(validation._PLAIN_URL, fullmatch=True))
def test_every_url_the_quick_check_accepts_passes_the_full_checks(url: str) -> None:
    assert validation._checked_url_problem(url) is None


def test_the_quick_check_leaves_every_faulty_url_to_the_full_checks() -> None:
    faulty = [
        "https://user@example.org/",
        "https://example.org:0/",
        "https://example.org:99999/",
        "ftp://example.org/",
        "https://example.org/a b",
        "https://exämple.org/",
        "https:///path",
        "https://[::1/",
        'https://example.org/"quoted"',
    ]
    assert [u for u in faulty if validation._PLAIN_URL.match(u)] == []
    assert [u for u in faulty if validation.url_problem(u) is None] == []
