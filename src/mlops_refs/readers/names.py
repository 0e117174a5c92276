"""Personal names as other programs write them: 'Family, Given, Suffix' and family names with particles."""

from __future__ import annotations

import re

from ..model import Person

#: Words that make an inverted name an organisation's ('Pachyderm, Inc.', 'ERTIS Group, University of X').
ORGANISATION = re.compile(
    r"\b(?:Inc|Ltd|LLC|GmbH|Corp|Co|AG|SA|plc|Limited|Corporation|Company|University|Universidad|"
    r"Universität|Université|Institute|Institut|Group|Laboratory|Laboratories|Lab|Labs|Foundation|"
    r"Association|Society|Team|Project|Council|Department|Center|Centre|Agency|Ministry|Committee)\b\.?",
)


def split_particle(family: str) -> tuple[str | None, str]:
    """Leading lower-case words of a family name as its particle: 'van der Vlist' -> ('van der', 'Vlist').

    This is BibTeX's "von" rule (and citeproc-js's parse of ``family``); the last word is always the family.
    """
    words = family.split()
    n = 0
    while n < len(words) - 1 and words[n][:1].islower():
        n += 1
    if n == 0:
        return None, family.strip()
    return " ".join(words[:n]), " ".join(words[n:])


def parse_inverted(text: str) -> Person | None:
    """'Family, Given[, Suffix]' as a person; a name without a comma, or an organisation's, stays whole."""
    text = " ".join(text.split())
    if not text:
        return None
    if "," not in text or ORGANISATION.search(text):
        return Person(literal=text)
    family, _, rest = text.partition(",")
    given, _, suffix = rest.partition(",")
    particle, family = split_particle(family.strip())
    if not family:
        return Person(literal=text)
    return Person(
        family=family, given=given.strip() or None, particle=particle, suffix=suffix.strip() or None
    )
