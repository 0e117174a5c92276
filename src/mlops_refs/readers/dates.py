"""Dates as other programs write them, read into a PartialDate at the precision they have."""

from __future__ import annotations

import calendar
import re

from ..model import PartialDate

MONTHS = {
    name: n for n in range(1, 13) for name in (calendar.month_name[n].lower(), calendar.month_abbr[n].lower())
}
_NUMERIC = re.compile(r"(-?\d{1,4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ].*)?")
_MONTH_YEAR = re.compile(r"(?:(\d{1,2})\s+)?([A-Za-z]+)\.?(?:\s+(\d{1,2}))?,?\s+(\d{4})")


def make_date(year: int, month: int | None = None, day: int | None = None) -> PartialDate | None:
    """A PartialDate when the parts make a real date (a day needs a month), else None."""
    if month is None:
        return PartialDate(year) if day is None else None
    if not 1 <= month <= 12:
        return None
    if day is None:
        return PartialDate(year, month)
    if not 1 <= day <= calendar.monthrange(year if year > 0 else 2000, month)[1]:
        return None
    return PartialDate(year, month, day)


def parse_date_text(text: str) -> PartialDate | None:
    """'2020', '2020-11-18', '2020/11/18', 'Nov 2020', '18 November 2020', 'November 18, 2020'; else None."""
    text = text.strip()
    match = _NUMERIC.fullmatch(text)
    if match:
        parts = [int(p) if p else None for p in match.groups()]
        return make_date(*parts)  # type: ignore[arg-type]
    match = _MONTH_YEAR.fullmatch(text)
    if match and match[2].lower() in MONTHS:
        day = match[1] or match[3]
        return make_date(int(match[4]), MONTHS[match[2].lower()], int(day) if day else None)
    return None
