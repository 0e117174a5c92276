"""When two records are the same thing: identity keys from DOIs, arXiv ids, ISBNs, PMIDs and URLs.

A key is only for comparing; the values a person saved (their URL above all) are never rewritten. Keys are
typed strings, ``doi:10.1145/3533378``, ``arxiv:2011.09926``, ``isbn:9780306406157``, ``pmid:123``,
``url:example.org/a/b?x=1``, so one dict can index them all. Title, year and first author never make a key:
``title_block`` and ``titles_alike`` only propose candidate pairs for a person to look at.
"""

from __future__ import annotations

import contextlib
import difflib
import re
import unicodedata
from urllib.parse import quote, unquote, urlsplit

from .model import Resource

#: Identifier kinds of which one resource has exactly one: two different values mean two different things.
EXCLUSIVE_KINDS = ("doi", "arxiv", "pmid")

_DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
_DOI_PREFIX = re.compile(r"^(?:doi\s*:\s*|(?:https?://)?(?:www\.)?(?:dx\.)?doi\.org/)", re.IGNORECASE)
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.IGNORECASE)
_ARXIV_NEW = re.compile(r"([0-9]{4}\.[0-9]{4,5})(?:v[0-9]+)?")
_ARXIV_OLD = re.compile(r"([a-z-]+(?:\.[a-z]{2})?/[0-9]{7})(?:v[0-9]+)?", re.IGNORECASE)
_ARXIV_PREFIX = re.compile(r"^arxiv\s*:\s*", re.IGNORECASE)
_ARXIV_PATH = re.compile(r"/(?:abs|pdf|html|format)/(.+?)(?:\.pdf)?/?$", re.IGNORECASE)
_ARXIV_HOSTS = frozenset(("arxiv.org", "export.arxiv.org"))
_DOI_HOSTS = frozenset(("doi.org", "dx.doi.org"))
_ISBN_CLEAN = re.compile(r"[\s-]")
_PMID = re.compile(r"(?:pmid\s*:\s*)?([0-9]{1,9})", re.IGNORECASE)
_DELIMITER_ESCAPE = re.compile(r"%(2F|3F|23|26|3D|2B|25|3B)", re.IGNORECASE)  # / ? # & = + % ;
_SAFE_IN_KEY = "!$&'()*+,;=:@/?[]|^~"
_WORDS = re.compile(r"\w+")
_DEFAULT_PORTS = {"http": 80, "https": 443}

#: Query parameters that only say where a click came from; the same page with or without them is one page.
TRACKING_PARAMETERS = frozenset(
    (
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "twclid",
        "ttclid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "ref_src",
    )
)


def bare_doi(text: str | None) -> str | None:
    """The bare DOI of any common form (``doi:``, a doi.org link), as written; None when it is not one.

    >>> bare_doi("https://doi.org/10.1145/3533378"), bare_doi("see the paper")
    ('10.1145/3533378', None)
    """
    if not text:
        return None
    bare = _DOI_PREFIX.sub("", text.strip(), count=1)
    return bare if _DOI.fullmatch(bare) else None


def doi_key(text: str | None) -> str | None:
    """``doi:`` + the lower-case bare DOI of any common form, or None (arXiv's own DOIs give an arXiv key).

    >>> doi_key("https://dx.doi.org/10.1145/3533378"), doi_key("doi:10.1145/ABC")
    ('doi:10.1145/3533378', 'doi:10.1145/abc')
    """
    bare = bare_doi(unquote(text)) if text else None
    if bare is None:
        return None
    if arxiv := _ARXIV_DOI.fullmatch(bare):
        return arxiv_key(arxiv.group(1))
    return f"doi:{bare.lower()}"


def arxiv_key(text: str | None) -> str | None:
    """``arxiv:`` + the id without version, from an id, ``arXiv:`` form, abs/pdf URL or arXiv DOI; else None.

    >>> arxiv_key("https://arxiv.org/pdf/2011.09926v2.pdf"), arxiv_key("hep-th/9901001v1")
    ('arxiv:2011.09926', 'arxiv:hep-th/9901001')
    """
    if not text:
        return None
    value = _ARXIV_PREFIX.sub("", text.strip(), count=1)
    if "://" in value or value.lower().startswith(("arxiv.org/", "www.arxiv.org/")):
        key = url_key(value if "://" in value else f"https://{value}")
        return key if key is not None and key.startswith("arxiv:") else None
    if doi := _ARXIV_DOI.fullmatch(value):
        value = doi.group(1)
    if found := _ARXIV_NEW.fullmatch(value):
        return f"arxiv:{found.group(1)}"
    if found := _ARXIV_OLD.fullmatch(value):
        return f"arxiv:{found.group(1).lower()}"
    return None


def _arxiv_of_url(url: str) -> str | None:
    parts = _split(url)
    if parts is None or _bare_host(parts[1]) not in _ARXIV_HOSTS:
        return None
    found = _ARXIV_PATH.search(parts[2])
    return arxiv_key(found.group(1)) if found else None


def isbn_key(text: str | None) -> str | None:
    """``isbn:`` + the ISBN-13 digits of a valid ISBN-10 or ISBN-13 (so both forms give one key), or None.

    >>> isbn_key("0-306-40615-2"), isbn_key("978-0-306-40615-7")
    ('isbn:9780306406157', 'isbn:9780306406157')
    """
    from .validation import isbn_is_valid  # it loads the schema machinery: only when needed

    if not text or not isbn_is_valid(text):
        return None
    digits = _ISBN_CLEAN.sub("", text).upper()
    if len(digits) == 10:
        body = "978" + digits[:9]
        check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(body)) % 10) % 10
        digits = f"{body}{check}"
    return f"isbn:{digits}"


def pmid_key(text: str | None) -> str | None:
    """``pmid:`` + a PubMed id without leading zeros, or None."""
    found = _PMID.fullmatch(text.strip()) if text else None
    return f"pmid:{int(found.group(1))}" if found else None


def url_key(url: str | None) -> str | None:
    """A key equal for the addresses of one page: DOI and arXiv links give their identifier's key.

    Ignored when comparing: scheme (http = https), host case, a leading ``www.``, the default port, the
    fragment, tracking parameters (``utm_*``, ``fbclid``, ...), a trailing slash, escapes of unreserved
    characters. Kept: the path's case, every other query parameter, their order and values.

    >>> url_key("http://www.Example.org:80/a/?utm_source=x&id=2#top")
    'url:example.org/a?id=2'
    """
    if not url:
        return None
    parts = _split(url.strip())
    if parts is None:
        return None
    scheme, netloc, path, query = parts
    host = _bare_host(netloc)
    if host in _DOI_HOSTS:
        return doi_key(unquote(path.lstrip("/")))
    if host in _ARXIV_HOSTS and (arxiv := _arxiv_of_url(url.strip())):
        return arxiv
    port = _port(netloc)
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    path = _remove_dot_segments(_normal_escapes(path.replace("\\", "/"))).rstrip("/")
    kept = [p for p in query.split("&") if p and not _is_tracking(p)]
    key = f"url:{host}{path}"
    return f"{key}?{'&'.join(_normal_escapes(p) for p in kept)}" if kept else key


def _split(url: str) -> tuple[str, str, str, str] | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return None
    return scheme, parts.netloc, parts.path, parts.query


def _bare_host(netloc: str) -> str:
    host = netloc.rpartition("@")[2]
    is_ipv6 = host.startswith("[")  # an IPv6 literal keeps its colons
    host = host[: host.find("]") + 1] if is_ipv6 else host.partition(":")[0]
    host = host.lower().rstrip(".")
    if not host.isascii():
        with contextlib.suppress(UnicodeError):
            host = host.encode("idna").decode("ascii")
    return host[4:] if host.startswith("www.") else host


def _port(netloc: str) -> int | None:
    tail = netloc.rpartition("@")[2].rpartition("]")[2]
    _, colon, port = tail.partition(":")
    return int(port) if colon and port.isdigit() else None


def _normal_escapes(text: str) -> str:
    """One spelling of a path or query: escapes of delimiters kept (upper case), the rest decoded, then
    space, quotes, angle brackets, braces, backticks and non-ASCII encoded as UTF-8 escapes."""
    pieces = _DELIMITER_ESCAPE.split(text)
    return "".join(
        f"%{piece.upper()}" if i % 2 else quote(unquote(piece), safe=_SAFE_IN_KEY)
        for i, piece in enumerate(pieces)
    )


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    out: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(out) > 1:
                out.pop()
        elif segment != ".":
            out.append(segment)
    trailing = "/" if path.endswith(("/.", "/..")) else ""
    return "/".join(out) + trailing


def _is_tracking(parameter: str) -> bool:
    name = unquote(parameter.partition("=")[0]).lower()
    return name.startswith("utm_") or name in TRACKING_PARAMETERS


def identity_keys(resource: Resource) -> list[str]:
    """Every identity key of a resource, strongest first (DOI, arXiv, ISBN, PMID, then URL), no repeats."""
    keys = [
        doi_key(resource.doi),
        arxiv_key(resource.arxiv),
        isbn_key(resource.isbn),
        pmid_key(resource.pmid),
        url_key(resource.url),
    ]
    return list(dict.fromkeys(k for k in keys if k is not None))


def kind_of(key: str) -> str:
    """The identifier kind of a key: 'doi', 'arxiv', 'isbn', 'pmid' or 'url'."""
    return key.partition(":")[0]


def exclusive_conflict(keys_a: list[str], keys_b: list[str]) -> str | None:
    """The first identifier kind (DOI, arXiv, PMID) both have with different values, else None."""
    for kind in EXCLUSIVE_KINDS:
        a = {k for k in keys_a if kind_of(k) == kind}
        b = {k for k in keys_b if kind_of(k) == kind}
        if a and b and not a & b:
            return kind
    return None


def fold(text: str) -> str:
    """Text for loose comparison: Unicode-compatible, accents dropped, case-folded, words joined by spaces."""
    if not text.isascii():  # ASCII text has no accents to drop and no compatibility forms
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_WORDS.findall(text.casefold()))


def title_block(resource: Resource) -> tuple[str, int] | None:
    """The blocking key of a candidate pair: folded first author family name and year, or None."""
    if resource.issued is None or not resource.authors:
        return None
    first = resource.authors[0]
    family = fold(first.full_family or first.given or "")
    return (family, resource.issued.year) if family else None


def titles_alike(a: str, b: str, threshold: float = 0.9) -> float | None:
    """The similarity of two folded titles when at least ``threshold`` (0..1), else None."""
    if a == b:
        return 1.0 if a else None
    if not a or not b or 2 * min(len(a), len(b)) < threshold * (len(a) + len(b)):
        return None
    words_a, words_b = set(a.split()), set(b.split())
    if 2 * len(words_a & words_b) < min(len(words_a), len(words_b)):  # cheap: most words must be shared
        return None
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
        return None
    ratio = matcher.ratio()
    return round(ratio, 3) if ratio >= threshold else None
